import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import type * as oidc from 'openid-client';
import { generate } from 'selfsigned';
import { importIdp } from '../src/admin/saml-idps.ts';
import { FederationModel } from '../src/db/models/federation.ts';
import { freePort } from '../src/dev/free-port.ts';
import { Applicant } from './helpers/applicant.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import {
  GRADUATE,
  type SecondInstance,
  seedUniversity,
  startSecondInstance,
  startTestService,
  type TestService,
} from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

const rules = new URL('../ops/prometheus/alerts.yml', import.meta.url).pathname;
let service: TestService;
let rp: oidc.Configuration;
let prometheus: ChildProcess;
let prometheusUrl: string;
let second: SecondInstance;

/** Debian's Prometheus, scraping the service's metrics listener every second, with our alerting rules. */
async function startPrometheus(targets: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ["${rules}"]`,
      'scrape_configs:',
      `  - { job_name: cert-idp, static_configs: [{ targets: [${targets.map((x) => `"${x}"`).join(', ')}] }] }`,
    ].join('\n'),
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const ready = await eventually(
    () =>
      fetch(`${prometheusUrl}/-/ready`).then(
        (r) => r.status,
        () => 0,
      ),
    (status) => status === 200,
    60_000,
  );
  if (ready !== 200) throw new Error('Prometheus did not start');
}

/** One PromQL value, or undefined while there is none. */
async function query(promql: string): Promise<number | undefined> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  const value = body.data?.result?.[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}

/** True once Prometheus reports the alert (firing or pending); false if it does not within 30 s. */
async function alertFires(name: string): Promise<boolean> {
  const alerts = await eventually(
    async () =>
      (
        (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
          data: { alerts: Array<{ labels: { alertname: string } }> };
        }
      ).data.alerts,
    (list) => list.some((a) => a.labels.alertname === name),
    30_000,
  );
  return alerts.some((a) => a.labels.alertname === name);
}

/** SMTP is down for both instances from the start: the outbox fills and waits. */
const SMTP_DOWN = 'smtp://127.0.0.1:9';

test.before(async () => {
  const [metricsPort, secondMetricsPort] = [await freePort(), await freePort()];
  service = await startTestService('metrics', {
    metrics: { port: metricsPort, host: '127.0.0.1' },
    mail: { smtpUrl: SMTP_DOWN },
  });
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  // A second instance: another process on the same database, with its own metrics listener.
  second = await startSecondInstance(service, { SMTP_URL: SMTP_DOWN, METRICS_PORT: String(secondMetricsPort) });
  await startPrometheus([`127.0.0.1:${metricsPort}`, `127.0.0.1:${secondMetricsPort}`]);
});
test.after.always(async () => {
  prometheus?.kill();
  second?.stop();
  await service?.stop();
});

test.serial(
  'a real Prometheus scrapes two instances through a login, a failed login, a SAML refusal and a mail outage',
  async (t) => {
    t.is(
      await eventually(
        () => query('count(up{job="cert-idp"} == 1)'),
        (v) => v === 2,
        30_000,
      ),
      2,
      'both instances are scraped',
    );
    await completeLogin(rp, GRADUATE);
    // The failed login is sent to the second instance, as a load balancer might.
    const login = await startLogin(rp);
    const onSecond = new URL(login.pageUrl);
    onSecond.port = String(second.port);
    await submitGraduateLogin({ ...login, pageUrl: onSecond.href }, { ...GRADUATE, password: 'Wrong2026metrics' });
    const refused = await fetch(`${second.url}/t/test-univ/saml/acs`, {
      method: 'POST',
      body: new URLSearchParams({ SAMLResponse: 'not a SAML response' }),
      redirect: 'manual',
    });
    t.is(refused.status, 303);
    await new Applicant(service).requestMail('metrics.outage@example.com');

    const counted = (result: string) =>
      `sum(cert_idp_logins_total{strategy="graduate-password",tenant="test-univ",result="${result}"})`;
    t.is(
      await eventually(
        () => query(counted('succeeded')),
        (v) => v === 1,
        30_000,
      ),
      1,
    );
    t.is(
      await eventually(
        () => query(counted('failed')),
        (v) => v === 1,
        30_000,
      ),
      1,
    );
    const onWhich = await query('count(cert_idp_logins_total{result="failed"} > 0)');
    t.is(onWhich, 1, 'the failure was counted by the instance that saw it');
    t.is(
      await eventually(
        () => query('sum(cert_idp_saml_refusals_total{reason="malformed"})'),
        (v) => v === 1,
        30_000,
      ),
      1,
    );
    const waiting = await eventually(
      () => query('max(cert_idp_mail_outbox_pending)'),
      (v) => (v ?? 0) >= 1,
      30_000,
    );
    t.true((waiting ?? 0) >= 1, 'the mail written during the outage waits in the outbox');
    const argon2 = await eventually(
      () => query('sum(cert_idp_argon2_seconds_count{operation="verify"})'),
      (v) => (v ?? 0) >= 4,
      30_000,
    );
    t.true((argon2 ?? 0) >= 4, 'each login verified two secrets');
    const latency = await eventually(
      () => query('sum(cert_idp_http_request_duration_seconds_count{route="interaction"})'),
      (v) => (v ?? 0) > 0,
      30_000,
    );
    t.true((latency ?? 0) > 0);
    const keyAge = await eventually(
      () => query('max(cert_idp_key_age_seconds{kind="signing"})'),
      (v) => v !== undefined,
      30_000,
    );
    t.true((keyAge ?? -1) >= 0 && (keyAge ?? 0) < 3600, 'the signing key was made just now');
  },
);

test.serial('a university IdP whose certificate will run out is visible before it does', async (t) => {
  const pems = await generate([{ name: 'commonName', value: 'idp.metrics.example' }], {
    keySize: 2048,
    notAfterDate: new Date(Date.now() + 20 * 86_400_000),
  });
  const base64 = pems.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
  const metadataXml = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.metrics.example/idp">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.metrics.example/sso"/>
  </IDPSSODescriptor>
</EntityDescriptor>`;
  await importIdp({ tenantId: 'test-univ', slug: 'campus', nameJa: '統合認証', nameEn: 'SSO', metadataXml });
  const left = await eventually(
    () => query('cert_idp_saml_idp_certificate_expiry_seconds{tenant="test-univ",idp="campus"}'),
    (v) => v !== undefined,
    30_000,
  );
  t.true((left ?? 0) > 19 * 86_400 && (left ?? 0) <= 20 * 86_400, 'twenty days left');
  t.true(await alertFires('CertIdpSamlIdpCertificateExpiring'), 'and the alert fires');
});

