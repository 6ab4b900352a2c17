import test from 'ava';
import { commandsOf } from '../bench/commands.ts';
import { AccountModel } from '../src/db/models/account.ts';
import { MailModel } from '../src/db/models/mail.ts';
import { Browser } from './helpers/browser.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

// Whether an address is registered must show neither in the answer nor in the time it takes. The
// time follows the work, so the work is compared: the database commands a request sends, in order,
// must be the same for a registered and an unregistered address (the benchmark prints the times).

let service: TestService;

test.before(async () => {
  // Background work slowed down, so only the request's own commands are counted.
  service = await startTestService('address-enumeration', {
    logLevel: 'silent',
    mail: { pollIntervalMs: 600_000, sendAtOnce: false },
    changePollMs: 600_000,
  });
  await seedUniversity(service);
  await AccountModel.create({ tenantId: 'test-univ', kind: 'student', email: STUDENT, emailVerified: true });
});
test.after.always(() => service?.stop());

/** The commands of one submission of the address form at `path`, and where the browser ends up. */
async function submitAddress(path: string, fields: Record<string, string>) {
  const browser = new Browser();
  const url = `${service.issuer}/t/test-univ/${path}`;
  const form = await browser.page(url);
  let page = { url: '', html: '' };
  const commands = await commandsOf(async () => {
    page = await browser.submit(url, form, fields);
  });
  return { commands, page };
}

const STUDENT = 'student.one@example.com';

const forms = {
  'the forgotten-password form': {
    registered: GRADUATE.email,
    submit: (email: string) => submitAddress('password-reset', { email }),
  },
  'the forgotten-second-password form': {
    registered: STUDENT,
    submit: (email: string) => submitAddress('second-password-reset', { email }),
  },
  'the application mail address form': {
    registered: GRADUATE.email,
    submit: (email: string) => submitAddress('apply', { email, emailConfirm: email }),
  },
};

// Serial: the commands of a process are counted, so nothing else may run meanwhile.
for (const [form, { registered, submit }] of Object.entries(forms)) {
  test.serial(`${form} does the same work, and answers the same, whether or not the address is registered`, async (t) => {
    const unknown = await submit(`nobody.${form.length}@example.com`);
    const known = await submit(registered);
    t.deepEqual(known.commands, unknown.commands);
    t.true(known.commands.length > 0);
    t.is(new URL(known.page.url).pathname, new URL(unknown.page.url).pathname);
  });
}

test.serial('a mail written for an unregistered address is kept unsent', async (t) => {
  await submitAddress('password-reset', { email: 'never.registered@example.com' });
  const mail = await MailModel.findOne({ to: 'never.registered@example.com' }).lean();
  t.is(mail?.status, 'withheld');
});
