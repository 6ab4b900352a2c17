import { createServer, type Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import mongoose from 'mongoose';
import { commandsOf } from '../bench/commands.ts';
import { createTenant } from '../src/admin/tenants.ts';
import { connectDatabase } from '../src/db/connection.ts';
import { MailModel } from '../src/db/models/mail.ts';
import { createLogger } from '../src/log.ts';
import { enqueueMail, sendNotice } from '../src/mail/outbox.ts';
import { MailWorker } from '../src/mail/worker.ts';
import { runScript } from './helpers/run.ts';
import { testDatabaseUri } from './helpers/service.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';
import { eventually } from './helpers/wait.ts';

const uri = testDatabaseUri('mail');
const settings = { from: 'no-reply@test.example', pollIntervalMs: 50, retryBaseMs: 100, maxAttempts: 100, leaseMs: 30_000 };
const quiet = createLogger('silent');

test.before(async () => {
  await connectDatabase(uri, 5000, true);
  await createTenant({
    id: 'mail-univ',
    nameJa: 'メール大学',
    nameEn: 'Mail University',
    inquiryJa: '教務課 03-1111-2222',
    inquiryEn: 'Academic Affairs 03-1111-2222',
  });
});
test.after.always(() => mongoose.disconnect());

const until = (check: () => Promise<boolean>) => eventually(check, Boolean, 10_000);

/** A mail the SMTP server accepted leaves the outbox (with the one-time links it may hold). */
const leftOutbox = async (id: string) => (await MailModel.countDocuments({ _id: id })) === 0;

/** The mail arrives at the sink once, and is then no longer kept in the outbox. */
async function deliveredOnceAndGone(t: ExecutionContext, sink: SmtpSink, id: string): Promise<void> {
  t.truthy(await sink.waitFor((m) => m.messageId === `<${id}@cert-idp>`, 10_000));
  await until(() => leftOutbox(id));
  t.true(await leftOutbox(id), 'a sent mail is not kept');
  t.is(sink.messages.filter((m) => m.messageId === `<${id}@cert-idp>`).length, 1, 'sent once');
}

test.serial(
  'an operator sends a test mail, which arrives in the chosen language with the send-only note and inquiry contact',
  async (t) => {
    const sink = await startSmtpSink();
    try {
      const en = await runScript(
        'src/cli/main.ts',
        ['mail', 'test', '--tenant', 'mail-univ', '--to', 'ops@example.com', '--lang', 'en'],
        {
          NODE_ENV: 'test',
          MONGODB_URI: uri,
          SMTP_URL: sink.url,
        },
      );
      t.is(en.code, 0, en.stderr);
      const english = await sink.waitFor((m) => m.subject === '[Mail University] Test mail');
      t.regex(english.text ?? '', /sent from a send-only address/);
      t.regex(english.text ?? '', /Inquiries: Academic Affairs 03-1111-2222/);

      const ja = await runScript('src/cli/main.ts', ['mail', 'test', '--tenant', 'mail-univ', '--to', 'ops@example.com'], {
        NODE_ENV: 'test',
        MONGODB_URI: uri,
        SMTP_URL: sink.url,
      });
      t.is(ja.code, 0, ja.stderr);
      const japanese = await sink.waitFor((m) => m.subject === '【メール大学】テストメール');
      t.regex(japanese.text ?? '', /送信専用アドレス/);
      t.regex(japanese.text ?? '', /お問い合わせ先：教務課 03-1111-2222/);
    } finally {
      await sink.stop();
    }
  },
);

test.serial('mail written while the SMTP server is down is kept and delivered exactly once when it returns', async (t) => {
  const probe = await startSmtpSink();
  const port = probe.port;
  await probe.stop();

  const id = await enqueueMail({ tenantId: 'mail-univ', to: 'hanako@example.com', lang: 'ja', template: 'test' });
  const worker = new MailWorker({ ...settings, smtpUrl: `smtp://127.0.0.1:${port}` }, quiet);
  worker.start();
  try {
    await until(async () => Boolean((await MailModel.findById(id).lean())?.lastError));
    const failed = await MailModel.findById(id).lean();
    t.is(failed?.status, 'pending', 'a failed attempt keeps the mail queued');
    t.true((failed?.attempts ?? 0) >= 1);

    const sink = await startSmtpSink(port);
    try {
      const delivered = await sink.waitFor((m) => m.to !== undefined);
      t.is(delivered.messageId, `<${id}@cert-idp>`);
      await until(() => leftOutbox(id));
      await worker.drain();
      t.is(sink.messages.length, 1, 'sent once, not once per attempt');
      t.true(await leftOutbox(id), 'a sent mail is not kept');
    } finally {
      await sink.stop();
    }
  } finally {
    await worker.stop();
  }
});

test.serial('two workers draining the same outbox never send a mail twice', async (t) => {
  const sink = await startSmtpSink();
  try {
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        enqueueMail({ tenantId: 'mail-univ', to: `p${i}@example.com`, lang: 'en', template: 'test' }),
      ),
    );
    const workers = [1, 2].map(() => new MailWorker({ ...settings, smtpUrl: sink.url }, quiet));
    await Promise.all(workers.map((w) => w.drain()));
    await Promise.all(workers.map((w) => w.stop()));
    const received = sink.messages.map((m) => m.messageId).sort();
    t.deepEqual(received, ids.map((id) => `<${id}@cert-idp>`).sort());
  } finally {
    await sink.stop();
  }
});