test.serial(
  'a federation aggregate about to expire, whose refresh is refused, is visible and alerts before it runs out',
  async (t) => {
    await FederationModel.create({
      _id: 'gakunin',
      source: 'https://metadata.example/gakunin.xml',
      certificates: ['unused'],
      acceptedAt: new Date(),
      validUntil: new Date(Date.now() + 86_400_000),
      lastError: 'signature: no federation certificate verifies the signature',
    });
    const left = await eventually(
      () => query('cert_idp_saml_federation_valid_seconds{federation="gakunin"}'),
      (v) => v !== undefined,
      30_000,
    );
    t.true((left ?? 0) > 23 * 3600 && (left ?? 0) <= 24 * 3600, 'one day left');
    t.is(await query('cert_idp_saml_federation_refused{federation="gakunin"}'), 1);
    t.true(await alertFires('CertIdpFederationMetadataExpiring'), 'and the alert fires');
  },
);

test.serial('metrics are not on the public port, and no metric carries a personal value', async (t) => {
  t.is((await fetch(`${service.issuer}/metrics`)).status, 404);
  const text = await (await fetch(service.metricsUrl as string)).text();
  t.regex(text, /cert_idp_logins_total/);
  for (const personal of [GRADUATE.email, '@', '127.0.0.1', GRADUATE.password]) t.false(text.includes(personal), personal);
});

test.serial('the alerting rules pass promtool and Prometheus loads them', async (t) => {
  const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', rules]);
  t.regex(stdout, /SUCCESS: 10 rules found/);
  const loaded = await (await fetch(`${prometheusUrl}/api/v1/rules`)).json();
  const names = (loaded as { data: { groups: Array<{ rules: Array<{ name: string }> }> } }).data.groups.flatMap((g) =>
    g.rules.map((r) => r.name),
  );
  t.true(names.includes('CertIdpMailQueueStale'));
  t.true(names.includes('CertIdpEmbeddedDatabaseRestarting'));
});
