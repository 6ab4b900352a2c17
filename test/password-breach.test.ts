import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { Browser } from './helpers/browser.ts';
import { addGraduate, capturingLogger, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

// Requirement X3.5, the optional on-line check: a k-anonymity range API (PASSWORD_BREACH_URL).
const BREACHED = 'Tsukuba2019gold'; // not on the offline list; this range server says it leaked
const asked: string[] = [];
let answering = true;
let range: Server;
let service: TestService;
const { logger: serviceLogger, lines: logLines } = capturingLogger('warn');

/** A Pwned-Passwords-compatible range server: GET /range/ABCDE answers SUFFIX:COUNT lines, padded. */
function startRange(): Promise<Server> {
  const hash = createHash('sha1').update(BREACHED).digest('hex').toUpperCase();
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    if (!answering) return res.writeHead(503).end();
    const prefix = (req.url ?? '').split('/').pop();
    const lines = ['0018A45C4D1DEF81644B54AB7F969B88D65:0', '00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2'];
    if (prefix === hash.slice(0, 5)) lines.push(`${hash.slice(5)}:1402`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

test.before(async () => {
  range = await startRange();
  const url = `http://127.0.0.1:${(range.address() as AddressInfo).port}`;
  service = await startTestService('password-breach', { passwordBreachUrl: url }, serviceLogger);
  await seedUniversity(service);
});
test.after.always(async () => {
  await service?.stop();
  range?.close();
});

async function resetForm(email: string) {
  const browser = new Browser();
  const start = `${service.issuer}/t/test-univ/password-reset`;
  await browser.submit(start, await browser.page(start), { email });
  const mail = await service.smtp.waitFor((m) => recipients(m) === email);
  const url = (mail.text ?? '').match(/(http\S+\/password-reset\/\S+)/)?.[1] as string;
  return { browser, url, page: await browser.page(url) };
}

const passwords = (password: string) => ({
  password,
  passwordConfirm: password,
  secondPassword: 'Kairo2031blue',
  secondPasswordConfirm: 'Kairo2031blue',
});

test.serial('a password the range service knows as leaked is refused, and only five hex digits of its hash leave', async (t) => {
  const graduate = await addGraduate(service, 'breach.check@example.com');
  const { browser, url, page } = await resetForm(graduate.email);
  const refused = await browser.submit(url, page, passwords(BREACHED));
  t.is(refused.status, 400);
  t.regex(refused.html, /id="password-error"[\s\S]*?よく使われている、または流出したことが知られているパスワードです/);
  t.true(asked.length > 0 && asked.every((path) => /^\/range\/[0-9A-F]{5}$/.test(path)), asked.join(' '));
  const done = await browser.submit(url, page, passwords('Hoshizora2031'));
  t.regex(done.html, /パスワードまたは第2パスワードを設定しました/);
});

test.serial(
  'when the range service cannot answer, the password is judged by the offline list alone and a warning is logged',
  async (t) => {
    answering = false;
    const graduate = await addGraduate(service, 'breach.down@example.com');
    const { browser, url, page } = await resetForm(graduate.email);
    const accepted = await browser.submit(url, page, passwords(BREACHED));
    t.regex(accepted.html, /パスワードまたは第2パスワードを設定しました/, 'failing open');
    t.true(logLines.some((line) => /"level":40.*breached-password range could not be asked/.test(line)));
    answering = true;
  },
);
