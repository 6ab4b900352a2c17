import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { embeddedRestarts } from '../../metrics.ts';
import type { FerretDb } from './ferretdb.ts';
import type { PrivateCluster } from './postgres.ts';
import type { ProcessLog } from './process-log.ts';

export interface SupervisorOptions {
  /** How often FerretDB is pinged and both processes looked at. */
  watchMs: number;
  /** How long FerretDB may leave pings unanswered, while PostgreSQL answers, before it is restarted. */
  hangMs: number;
  /** Where goroutine dumps of a hung FerretDB are saved. */
  dumpsDir: string;
  ferretdbLog: ProcessLog;
  /** Told of each restart, for the service's log. */
  onRestart(event: { process: 'ferretdb' | 'postgres'; reason: 'exited' | 'hung'; dump?: string }): void;
  /** Told when starting a part again failed (it is tried again at the next look). */
  onFailure(error: Error): void;
}

/** What the supervisor watches and how it starts each part again; the embedded database provides it. */
export interface Supervised {
  uri: string;
  current(): { cluster: PrivateCluster; ferretdb: FerretDb };
  restartFerretDB(): Promise<void>;
  restartAll(): Promise<void>;
}

/**
 * Saves what a hung FerretDB says when it gets SIGQUIT: Go's runtime prints every goroutine's stack
 * and exits. A stopped process (SIGSTOP) gets SIGCONT too, else the signal would wait; one that does
 * not exit within ten seconds is killed.
 */
async function dumpAndEnd(ferretdb: FerretDb, options: SupervisorOptions): Promise<string> {
  let dump = '';
  const stop = options.ferretdbLog.listen((text) => {
    dump += text;
  });
  ferretdb.child.kill('SIGQUIT');
  ferretdb.child.kill('SIGCONT');
  const ended = await Promise.race([ferretdb.exited.then(() => true), wait(10_000, false, { ref: false })]);
  if (!ended) {
    ferretdb.child.kill('SIGKILL');
    await ferretdb.exited;
  }
  stop();
  mkdirSync(options.dumpsDir, { recursive: true });
  const file = join(options.dumpsDir, `ferretdb-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`);
  writeFileSync(file, dump || '(FerretDB printed nothing before it ended)\n');
  return file;
}

/**
 * Watches the embedded FerretDB and PostgreSQL a process started (issue 24): a process that exited is
 * started again (PostgreSQL first, then FerretDB on its new socket); a FerretDB that answers no ping
 * for `hangMs` while PostgreSQL answers is dumped and restarted. Requests meanwhile get the service's
 * fast 503; acknowledged writes are in PostgreSQL's write-ahead log. Returns the function that stops it.
 */
export function supervise(db: Supervised, options: SupervisorOptions): () => Promise<void> {
  // Every wait of the pinger is bounded: a stopped FerretDB still accepts connections (the kernel does)
  // and answers nothing, not even the handshake, so the driver's own 30-second connect timeout is too long.
  const pingMs = Math.min(options.watchMs, options.hangMs);
  const pinger = new MongoClient(db.uri, {
    maxPoolSize: 1,
    directConnection: true,
    serverSelectionTimeoutMS: pingMs,
    connectTimeoutMS: pingMs,
    socketTimeoutMS: pingMs,
  });
  const ping = () =>
    Promise.race([
      pinger
        .db('admin')
        .command({ ping: 1 }, { timeoutMS: pingMs })
        .then(
          () => true,
          () => false,
        ),
      wait(pingMs * 2, false, { ref: false }),
    ]);
  let silentSince: number | undefined;
  const restarted = (process: 'ferretdb' | 'postgres', reason: 'exited' | 'hung', dump?: string) => {
    embeddedRestarts.inc({ process, reason });
    options.onRestart({ process, reason, dump });
    silentSince = undefined;
  };

  const look = async () => {
    const { cluster, ferretdb } = db.current();
    if (!cluster.running()) {
      await db.restartAll();
      return restarted('postgres', 'exited');
    }
    if (!ferretdb.running()) {
      await db.restartFerretDB();
      return restarted('ferretdb', 'exited');
    }
    if (await ping()) {
      silentSince = undefined;
      return;
    }
    silentSince ??= Date.now();
    if (Date.now() - silentSince < options.hangMs || !(await cluster.answers(2000))) return;
    const dump = await dumpAndEnd(ferretdb, options);
    await db.restartFerretDB();
    restarted('ferretdb', 'hung', dump);
  };

  const quit = new AbortController();
  const loop = (async () => {
    while (!quit.signal.aborted) {
      await wait(options.watchMs, undefined, { signal: quit.signal }).catch(() => undefined);
      // A start that fails (the old postmaster's memory still held, say) is tried again next time.
      if (!quit.signal.aborted) await look().catch((error: Error) => options.onFailure(error));
    }
  })();
  return async () => {
    quit.abort();
    await loop;
    await pinger.close();
  };
}
