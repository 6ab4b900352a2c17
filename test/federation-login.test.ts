import test from 'ava';
import type * as oidc from 'openid-client';
import { addFederation, trustFederation } from '../src/admin/federations.ts';
import { configureTenant } from '../src/admin/tenants.ts';
import { AccountModel } from '../src/db/models/account.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { SamlLinkModel } from '../src/db/models/saml.ts';
import { type SamlTestUser, type SimpleSamlPhp, STUDENTS } from '../src/dev/simplesamlphp.ts';
import { idpEntityDescriptor } from '../src/dev/test-federation.ts';
import { createLogger } from '../src/log.ts';
import { entityKey } from '../src/saml/federation/entities.ts';
import { refreshFederation } from '../src/saml/federation/refresh.ts';
import { schemaErrors } from '../src/saml/federation/schema.ts';
import {
  AUTHORITY,
  asEntity,
  CATEGORY,
  type KeyPair,
  keyPair,
  memberIdps,
  OID,
  signedAggregate,
  startFederationServer,
  startMemberIdp,
} from './helpers/federation.ts';
import { relyingParty, startLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { assertionXml, encode, pendingRequest, postResponse, responseXml } from './helpers/saml-forger.ts';
import { signInAtUniversity } from './helpers/saml-student.ts';
import { seedUniversity, startTestService, type TestService } from './helpers/service.ts';

const ROLLOVER_IDP = 'https://idp.rollover.example.ac.jp/idp/shibboleth';

const [TARO_AT_CAMPUS] = STUDENTS as [SamlTestUser];
const TARO: SamlTestUser = {
  ...TARO_AT_CAMPUS,
  attributes: { ...TARO_AT_CAMPUS.attributes, eduPersonPrincipalName: ['a0123456@test-univ.example'] },
};
/** An account of the university's IdP whose identifier names another university's domain. */
const INTRUDER: SamlTestUser = {
  username: 'x0000001',
  password: 'campus-pass-3',
  attributes: {
    uid: ['x0000001'],
    studentNumber: ['X0000001'],
    jasn: ['侵入'],
    eduPersonPrincipalName: ['x0000001@univ1.example.ac.jp'],
  },
};

let service: TestService;
let ssp: SimpleSamlPhp;
let server: Awaited<ReturnType<typeof startFederationServer>>;
let rp: oidc.Configuration;
let federationKey: KeyPair;
let rolloverKeys: [KeyPair, KeyPair];
let campusEntity: string;

const rolloverIdp = (key: KeyPair) =>
  idpEntityDescriptor({
    entityId: ROLLOVER_IDP,
    certificate: key.certificate,
    ssoUrl: 'https://idp.rollover.example.ac.jp/idp/profile/SAML2/Redirect/SSO',
    names: { ja: 'ロールオーバー大学', en: 'Rollover University' },
    scopes: ['rollover.example.ac.jp'],
    entityAttributes: [CATEGORY],
    registrationAuthority: AUTHORITY,
  });

async function publishAndRefresh(rolloverKey: KeyPair) {
  const members = memberIdps(9, federationKey.certificate);
  server.publish(signedAggregate([campusEntity, rolloverIdp(rolloverKey), ...members], federationKey));
  const result = await refreshFederation('gakunin', { memoryMb: 384, logger: createLogger('silent'), force: true });
  if (result.outcome !== 'accepted') throw new Error(`aggregate not accepted: ${JSON.stringify(result)}`);
}

test.before(async () => {
  service = await startTestService('federation-login', { saml: { federationPollSeconds: 3600 } });
  [federationKey, ...rolloverKeys] = (await Promise.all(['federation', 'rollover-a', 'rollover-b'].map(keyPair))) as [
    KeyPair,
    KeyPair,
    KeyPair,
  ];
  ssp = await startMemberIdp([TARO, INTRUDER]);
  server = await startFederationServer();
  campusEntity = asEntity(await (await fetch(ssp.metadataUrl)).text());
  const university = await seedUniversity(service, 'fed-univ');
  await configureTenant('fed-univ', { loginMethods: { graduate: true, student: true } });
  await addFederation({ id: 'gakunin', source: server.url, certificates: [federationKey.certificate] });
  await publishAndRefresh(rolloverKeys[0]);
  await trustFederation({
    tenantId: 'fed-univ',
    federationId: 'gakunin',
    all: true,
    entityAttributes: [CATEGORY],
    registrationAuthorities: [AUTHORITY],
  });
  ssp.registerSp('fed-univ', await (await fetch(`${service.issuer}/t/fed-univ/saml/metadata`)).text());
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});

test.after.always(async () => {
  await server?.stop();
  await ssp?.stop();
  await service?.stop();
});

const slugOf = (entityId: string) => `fed-${entityKey(entityId)}`;

async function discover(login: Awaited<ReturnType<typeof startLogin>>, q: string) {
  const url = new URL(`${new URL(login.pageUrl).pathname}/saml?q=${encodeURIComponent(q)}`, login.pageUrl).href;
  const page = await login.browser.page(url);
  return { ...page, links: [...page.html.matchAll(/href="(\/interaction\/[^"]+\/saml\/(fed-[0-9a-f]+))"/g)].map((m) => m[2]) };
}

test.serial(
  'a student finds the university on the discovery page, signs in at its IdP through the federation, and the choice is remembered',
  async (t) => {
    const login = await startLogin(rp);
    t.regex(login.page, /<form method="get" action="\/interaction\/[^"]+\/saml"/, 'eleven IdPs: the login page offers a search');
    t.notRegex(login.page, /第3大学/, 'not a list of every university');

    const byName = await discover(login, 'テスト');
    t.deepEqual(byName.links, [slugOf(ssp.entityId)], 'found by its mdui:DisplayName');
    t.regex(byName.html, /<img class="idp-logo" src="https:\/\/test-univ\.example\/logo\.png"/, 'with its logo');
    t.deepEqual((await discover(login, 'test-univ.example')).links, [slugOf(ssp.entityId)], 'found by its scope');
    t.regex((await discover(login, 'no such university')).html, /一致する大学はありません/);
    t.is((await discover(login, '')).links.length, 11, 'every IdP the trust admits');

    const page = await signInAtUniversity(
      login.browser,
      new URL(`/interaction/${login.pageUrl.split('/interaction/')[1]}/saml/${slugOf(ssp.entityId)}`, login.pageUrl).href,
      TARO,
    );
    t.regex(page.html, /<h1>メールアドレス設定<\/h1>/, 'signed in: the first-login mail registration follows');
    const link = await SamlLinkModel.findById(`fed-univ|${slugOf(ssp.entityId)}|a0123456@test-univ.example`).lean();
    t.truthy(link, 'linked by the eduPersonPrincipalName (the IdP releases no pairwise-id)');
    const account = await AccountModel.findById(link?.accountId).lean();
    t.is(account?.name?.kanji?.family, '山田', 'names read from their urn:oid attributes');
    t.is(account?.name?.roman?.given, 'Taro');
    t.is(account?.studentIds[0]?.number, 'A0123456');

    const next = await startLogin(rp, {}, login.browser);
    t.regex(
      next.page,
      new RegExp(`前回利用</span>\\s*<a class="button primary" href="/interaction/[^"]+/saml/${slugOf(ssp.entityId)}"`),
    );
  },
);

test.serial("an identifier from outside the IdP's scopes is refused", async (t) => {
  const login = await startLogin(rp);
  const start = new URL(`/interaction/${login.pageUrl.split('/interaction/')[1]}/saml/${slugOf(ssp.entityId)}`, login.pageUrl)
    .href;
  const page = await signInAtUniversity(login.browser, start, INTRUDER);
  t.is(page.status, 400);
  t.regex(page.html, /別の組織のドメインのID/);
  t.is(await AccountModel.countDocuments({ 'studentIds.number': 'X0000001' }), 0);
  const logged = await AuditModel.findOne({ event: 'login.failed', 'detail.reason': 'scope' }).lean();
  t.regex(String(logged?.detail?.detail), /x0000001@univ1\.example\.ac\.jp is outside the scopes/);
});

test.serial('an identifier mapped by its urn:oid name is scope-checked as well', async (t) => {
  const trust = {
    tenantId: 'fed-univ',
    federationId: 'gakunin',
    all: true,
    entityAttributes: [CATEGORY],
    registrationAuthorities: [AUTHORITY],
  };
  await trustFederation({ ...trust, mapping: { subject: OID.eppn } });
  try {
    const login = await startLogin(rp);
    const start = new URL(`/interaction/${login.pageUrl.split('/interaction/')[1]}/saml/${slugOf(ssp.entityId)}`, login.pageUrl)
      .href;
    const page = await signInAtUniversity(login.browser, start, INTRUDER);
    t.is(page.status, 400);
    t.regex(page.html, /別の組織のドメインのID/);
    t.is(await AccountModel.countDocuments({ 'studentIds.number': 'X0000001' }), 0);
  } finally {
    await trustFederation(trust);
  }
});

/** A login waiting at the rollover IdP, answered with a response signed by `key`. */
async function answerAtRollover(key: KeyPair, user: string) {
  const login = await startLogin(rp);
  const start = new URL(`/interaction/${login.pageUrl.split('/interaction/')[1]}/saml/${slugOf(ROLLOVER_IDP)}`, login.pageUrl)
    .href;
  const request = await pendingRequest(login.browser, start);
  const acs = `${service.issuer}/t/fed-univ/saml/acs`;
  const fields = {
    issuer: ROLLOVER_IDP,
    acs,
    audience: `${service.issuer}/t/fed-univ/saml/metadata`,
    inResponseTo: request.id,
    nameIdXml: user,
    attributes: { [OID.eppn]: `${user}@rollover.example.ac.jp`, studentNumber: user.toUpperCase(), [OID.jasn]: '転' },
    signer: key,
  };
  return postResponse(login.browser, acs, encode(responseXml(fields, assertionXml(fields))), request.relayState);
}

test.serial(
  "a rollover of an IdP's key inside the aggregate is picked up at the next refresh, without operator action",
  async (t) => {
    const early = await answerAtRollover(rolloverKeys[1], 'r0000001');
    t.is(early.status, 400, 'signed with the new key before the federation publishes it: refused');
    await publishAndRefresh(rolloverKeys[1]);
    const after = await answerAtRollover(rolloverKeys[1], 'r0000002');
    t.regex(after.html, /<h1>メールアドレス設定<\/h1>/, 'the new key is trusted');
    const old = await answerAtRollover(rolloverKeys[0], 'r0000003');
    t.is(old.status, 400, 'and the retired one no longer');
  },
);

test.serial(
  'an operator prints our SP metadata for the federation registration, schema-valid, with requested attributes and ja/en names',
  async (t) => {
    const env = {
      NODE_ENV: 'test',
      MONGODB_URI: service.config.mongodb.uri as string,
      KEYS_DIR: service.config.keysDir,
      SAML_SP_TECHNICAL_CONTACT: 'idp-ops@cert.example.jp',
    };
    const printed = await runScript('src/cli/main.ts', ['saml', 'sp-metadata', '--tenant', 'fed-univ'], env);
    t.is(printed.code, 0, printed.stderr);
    const xml = printed.stdout;
    t.deepEqual(await schemaErrors(xml), []);
    t.regex(
      xml,
      /<md:RequestedAttribute Name="urn:oid:1\.3\.6\.1\.4\.1\.32264\.1\.1\.1" FriendlyName="jasn" NameFormat="[^"]+" isRequired="true"\/>/,
    );
    t.regex(xml, /<mdui:DisplayName xml:lang="ja">テスト大学 証明書発行サービス<\/mdui:DisplayName>/);
    t.regex(xml, /<mdui:DisplayName xml:lang="en">[^<]+ certificate issuance service<\/mdui:DisplayName>/);
    t.regex(xml, /<saml:AttributeValue>https:\/\/refeds\.org\/category\/personalized<\/saml:AttributeValue>/);
    t.regex(xml, /<md:ContactPerson contactType="technical"><md:EmailAddress>mailto:idp-ops@cert\.example\.jp</);
    t.regex(xml, /<md:OrganizationName xml:lang="ja">テスト大学<\/md:OrganizationName>/);

    const listed = await runScript('src/cli/main.ts', ['federation', 'list'], env);
    t.regex(
      listed.stdout,
      /^gakunin\thttp:\/\/127\.0\.0\.1:\d+\/gakunin-metadata\.xml\tvalid until 20\d\d-[^\t]+\t11 IdPs\tok$/m,
    );
  },
);
