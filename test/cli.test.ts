import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import mongoose from 'mongoose';
import { connectDatabase } from '../src/db/connection.ts';
import { authenticateGraduate } from '../src/login/strategies/graduate-password/authenticate.ts';
import { SecretHasher } from '../src/security/secrets.ts';
import { runScript } from './helpers/run.ts';
import { testDatabaseUri } from './helpers/service.ts';

const uri = testDatabaseUri('cli');

/** `cli('client create', { tenant: 'x', 'redirect-uri': [a, b], public: true })` */
function cli(command: string, options: Record<string, string | string[] | true> = {}) {
  const args = command.split(' ');
  for (const [name, value] of Object.entries(options)) {
    for (const one of [value].flat()) args.push(`--${name}`, ...(one === true ? [] : [one]));
  }
  return runScript('src/cli/main.ts', args, { NODE_ENV: 'test', MONGODB_URI: uri });
}

const graduate = (email: string, extra: Record<string, string | string[]> = {}) =>
  cli('account create-graduate', { tenant: 'cli-univ', email, 'name-kanji': '弱 太郎', ...extra });

test.before(async () => {
  await connectDatabase(uri, 5000);
  const created = await cli('tenant create', { id: 'cli-univ', 'name-ja': 'CLI大学', 'name-en': 'CLI University' });
  if (created.code !== 0) throw new Error(created.stderr);
});

test.after.always(() => mongoose.disconnect());

test('an operator creates a tenant and sees it listed; a second one with the same id is refused', async (t) => {
  const list = await cli('tenant list');
  t.is(list.code, 0);
  t.regex(list.stdout, /^cli-univ\tCLI大学\tCLI University$/m);
  const again = await cli('tenant create', { id: 'cli-univ', 'name-ja': 'x', 'name-en': 'x' });
  t.is(again.code, 1);
  t.is(again.stderr, 'cert-idp: tenant "cli-univ" already exists\n');
});

test('an operator registers a confidential relying party and is shown its secret once', async (t) => {
  const result = await cli('client create', {
    tenant: 'cli-univ',
    name: 'Front end',
    id: 'cli-front',
    'redirect-uri': 'https://cert.example.ac.jp/callback',
    'post-logout-uri': 'https://cert.example.ac.jp/',
  });
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^client_id\tcli-front$/m);
  const secret = result.stdout.match(/^client_secret\t(\S+)/m)?.[1] ?? '';
  t.true(secret.length >= 43);
  const stored = await mongoose.connection.db?.collection('clients').findOne({ _id: 'cli-front' as never });
  t.truthy(stored?.secretHash);
  t.false(JSON.stringify(stored).includes(secret), 'only a digest is stored');
  const list = await cli('client list', { tenant: 'cli-univ' });
  t.regex(list.stdout, /^cli-front\tcli-univ\tconfidential\tFront end\thttps:\/\/cert\.example\.ac\.jp\/callback$/m);
});

test('an operator registers a public relying party, which gets no secret', async (t) => {
  const result = await cli('client create', {
    tenant: 'cli-univ',
    name: 'App',
    public: true,
    'redirect-uri': 'http://localhost:5173/cb',
  });
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /public client: no secret, PKCE required/);
  t.notRegex(result.stdout, /client_secret/);
});

test('unsafe or missing redirect URIs are refused with a clear message', async (t) => {
  const base = { tenant: 'cli-univ', name: 'X' };
  const http = await cli('client create', { ...base, 'redirect-uri': 'http://cert.example.ac.jp/cb' });
  t.is(http.code, 1);
  t.is(http.stderr, 'cert-idp: "http://cert.example.ac.jp/cb" must use https (http is allowed only on localhost)\n');
  const fragment = await cli('client create', { ...base, 'redirect-uri': 'https://a.example/cb#x' });
  t.regex(fragment.stderr, /must not contain a fragment/);
  const missing = await cli('client create', base);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /^cert-idp: --redirect-uri is required/);
  const reserved = await cli('client create', {
    ...base,
    id: 'account-console.cli-univ',
    'redirect-uri': 'https://a.example/cb',
  });
  t.is(reserved.stderr, 'cert-idp: client ids starting with "account-console." are reserved\n');
  const unknownTenant = await cli('client create', { ...base, tenant: 'nope', 'redirect-uri': 'https://a.example/cb' });
  t.is(unknownTenant.stderr, 'cert-idp: no tenant "nope"\n');
});

test('an operator imports a graduate with random initial passwords that then log in', async (t) => {
  const result = await cli('account create-graduate', {
    tenant: 'cli-univ',
    email: 'Jiro.Suzuki@Example.com',
    'name-kanji': '鈴木 次郎',
    'name-kana': 'スズキ ジロウ',
    'name-roman': 'SUZUKI Jiro',
    birthdate: '1995-01-31',
    'student-id': ['15A001:CLI University:Law:Law:2017-03:graduated', '17M002'],
  });
  t.is(result.code, 0, result.stderr);
  const password = result.stdout.match(/^password\t(\S+)$/m)?.[1] ?? '';
  const secondPassword = result.stdout.match(/^second password\t(\S+)/m)?.[1] ?? '';
  t.regex(password, /^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)[A-Za-z0-9]{12}$/);
  t.not(password, secondPassword);
  const hasher = new SecretHasher({ memoryCostKiB: 19456, timeCost: 2, parallelism: 1 });
  const account = await authenticateGraduate(hasher, 'cli-univ', {
    email: 'jiro.suzuki@example.com',
    password,
    secondPassword,
  });
  t.deepEqual(
    account?.studentIds.map((id) => id.number),
    ['15A001', '17M002'],
  );
  t.true(account?.passwordHash?.startsWith('$argon2id$'));
  const list = await cli('account list', { tenant: 'cli-univ' });
  t.regex(list.stdout, /\tgraduate\tjiro\.suzuki@example\.com\t鈴木 次郎\t15A001,17M002$/m);
});

