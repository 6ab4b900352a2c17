import test from 'ava';
import { isDuplicateKey } from '../src/db/duplicate-key.ts';
import { addressInUse, changeAddress, createAccount, findByAddress } from '../src/db/identities.ts';
import { AccountModel } from '../src/db/models/account.ts';
import { startTestService, type TestService } from './helpers/service.ts';

let service: TestService;

test.before(async () => {
  service = await startTestService('account-address', { logLevel: 'silent', demo: { seed: false } });
});

test.after.always(async () => {
  await service?.stop();
});

const graduate = (email: string) => ({ tenantId: 'addr-univ', kind: 'graduate', email });

test.serial('two accounts cannot take one mail address of a university, even at the same moment', async (t) => {
  const results = await Promise.allSettled([
    createAccount(graduate('same@example.com')),
    createAccount(graduate('same@example.com')),
  ]);
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.true(isDuplicateKey(failure.reason), 'refused the way a unique index refuses');
  t.is(await AccountModel.countDocuments({ tenantId: 'addr-univ', email: 'same@example.com' }), 1);
  const found = await findByAddress('addr-univ', 'same@example.com');
  t.is(
    found?._id.toString(),
    (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ _id: unknown }>).value._id?.toString(),
  );
  t.false(await addressInUse('other-univ', 'same@example.com'), 'the same address at another university is free');
});

test.serial('a person who changes the mail address is found by the new one only, and the old one becomes free', async (t) => {
  const account = await createAccount(graduate('old@example.com'));
  t.true(await changeAddress({ _id: account._id, tenantId: 'addr-univ' }, 'new@example.com', { emailVerified: true }));
  t.is((await findByAddress('addr-univ', 'new@example.com'))?._id.toString(), account._id.toString());
  t.is(await findByAddress('addr-univ', 'old@example.com'), null);
  const next = await createAccount(graduate('old@example.com'));
  t.is((await findByAddress('addr-univ', 'old@example.com'))?._id.toString(), next._id.toString());
});

test.serial('moving to an address another account holds is refused and changes nothing', async (t) => {
  const holder = await createAccount(graduate('held@example.com'));
  const mover = await createAccount(graduate('mover@example.com'));
  const error = await t.throwsAsync(changeAddress({ _id: mover._id, tenantId: 'addr-univ' }, 'held@example.com'));
  t.true(isDuplicateKey(error), String(error?.message));
  t.is((await findByAddress('addr-univ', 'held@example.com'))?._id.toString(), holder._id.toString());
  t.is((await findByAddress('addr-univ', 'mover@example.com'))?._id.toString(), mover._id.toString());
});
