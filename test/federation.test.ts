import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { addFederation, trustFederation } from '../src/admin/federations.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { ClaimModel } from '../src/db/models/claim.ts';
import { type Federation, FederationIdpModel, FederationModel } from '../src/db/models/federation.ts';
import { createLogger } from '../src/log.ts';
import { type RefreshOptions, refreshFederation } from '../src/saml/federation/refresh.ts';
import { federationChoices, findFederationIdp } from '../src/saml/federation/trust.ts';
import { type KeyPair, keyPair, memberIdps, signedAggregate, startFederationServer } from './helpers/federation.ts';
import { runScript } from './helpers/run.ts';
import { capturingLogger, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

let service: TestService;
let server: Awaited<ReturnType<typeof startFederationServer>>;
let federationKey: KeyPair;
let nextFederationKey: KeyPair;
let strangerKey: KeyPair;
let idpKey: KeyPair;
/** The aggregate accepted first, as the federation served it. */
let goodCopy: string;

test.before(async () => {
  // The service's own scheduler looks every second; a refresh is due an hour after the last one.
  service = await startTestService('federation', { saml: { federationPollSeconds: 1 } });
  server = await startFederationServer();
  [federationKey, nextFederationKey, strangerKey, idpKey] = await Promise.all(
    ['federation', 'federation-2027', 'stranger', 'idp'].map(keyPair),
  );
  await seedUniversity(service, 'fed-univ');
});

test.after.always(async () => {
  await server?.stop();
  await service?.stop();
});

const refreshNow = (id: string, more: Partial<RefreshOptions> = {}) =>
  refreshFederation(id, { memoryMb: 384, logger: createLogger('silent'), force: true, ...more });
const federation = async (id = 'gakunin') => (await FederationModel.findById(id).lean<Federation>()) as Federation;
const leaseHeld = async () => Boolean(await ClaimModel.exists({ _id: 'lease:federation:gakunin' }));
/** The federation and whether a refresh of it is under way (the scheduler's, say). */
const withLease = async () => ({ ...(await federation()), leaseHeld: await leaseHeld() });
const storedNames = async () =>
  (await FederationIdpModel.find({ federationId: 'gakunin' }).lean()).map((idp) => idp.displayName?.ja).sort();

test.serial(
  'an operator adds a federation; the service fetches and accepts its signed aggregate on its own, then asks only conditionally',
  async (t) => {
    goodCopy = signedAggregate(memberIdps(3, idpKey.certificate), federationKey);
    server.publish(goodCopy);
    await addFederation({ id: 'gakunin', source: server.url, certificates: [federationKey.certificate] });
    const accepted = await eventually(withLease, (f) => Boolean(f.acceptedAt) && !f.leaseHeld);
    t.is(accepted.idpCount, 3);
    t.true((accepted.validUntil as Date) > new Date());
    t.deepEqual(await storedNames(), ['第0大学', '第1大学', '第2大学']);
    const [first] = server.requests;
    t.is(first?.ifNoneMatch, '', 'the first fetch is unconditional');

    const again = await refreshNow('gakunin');
    t.is(again.outcome, 'unchanged');
    const last = server.requests.at(-1);
    t.not(last?.ifNoneMatch, '', 'the next fetch sends the ETag');
    t.not(last?.ifModifiedSince, '');
    t.is(last?.status, 304);
  },
);

test.serial(
  'a tampered, unsigned, expired, wrongly signed, schema-invalid or XXE aggregate is refused and the last good copy stays in use',
  async (t) => {
    await trustFederation({ tenantId: 'fed-univ', federationId: 'gakunin', all: true });
    const entities = memberIdps(3, idpKey.certificate);
    const invalid = '<md:EntityDescriptor entityID="https://broken.example/idp"><md:Organization/></md:EntityDescriptor>';
    const cases: Array<[string, string]> = [
      ['signature', signedAggregate(entities, federationKey).replace('第1大学', '偽大学')],
      ['unsigned', signedAggregate(entities, undefined)],
      ['expired', signedAggregate(entities, federationKey, -60_000)],
      ['signature', signedAggregate(entities, strangerKey)],
      ['schema', signedAggregate([...entities, invalid], federationKey)],
      [
        'malformed',
        `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${signedAggregate(entities, federationKey).replace(/^<\?xml[^>]*\?>\s*/, '')}`,
      ],
    ];
    const { logger, lines } = capturingLogger('info');
    for (const [reason, xml] of cases) {
      server.publish(xml);
      const result = await refreshNow('gakunin', { logger });
      t.like(result, { outcome: 'refused', reason }, `refused as ${reason}`);
      t.like(JSON.parse(lines.at(-1) ?? '{}'), { level: 40, event: 'federation.refused', reason }, 'logged as a warning');
      t.deepEqual(await storedNames(), ['第0大学', '第1大学', '第2大学'], 'the IdPs of the last good copy stay');
      t.true((await federation()).lastError.startsWith(`${reason}:`));
    }
    const offered = await federationChoices('fed-univ');
    t.is(offered.length, 3, 'students are still offered the IdPs of the last good copy');
    const audited = await AuditModel.find({ event: 'federation.refused' }).lean();
    t.deepEqual(audited.map((a) => a.detail?.reason).sort(), [
      'expired',
      'malformed',
      'schema',
      'signature',
      'signature',
      'unsigned',
    ]);

    const ready = await (await fetch(`${service.issuer}/readyz`)).json();
    t.is(ready.status, 'degraded');
    t.true(ready.reasons.includes('federation-refused'));
    t.like(ready.federations[0], { id: 'gakunin', idps: 3 });
    t.regex(ready.federations[0].lastError, /^malformed:/);

    server.publish(goodCopy);
    t.like(await refreshNow('gakunin'), { outcome: 'unchanged' }, 'the good copy again: 304 to the conditional GET');
    t.is((await federation()).lastError, '', 'and nothing is refused any more');

    server.publish(signedAggregate(memberIdps(4, idpKey.certificate), federationKey));
    t.like(await refreshNow('gakunin'), { outcome: 'accepted', idps: 4, written: 1, removed: 0 });
    t.is((await federation()).lastError, '');
    const after = await (await fetch(`${service.issuer}/readyz`)).json();
    t.false(after.reasons.includes('federation-refused'));
  },
);

test.serial(
  "the federation's key rollover: an aggregate signed with the next key is accepted once the operator adds its certificate",
  async (t) => {
    server.publish(signedAggregate(memberIdps(5, idpKey.certificate), nextFederationKey));
    t.like(await refreshNow('gakunin'), { outcome: 'refused', reason: 'signature' });
    await addFederation({
      id: 'gakunin',
      source: server.url,
      certificates: [federationKey.certificate, nextFederationKey.certificate],
    });
    // Saving the federation makes a refresh due at once: the service's scheduler takes it.
    const accepted = await eventually(withLease, (f) => f.idpCount === 5 && !f.leaseHeld);
    t.is(accepted.lastError, '');
  },
);

test.serial(
  'one refresh serves every process: two refreshes at once (as from two instances) fetch the aggregate once',
  async (t) => {
    server.publish(signedAggregate(memberIdps(6, idpKey.certificate), federationKey));
    const before = server.requests.length;
    const results = await Promise.all([refreshNow('gakunin'), refreshNow('gakunin')]);
    t.deepEqual(results.map((r) => r.outcome).sort(), ['accepted', 'busy']);
    t.is(server.requests.length, before + 1);
    const after = await federation();
    t.true(after.nextRefreshAt > new Date(Date.now() + 50 * 60_000), 'the next refresh is an hour away');
    t.false(await leaseHeld(), 'the lease is released');
  },
);

test.serial('once the aggregate in use expires without a good successor, its IdPs are no longer offered', async (t) => {
  server.publish(signedAggregate(memberIdps(2, idpKey.certificate), federationKey, 3_000));
  t.like(await refreshNow('gakunin'), { outcome: 'accepted', idps: 2 });
  t.is((await federationChoices('fed-univ')).length, 2);
  const [first] = await federationChoices('fed-univ');
  t.truthy(await findFederationIdp('fed-univ', first?.slug as string));
  // Nothing is written when it expires: the offer must not come from what was cached before.
  const after = await eventually(
    () => federationChoices('fed-univ'),
    (offered) => offered.length === 0,
  );
  t.deepEqual(after, []);
  t.is(await findFederationIdp('fed-univ', first?.slug as string), undefined);
});

test.serial(
  "an aggregate of eduGAIN's size (10,000 entities as federations publish them) is verified and stored within the default parse budget; beyond the budget it is refused",
  async (t) => {
    t.timeout(600_000);
    const file = join(mkdtempSync(join(tmpdir(), 'cert-idp-edugain-')), 'edugain.xml');
    const made = await runScript('src/dev/make-aggregate.ts', ['10000', file], {}, 300_000);
    t.is(made.code, 0, made.stderr);
    const memoryMb = service.config.saml.federationParseMemoryMb;
    await addFederation({
      id: 'edugain',
      source: file,
      certificates: [readFileSync(`${file}.cert`, 'utf8')],
      refreshMinutes: 600,
    });
    const accepted = await eventually(
      () => federation('edugain'),
      (f) => Boolean(f.acceptedAt || f.lastError),
      400_000,
    );
    t.is(accepted.lastError, '', `accepted within the default budget of ${memoryMb} MiB`);
    t.like(accepted, { entityCount: 10_000, idpCount: 4000 });
    t.is(await FederationIdpModel.countDocuments({ federationId: 'edugain' }), 4000);
    const stored = await FederationIdpModel.findOne({
      federationId: 'edugain',
      entityId: 'https://idp.org1.example.ac.jp/idp/shibboleth',
    }).lean();
    t.like(stored, { displayName: { ja: '第1大学 学認IdP', en: 'University No. 1 IdP' }, scopes: ['org1.example.ac.jp'] });

    // The same copy again, as if changed, with a budget no aggregate fits in.
    await FederationModel.updateOne({ _id: 'edugain' }, { $set: { digest: '' } });
    const refused = await refreshNow('edugain', { memoryMb: 12 });
    t.like(refused, { outcome: 'refused', reason: 'too-large' });
    t.is(await FederationIdpModel.countDocuments({ federationId: 'edugain' }), 4000, 'the last good copy stays');
  },
);
