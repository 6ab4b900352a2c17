import { verify } from 'node:crypto';
import test from 'ava';
import { STUDENTS, startSimpleSamlPhp } from '../src/dev/simplesamlphp.ts';
import type { RunningService } from '../src/service.ts';
import { Browser } from './helpers/browser.ts';
import { relyingParty, startLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { seedSamlUniversity, signInAtUniversity } from './helpers/saml-student.ts';
import { REDIRECT_URI, seedUniversity, startTestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

const [TARO] = STUDENTS as [(typeof STUDENTS)[0]];

const cliFor =
  (config: { mongodb: { uri: string | null }; keysDir: string }) =>
  (...args: string[]) =>
    runScript('src/cli/main.ts', args, { NODE_ENV: 'test', MONGODB_URI: config.mongodb.uri as string, KEYS_DIR: config.keysDir });

test.serial('an operator imports a university IdP from its metadata URL, lists it, and disables it', async (t) => {
  const service = await startTestService('saml-cli', { logLevel: 'silent' });
  const ssp = await startSimpleSamlPhp();
  try {
    const university = await seedUniversity(service, 'cli-univ');
    const cli = cliFor(service.config);
    const importCampus = (...more: string[]) => cli('idp', 'import', '--tenant', 'cli-univ', '--slug', 'campus', ...more);
    const refused = await importCampus('--metadata-url', `${service.issuer}/healthz`);
    t.is(refused.code, 1, 'metadata that is not SAML is refused');
    t.regex(refused.stderr, /not SAML IdP metadata|no entityID|signing certificate/);
    const imported = await importCampus(
      '--metadata-url',
      ssp.metadataUrl,
      '--name-ja',
      '統合認証',
      '--name-en',
      'Campus SSO',
      '--map',
      'studentId=studentNumber',
      '--map',
      'subject=uid',
    );
    t.is(imported.code, 0, imported.stderr);
    t.regex(imported.stdout, /our SP metadata for the university: .*\/t\/cli-univ\/saml\/metadata/);
    t.is((await cli('tenant', 'configure', '--id', 'cli-univ', '--login-methods', 'graduate,student')).code, 0);
    const listed = await cli('idp', 'list', '--tenant', 'cli-univ');
    t.regex(listed.stdout, /^campus\tenabled\tredirect\thttp:\/\/localhost:\d+\/saml2\/idp\/metadata\.php\t.*subject=uid/m);

    const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
    t.regex((await startLogin(rp)).page, /Campus SSO|統合認証でログイン/);
    // A second IdP of the same university (say, the hospital's): the login page offers both.
    const second = await cli(
      'idp',
      'import',
      '--tenant',
      'cli-univ',
      '--slug',
      'hospital',
      '--metadata-url',
      ssp.metadataUrl,
      '--name-ja',
      '附属病院認証',
      '--name-en',
      'Hospital SSO',
    );
    t.is(second.code, 0, second.stderr);
    // The CLI is another process: the service sees the new IdP once it notices the change stamp.
    const chooser = await eventually(
      async () => (await startLogin(rp)).page,
      (page) => page.includes('/saml/hospital"'),
    );
    t.regex(chooser, /href="\/interaction\/[^"]+\/saml\/campus"/);
    t.regex(chooser, /href="\/interaction\/[^"]+\/saml\/hospital"/);
    t.regex(chooser, /附属病院認証でログイン/);
    t.is((await cli('idp', 'disable', '--tenant', 'cli-univ', '--slug', 'campus')).code, 0);
    const after = await eventually(
      async () => (await startLogin(rp)).page,
      (page) => !page.includes('/saml/campus"'),
    );
    t.notRegex(after, /統合認証でログイン/, 'a disabled IdP is no longer offered');
    t.regex(after, /附属病院認証でログイン/);
    const unknown = await cli('tenant', 'configure', '--id', 'cli-univ', '--login-methods', 'students');
    t.is(unknown.code, 2);
    t.regex(unknown.stderr, /unknown login method "students"/);
  } finally {
    await ssp.stop();
    await service.stop();
  }
});

test.serial(
  'an operator rotates the SAML SP key while the service runs: published in the metadata first, signing after, the old one retired last',
  async (t) => {
    const first = await startTestService('saml-keys', { logLevel: 'silent' });
    const ssp = await startSimpleSamlPhp();
    const university = await seedSamlUniversity(first, ssp, 'test-univ');
    const cli = cliFor(first.config);
    const metadataUrl = `${first.issuer}/t/test-univ/saml/metadata`;
    const certificates = async () => {
      const xml = await (await fetch(metadataUrl)).text();
      const signing = xml.match(/<md:KeyDescriptor use="signing">[\s\S]*?<\/md:KeyDescriptor>/g) ?? [];
      return signing.map((section) => section.match(/<ds:X509Certificate>([^<]+)</)?.[1] as string);
    };
    /** Which published certificate verifies the signature of the AuthnRequest we send. */
    const signingCertificate = async (service: RunningService, published: string[]) => {
      const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
      const login = await startLogin(rp, { prompt: 'login' });
      const path = login.page.match(/href="(\/interaction\/[^"]+\/saml\/campus)"/)?.[1] as string;
      const location = (await login.browser.request(new URL(path, login.pageUrl).href)).headers.get('location') as string;
      const query = location.split('?')[1] as string;
      const octets = query
        .split('&')
        .filter((p) => !p.startsWith('Signature='))
        .join('&');
      const signature = Buffer.from(decodeURIComponent(query.match(/Signature=([^&]+)/)?.[1] as string), 'base64');
      return published.find((der) => {
        const pem = `-----BEGIN CERTIFICATE-----\n${der}\n-----END CERTIFICATE-----`;
        return verify('RSA-SHA256', Buffer.from(octets), pem, signature);
      });
    };
    const studentLogsIn = async (service: RunningService) => {
      const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
      const login = await startLogin(rp, {}, new Browser());
      const path = login.page.match(/href="(\/interaction\/[^"]+\/saml\/campus)"/)?.[1] as string;
      const page = await signInAtUniversity(login.browser, new URL(path, login.pageUrl).href, TARO);
      return page.url.startsWith(REDIRECT_URI) || /メールアドレス設定/.test(page.html);
    };
    /** The university refreshes our metadata, as it would from the URL. */
    const universityRefreshes = async () => ssp.registerSp('test-univ', await (await fetch(metadataUrl)).text());

    const service: RunningService = first;
    try {
      const [oldCert] = await certificates();
      t.true(await studentLogsIn(service));
      const added = await cli('saml-keys', 'add');
      t.is(added.code, 0, added.stderr);
      const newId = added.stdout.match(/^(\S+)\t\S+\tpublished$/m)?.[1] as string;
      const oldId = added.stdout.match(/^(\S+)\t\S+\tsigning$/m)?.[1] as string;
      // No restart: the running service reads the keys again once the CLI has moved the keys stamp.
      const both = await eventually(certificates, (certs) => certs.length === 2, 30_000);
      t.is(both.length, 2, 'the new key is published');
      t.is(await signingCertificate(service, both), oldCert, 'but does not sign yet');
      await universityRefreshes();
      t.true(await studentLogsIn(service));

      t.is((await cli('saml-keys', 'promote', '--id', newId)).code, 0);
      const newCert = both.find((cert) => cert !== oldCert);
      const signing = await eventually(
        async () => signingCertificate(service, await certificates()),
        (cert) => cert === newCert,
        30_000,
      );
      t.is(signing, newCert, 'the new key signs');
      t.true(await studentLogsIn(service), 'the university accepts it: it already had the new certificate');

      const refused = await cli('saml-keys', 'retire', '--id', newId);
      t.is(refused.code, 1);
      t.is((await cli('saml-keys', 'retire', '--id', oldId)).code, 0);
      t.deepEqual(await eventually(certificates, (certs) => certs.length === 1, 30_000), [newCert]);
      await universityRefreshes();
      t.true(await studentLogsIn(service));
    } finally {
      await ssp.stop();
      await service.stop();
    }
  },
);
