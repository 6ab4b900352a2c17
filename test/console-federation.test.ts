import test from 'ava';
import { addFederation } from '../src/admin/federations.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { FederationTrustModel } from '../src/db/models/federation.ts';
import { createLogger } from '../src/log.ts';
import { refreshFederation } from '../src/saml/federation/refresh.ts';
import { federationChoices } from '../src/saml/federation/trust.ts';
import { keyPair, memberIdps, signedAggregate, startFederationServer } from './helpers/federation.ts';
import { seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { StaffMember } from './helpers/staff.ts';

// Issue 26 item 4: a university's admin searches a federation's IdPs and trusts or untrusts them.
let service: TestService;
let server: Awaited<ReturnType<typeof startFederationServer>>;
let admin: StaffMember;

test.before(async () => {
  service = await startTestService('console-federation', { saml: { federationPollSeconds: 3600 } });
  await seedUniversity(service);
  const key = await keyPair('federation');
  server = await startFederationServer();
  server.publish(signedAggregate(memberIdps(12, key.certificate), key));
  await addFederation({ id: 'gakunin', source: server.url, certificates: [key.certificate] });
  const result = await refreshFederation('gakunin', { memoryMb: 384, logger: createLogger('silent'), force: true });
  if (result.outcome !== 'accepted') throw new Error(JSON.stringify(result));
  admin = await StaffMember.create(service, 'test-univ', 'admin@test-univ.example', ['admin']);
  await admin.logIn();
});
test.after.always(async () => {
  await server?.stop();
  await service?.stop();
});

const offered = async () => (await federationChoices('test-univ')).map((c) => c.entityId);

test.serial('an admin finds a federation IdP by its Japanese name or scope and lets students use it, then stops', async (t) => {
  const all = await admin.get('/federation');
  t.regex(all.html, /<h1>学術認証フェデレーション<\/h1>/);
  t.regex(all.html, /第0大学/);
  const byName = await admin.get(`/federation?f=gakunin&q=${encodeURIComponent('第11大学')}`);
  t.regex(byName.html, /第11大学/);
  t.notRegex(byName.html, /第10大学/);
  const byScope = await admin.get(`/federation?f=gakunin&q=univ7.example.ac.jp`);
  t.regex(byScope.html, /第7大学/);

  const entityId = 'https://idp.univ7.example.ac.jp/idp/shibboleth';
  const trusted = await admin.post('/federation/trust', byScope, { federation: 'gakunin', entityId, trust: 'yes', q: 'univ7' });
  t.regex(trusted.html, /この大学の認証をログインに使えるようにしました。/);
  t.regex(trusted.html, /<td data-label="状態">利用中<\/td>/);
  t.deepEqual(await offered(), [entityId], 'the login offers it');
  t.truthy(await AuditModel.exists({ event: 'console.federation_idp_trusted', 'detail.entityId': entityId }));

  const untrusted = await admin.post('/federation/trust', trusted, { federation: 'gakunin', entityId, trust: 'no', q: 'univ7' });
  t.regex(untrusted.html, /この大学の認証の利用をやめました。/);
  t.deepEqual(await offered(), []);
  t.is(await FederationTrustModel.countDocuments({ tenantId: 'test-univ' }), 0, 'the last one untrusted removes the trust');
});

test.serial('a federation the operator did not add is refused; a helpdesk member cannot change trust', async (t) => {
  const page = await admin.get('/federation');
  const unknown = await admin.post('/federation/trust', page, {
    federation: 'elsewhere',
    entityId: 'https://x.example/',
    trust: 'yes',
  });
  t.is(unknown.status, 404);
  const desk = await StaffMember.create(service, 'test-univ', 'desk@test-univ.example', ['helpdesk']);
  await desk.logIn();
  const deskPage = await desk.get('/accounts');
  const refused = await desk.post('/federation/trust', deskPage, {
    federation: 'gakunin',
    entityId: 'https://idp.univ1.example.ac.jp/idp/shibboleth',
    trust: 'yes',
  });
  t.is(refused.status, 403);
  t.deepEqual(await offered(), []);
});
