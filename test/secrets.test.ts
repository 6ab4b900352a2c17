import test from 'ava';
import { SecretHasher } from '../src/security/secrets.ts';

const hasher = new SecretHasher({ memoryCostKiB: 19456, timeCost: 2, parallelism: 1 });

test('a password stored by the earlier hashing library (the argon2 package) still verifies', async (t) => {
  // Made by argon2@0.45 (node-argon2), which wrote the parameters in the order m, p, t.
  const stored = '$argon2id$v=19$m=19456,p=1,t=2$aTsqJ2AghrJNUays14GjSw$bUCrGu/k4wPOvEIGXVI6CNroES2lhuerGp8URdWJLHM';
  t.true(await hasher.verify(stored, 'Hanako2026pass'));
  t.false(await hasher.verify(stored, 'Hanako2026pasS'));
});

test('a new secret is stored as argon2id with the configured memory, iterations and lanes, salted', async (t) => {
  const first = await hasher.hash('Second2026x');
  t.regex(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  t.not(await hasher.hash('Second2026x'), first, 'a fresh salt each time');
  t.true(await hasher.verify(first, 'Second2026x'));
  t.false(await hasher.verify(first, 'Second2026y'));
});

test('an account without a stored secret never verifies, not even with the throw-away hash’s own secret', async (t) => {
  t.false(await hasher.verify(undefined, 'not-a-real-secret'));
  t.false(await hasher.verify('not a hash', 'anything'));
});