test('a graduate import that breaks the rules is refused and creates nothing', async (t) => {
  const weak = await graduate('weak@example.com', { password: 'short', 'second-password': 'Second2026x' });
  t.is(weak.code, 1);
  t.regex(weak.stderr, /^cert-idp: password breaks the password rules \(length, upper, digit, common\)/);
  const same = await graduate('weak@example.com', { password: 'Same2026pass', 'second-password': 'Same2026pass' });
  t.is(same.stderr, 'cert-idp: password and second password must differ\n');
  const badName = await graduate('weak@example.com', { 'name-kanji': '弱太郎' });
  t.regex(badName.stderr, /--name-kanji must be "family given"/);
  const badId = await graduate('weak@example.com', { 'student-id': '1:U:D:S:2020-13' });
  t.regex(badId.stderr, /graduation "2020-13" must be YYYY-MM/);
  t.is(await mongoose.connection.db?.collection('accounts').countDocuments({ email: 'weak@example.com' }), 0);
});

test('an address already registered in the tenant is refused clearly', async (t) => {
  t.is((await graduate('dup@example.com')).code, 0);
  const again = await graduate('DUP@example.com');
  t.is(again.code, 1);
  t.is(again.stderr, 'cert-idp: an account with dup@example.com already exists in tenant "cli-univ"\n');
});

test('an unknown command or option prints the usage and exits non-zero', async (t) => {
  const unknown = await cli('tenant explode');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command "tenant explode"[\s\S]*Usage: npm run cli/);
  const option = await cli('tenant list', { colour: true });
  t.is(option.code, 2);
  t.regex(option.stderr, /Unknown option '--colour'/);
});

test('an operator configures a university: login URL, terms, catalogue and form items', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
  const catalogue = join(dir, 'catalogue.json');
  const terms = join(dir, 'terms-ja.txt');
  writeFileSync(
    catalogue,
    JSON.stringify([
      {
        id: 'law',
        university: { ja: 'CLI大学', en: 'CLI University' },
        department: { ja: '法学部', en: 'Law' },
        subject: { ja: '法律学科', en: 'Law' },
      },
    ]),
  );
  writeFileSync(terms, '第1条 テスト');
  const ok = await cli('tenant configure', {
    id: 'cli-univ',
    'login-url': 'https://cert.cli.example/login',
    'catalogue-file': catalogue,
    'terms-ja-file': terms,
    field: ['workName=hidden', 'studentId=required'],
    'image-retention-days': '30',
  });
  t.is(ok.code, 0, ok.stderr);
  const tenant = await mongoose.connection.db?.collection('tenants').findOne({ _id: 'cli-univ' as never });
  t.is(tenant?.loginUrl, 'https://cert.cli.example/login');
  t.is(tenant?.terms?.ja, '第1条 テスト');
  t.is(tenant?.catalogue?.[0]?._id, 'law');
  t.is(tenant?.imageRetentionDays, 30);
  t.deepEqual(tenant?.applicationFields, [
    { name: 'workName', mode: 'hidden' },
    { name: 'studentId', mode: 'required' },
  ]);

  const fixed = await cli('tenant configure', { id: 'cli-univ', field: 'nameKanji=hidden' });
  t.is(fixed.stderr, 'cert-idp: application item "nameKanji" is always required\n');
  const unknown = await cli('tenant configure', { id: 'cli-univ', field: 'shoeSize=optional' });
  t.regex(unknown.stderr, /unknown application item "shoeSize"/);
  writeFileSync(catalogue, '[{"id": "x"}]');
  const incomplete = await cli('tenant configure', { id: 'cli-univ', 'catalogue-file': catalogue });
  t.is(incomplete.stderr, 'cert-idp: catalogue "x" needs university.ja and university.en\n');
  const days = await cli('tenant configure', { id: 'cli-univ', 'initial-password-days': '0' });
  t.regex(days.stderr, /initialPasswordDays must be a whole number of days from 1 to 3650/);
  const passkeys = await cli('tenant configure', { id: 'cli-univ', passkeys: 'sometimes' });
  t.is(passkeys.stderr, 'cert-idp: passkeys must be one of off, allowed, required\n');
  t.is((await cli('tenant configure', { id: 'cli-univ', passkeys: 'required' })).code, 0);
  const policy = await mongoose.connection.db?.collection('tenants').findOne({ _id: 'cli-univ' as never });
  t.is(policy?.passkeys, 'required');
});

test('an operator creates a staff member, whose password is printed once and who enrols TOTP at first login', async (t) => {
  const created = await cli('staff create', { tenant: 'cli-univ', email: 'Reviewer@CLI.example', name: '審査 担当' });
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /TOTP is enrolled at the first login/);
  t.regex(created.stdout, /^password\t[A-Za-z0-9]{16}\t\(shown once\)$/m);
  const list = await cli('staff list', { tenant: 'cli-univ' });
  t.regex(list.stdout, /\treviewer@cli\.example\t審査 担当\treviewer\tno totp yet$/m);
  const weak = await cli('staff create', { tenant: 'cli-univ', email: 'weak@cli.example', name: 'X', password: 'Short1' });
  t.is(weak.code, 1);
  t.regex(weak.stderr, /staff password needs 12\+/);
});
