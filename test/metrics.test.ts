import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import type * as oidc from 'openid-client';
import { freePort } from '../src/dev/free-port.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

const rules = new URL('../ops/prometheus/alerts.yml', import.meta.url).pathname;
let service: TestService;
let rp: oidc.Configuration;
let prometheus: ChildProcess;
let prometheusUrl: string;

/** Debian's Prometheus, scraping the service's metrics listener every second, with our alerting rules. */
async function startPrometheus(target: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ["${rules}"]`,
      'scrape_configs:',
      `  - { job_name: cert-idp, static_configs: [{ targets: ["${target}"] }] }`,
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

test.before(async () => {
  const metricsPort = await freePort();
  service = await startTestService('metrics', { metrics: { port: metricsPort, host: '127.0.0.1' } });
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  await startPrometheus(`127.0.0.1:${metricsPort}`);
});
test.after.always(async () => {
  prometheus?.kill();
  await service?.stop();
});

test.serial('a real Prometheus scrapes the service through a login and a failed one and counts both', async (t) => {
  await completeLogin(rp, GRADUATE);
  await submitGraduateLogin(await startLogin(rp), { ...GRADUATE, password: 'Wrong2026metrics' });
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
  t.is(
    await eventually(
      () => query('cert_idp_mail_outbox_pending'),
      (v) => v !== undefined,
      30_000,
    ),
    0,
  );
  t.is(await query('up{job="cert-idp"}'), 1);
});

test.serial('metrics are not on the public port, and no metric carries a personal value', async (t) => {
  t.is((await fetch(`${service.issuer}/metrics`)).status, 404);
  const text = await (await fetch(service.metricsUrl as string)).text();
  t.regex(text, /cert_idp_logins_total/);
  for (const personal of [GRADUATE.email, '@', '127.0.0.1', GRADUATE.password]) t.false(text.includes(personal), personal);
});

test.serial('the alerting rules pass promtool and Prometheus loads them', async (t) => {
  const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', rules]);
  t.regex(stdout, /SUCCESS: 5 rules found/);
  const loaded = await (await fetch(`${prometheusUrl}/api/v1/rules`)).json();
  const names = (loaded as { data: { groups: Array<{ rules: Array<{ name: string }> }> } }).data.groups.flatMap((g) =>
    g.rules.map((r) => r.name),
  );
  t.true(names.includes('CertIdpMailQueueStale'));
});
