import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { keyPair, memberIdps, signedAggregate } from '../test/helpers/federation.ts';

const run = promisify(execFile);
type Refresh = { ms: number; outcome: string; idps?: number; written?: number; peakMiB: number };

async function refreshOnce(uri: string, id: string, file: string, certFile: string, memoryMb: number): Promise<Refresh> {
  const { stdout } = await run(process.execPath, ['bench/federation-refresh.ts', uri, id, file, certFile, String(memoryMb)], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as Refresh;
  if (result.outcome !== 'accepted') throw new Error(`federation refresh not accepted: ${stdout}`);
  return result;
}

/**
 * A federation aggregate of `entities` IdPs, signed: the first refresh (every IdP written), then the
 * next week's re-signed aggregate with one IdP changed (one written). Each in a process of its own
 * (its peak resident memory is the refresh's), median of `rounds`.
 */
export async function federationFigures(uri: string, entities: number, rounds: number, memoryMb: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-federation-'));
  const [federation, idp] = await Promise.all([keyPair('federation'), keyPair('idp')]);
  const members = memberIdps(entities, idp.certificate);
  const files = { first: join(dir, 'first.xml'), next: join(dir, 'next.xml'), cert: join(dir, 'federation.pem') };
  writeFileSync(files.first, signedAggregate(members, federation));
  writeFileSync(
    files.next,
    signedAggregate(
      [...members.slice(1), memberIdps(1, idp.certificate, { names: { ja: '改称大学' } })[0] as string],
      federation,
    ),
  );
  writeFileSync(files.cert, federation.certificate);
  const first: Refresh[] = [];
  const next: Refresh[] = [];
  for (let round = 0; round < rounds; round++) {
    const id = `bench-${round}`;
    first.push(await refreshOnce(uri, id, files.first, files.cert, memoryMb));
    next.push(await refreshOnce(uri, id, files.next, files.cert, memoryMb));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const size = (Buffer.byteLength(signedAggregate(members, federation)) / 2 ** 20).toFixed(1);
  const label = `federation aggregate of ${entities.toLocaleString('en')} IdPs (${size} MiB), parse budget ${memoryMb} MiB`;
  return [
    [`${label}: first refresh, all written (s)`, (median(first.map((r) => r.ms)) / 1000).toFixed(1)],
    [`${label}: next refresh, one IdP changed (s)`, (median(next.map((r) => r.ms)) / 1000).toFixed(1)],
    [
      `${label}: peak resident memory of the refreshing process (MiB)`,
      median([...first, ...next].map((r) => r.peakMiB)).toFixed(0),
    ],
  ] as Array<[string, string]>;
}
