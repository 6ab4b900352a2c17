import test from 'ava';
import { createLogger } from '../src/log.ts';
import { type RunningService, startService } from '../src/service.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { GRADUATE, seedUniversity, startTestService } from './helpers/service.ts';

test('an operator rotates the signing key: published first, signing after, the old one retired last', async (t) => {
  const first = await startTestService('keys', { logLevel: 'silent' });
  const university = await seedUniversity(first);
  const config = { ...first.config, port: Number(new URL(first.issuer).port), issuer: first.issuer };
  const cli = (...args: string[]) =>
    runScript('src/cli/main.ts', ['keys', ...args], {
      NODE_ENV: 'test',
      MONGODB_URI: config.mongodb.uri as string,
      KEYS_DIR: config.keysDir,
    });
  const signedBy = async (service: RunningService) => {
    const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
    const { tokens } = await completeLogin(rp, GRADUATE);
    return JSON.parse(Buffer.from((tokens.id_token as string).split('.')[0] as string, 'base64url').toString()).kid as string;
  };
  const published = async (service: RunningService) =>
    ((await (await fetch(`${service.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid).sort();
  const restart = async (running: RunningService) => {
    await running.stop();
    return startService(config, createLogger('silent'));
  };

  const oldKid = await signedBy(first);
  const added = await cli('add');
  t.is(added.code, 0, added.stderr);
  const newKid = added.stdout.match(/^(\S+)\tRS256\tpublished$/m)?.[1] as string;
  t.truthy(newKid);

  let service = await restart(first);
  try {
    t.deepEqual(await published(service), [oldKid, newKid].sort(), 'the new key is published');
    t.is(await signedBy(service), oldKid, 'but does not sign yet');

    t.is((await cli('promote', '--kid', newKid)).code, 0);
    service = await restart(service);
    t.is(await signedBy(service), newKid, 'the new key signs');
    t.deepEqual(await published(service), [oldKid, newKid].sort(), 'the old key still verifies earlier tokens');

    const refused = await cli('retire', '--kid', newKid);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /the signing key cannot be retired/);
    t.is((await cli('retire', '--kid', oldKid)).code, 0);
    service = await restart(service);
    t.deepEqual(await published(service), [newKid]);
  } finally {
    await service.stop();
  }
});