/**
 * A worker of this process that sends what this process writes at once and its notices now (as a
 * service process's does), with an empty outbox and its next poll ten minutes away; and its SMTP sink.
 */
async function workerHere(smtpUrl?: string, noticeWaitMs?: number) {
  const sink = await startSmtpSink();
  const worker = new MailWorker(
    { ...settings, smtpUrl: smtpUrl ?? sink.url, pollIntervalMs: 600_000, sendAtOnce: true, noticeWaitMs },
    quiet,
  );
  worker.start();
  await worker.drain();
  return { sink, worker, stop: () => Promise.all([worker.stop(), sink.stop()]) };
}

test.serial('a mail written where a worker runs is sent at once, without waiting for the next look at the outbox', async (t) => {
  const { sink, stop } = await workerHere();
  try {
    const id = await enqueueMail({ tenantId: 'mail-univ', to: 'at-once@example.com', lang: 'en', template: 'test' });
    await deliveredOnceAndGone(t, sink, id);
  } finally {
    await stop();
  }
});

test.serial('mails sent at once during a rush leave the outbox together, in fewer delete commands than mails', async (t) => {
  const { sink, stop } = await workerHere();
  try {
    const to = (i: number) => `rush-${i}@example.com`;
    let ids: string[] = [];
    const commands = await commandsOf(async () => {
      ids = await Promise.all(
        Array.from({ length: 8 }, (_, i) => enqueueMail({ tenantId: 'mail-univ', to: to(i), lang: 'ja', template: 'test' })),
      );
      for (const id of ids) await deliveredOnceAndGone(t, sink, id);
    });
    const deletes = commands.filter((command) => command === 'delete mail_outbox').length;
    t.true(deletes >= 1 && deletes < ids.length, `${deletes} delete commands for ${ids.length} mails`);
  } finally {
    await stop();
  }
});

test.serial('a mail sent just before its worker stops still leaves the outbox', async (t) => {
  const { sink, worker } = await workerHere();
  const id = await enqueueMail({ tenantId: 'mail-univ', to: 'last-one@example.com', lang: 'en', template: 'test' });
  await sink.waitFor((m) => m.messageId === `<${id}@cert-idp>`, 10_000);
  await worker.stop();
  t.true(await leftOutbox(id), 'deleted by the time stop() returns');
  await sink.stop();
});

