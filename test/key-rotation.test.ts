import test from 'ava';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { GRADUATE, seedUniversity, startSecondInstance, startTestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

test('an operator rotates the signing key while two instances run: published first, signing after, retired last, no restart', async (t) => {
  const first = await startTestService('keys', { logLevel: 'silent' });
  const university = await seedUniversity(first);
  const { config } = first;
  const second = await startSecondInstance(first);
  const instances = [first.issuer, second.url];
  const cli = (...args: string[]) =>
    runScript('src/cli/main.ts', ['keys', ...args], {
      NODE_ENV: 'test',
      MONGODB_URI: config.mongodb.uri as string,
      KEYS_DIR: config.keysDir,
    });
  /** The kid of an ID token issued by the instance at `base` (its token endpoint answers the code). */
  const signedBy = async (base: string) => {
    const rp = await relyingParty(first.issuer, university.client.id, university.client.secret, base);
    const { tokens } = await completeLogin(rp, GRADUATE);
    return JSON.parse(Buffer.from((tokens.id_token as string).split('.')[0] as string, 'base64url').toString()).kid as string;
  };
  const published = async (base: string) =>
    ((await (await fetch(`${base}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid).sort();
  const everywhere = async <T>(read: (base: string) => Promise<T>, wanted: (value: T) => boolean) =>
    Promise.all(instances.map((base) => eventually(() => read(base), wanted, 30_000)));

  try {
    const oldKid = await signedBy(instances[0] as string);
    const added = await cli('add');
    t.is(added.code, 0, added.stderr);
    t.regex(added.stdout, /no restart/);
    const newKid = added.stdout.match(/^(\S+)\tRS256\tpublished$/m)?.[1] as string;
    const both = [oldKid, newKid].sort();
    t.deepEqual(await everywhere(published, (keys) => keys.length === 2), [both, both], 'both instances publish the new key');
    t.deepEqual(await Promise.all(instances.map(signedBy)), [oldKid, oldKid], 'which does not sign yet');

    t.is((await cli('promote', '--kid', newKid)).code, 0);
    t.deepEqual(
      await everywhere(signedBy, (kid) => kid === newKid),
      [newKid, newKid],
      'the next token of each instance is signed with it',
    );

    const refused = await cli('retire', '--kid', newKid);
    t.is(refused.code, 1);
    t.regex(refused.stderr, /the signing key cannot be retired/);
    t.is((await cli('retire', '--kid', oldKid)).code, 0);
    t.deepEqual(await everywhere(published, (keys) => keys.length === 1), [[newKid], [newKid]]);
  } finally {
    second.stop();
    await first.stop();
  }
});
