import test from 'ava';
import { loadConfig } from '../src/config/load.ts';
import { sessionTtl } from '../src/oidc/sessions.ts';

const config = loadConfig({ NODE_ENV: 'test' }, { session: { idleMinutes: 30 }, ttl: { sessionSeconds: 8 * 3600 } });

test('a session in use lives for the idle limit from its last use', (t) => {
  const now = 1_800_000_000;
  t.is(sessionTtl(config, now - 60, now), 30 * 60);
});

test('a session never outlives its absolute lifetime, however busy', (t) => {
  const now = 1_800_000_000;
  const loginTs = now - (8 * 3600 - 120);
  t.is(sessionTtl(config, loginTs, now), 120, 'two minutes left of eight hours');
  t.is(sessionTtl(config, now - 9 * 3600, now), 1, 'past the lifetime: gone at once');
});