const notice = (to: string) => sendNotice({ tenantId: 'mail-univ', to, lang: 'ja', template: 'test' });

test.serial('a notice is in the SMTP server’s hands before the request answers, and never in the outbox', async (t) => {
  const { sink, stop } = await workerHere();
  try {
    let id = '';
    const commands = await commandsOf(async () => {
      id = await notice('noticed@example.com');
    });
    t.is(sink.messages.filter((m) => m.messageId === `<${id}@cert-idp>`).length, 1, 'accepted before sendNotice returned');
    t.false(commands.includes('insert mail_outbox'), commands.join(', '));
    t.true(await leftOutbox(id), 'not in the outbox');
  } finally {
    await stop();
  }
});

test.serial('a notice the SMTP server refuses is kept in the outbox and delivered once it is back', async (t) => {
  const probe = await startSmtpSink();
  const port = probe.port;
  await probe.stop();
  const { worker, stop } = await workerHere(`smtp://127.0.0.1:${port}`);
  try {
    const id = await notice('refused@example.com');
    const kept = await MailModel.findById(id).lean();
    t.is(kept?.status, 'pending');
    t.truthy(kept?.lastError, 'why it was not sent is kept');
    const next = await notice('refused-too@example.com');
    t.is((await MailModel.findById(next).lean())?.attempts, 0, 'the next notice does not wait for a server that just failed');
    const sink = await startSmtpSink(port);
    try {
      await MailModel.updateMany({ _id: { $in: [id, next] } }, { $set: { nextAttemptAt: new Date() } });
      await worker.drain();
      await deliveredOnceAndGone(t, sink, id);
      await deliveredOnceAndGone(t, sink, next);
    } finally {
      await sink.stop();
    }
  } finally {
    await stop();
  }
});

test.serial(
  'a notice the SMTP server does not take in time is kept in the outbox, leased, and the request goes on',
  async (t) => {
    const silent: Socket[] = [];
    const blackHole = createServer((socket) => silent.push(socket)); // accepts, never greets
    await new Promise<void>((listening) => blackHole.listen(0, '127.0.0.1', listening));
    const port = (blackHole.address() as { port: number }).port;
    const { stop } = await workerHere(`smtp://127.0.0.1:${port}`, 300);
    try {
      const id = await notice('slow@example.com');
      const kept = await MailModel.findById(id).lean();
      t.is(kept?.status, 'pending');
      t.is(kept?.attempts, 1);
      t.true(
        (kept?.nextAttemptAt?.getTime() ?? 0) > Date.now() + settings.leaseMs / 2,
        'no worker sends it while it may still arrive',
      );
    } finally {
      for (const socket of silent) socket.destroy();
      blackHole.close();
      await stop();
    }
  },
);

test.serial('a notice written where no worker runs (an operator command) waits in the outbox for one', async (t) => {
  const id = await notice('no-worker@example.com');
  const kept = await MailModel.findById(id).lean();
  t.is(kept?.status, 'pending');
  t.is(kept?.attempts, 0);
  const { sink, worker, stop } = await workerHere();
  try {
    await worker.drain();
    await deliveredOnceAndGone(t, sink, id);
  } finally {
    await stop();
  }
});

test.serial(
  'a mail leased to a process that ended before sending it is sent by another worker once the lease runs out',
  async (t) => {
    const sink = await startSmtpSink();
    // As a process with a worker writes it (src/mail/outbox.ts), leased to itself; then the process ends.
    const id = await enqueueMail({ tenantId: 'mail-univ', to: 'orphan@example.com', lang: 'en', template: 'test' });
    await MailModel.updateOne({ _id: id }, { $set: { attempts: 1, nextAttemptAt: new Date(Date.now() + 300) } });
    const other = new MailWorker({ ...settings, smtpUrl: sink.url }, quiet);
    other.start();
    try {
      await deliveredOnceAndGone(t, sink, id);
    } finally {
      await other.stop();
      await sink.stop();
    }
  },
);
