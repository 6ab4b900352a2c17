// One federation refresh in a process of its own, so its peak resident memory is the refresh's:
// node bench/federation-refresh.ts MONGODB_URI FEDERATION_ID AGGREGATE_FILE CERT_FILE MEMORY_MB
// Prints {"ms", "outcome", "idps", "written", "peakMiB"} as JSON.
import { readFileSync } from 'node:fs';
import mongoose from 'mongoose';
import { connectDatabase } from '../src/db/connection.ts';
import { FederationModel } from '../src/db/models/federation.ts';
import { createLogger } from '../src/log.ts';
import { refreshFederation } from '../src/saml/federation/refresh.ts';

const [uri, id, file, certFile, memoryMb] = process.argv.slice(2) as [string, string, string, string, string];
// Indexes are made before the refresh starts (as the service and the CLI do): FerretDB can deadlock
// when collections or indexes are created while the same process queries them.
await connectDatabase(uri, 10_000);
await FederationModel.updateOne(
  { _id: id },
  { $set: { source: file, certificates: [readFileSync(certFile, 'utf8')] } },
  { upsert: true },
);
const t0 = performance.now();
const result = await refreshFederation(id, { memoryMb: Number(memoryMb), logger: createLogger('silent'), force: true });
const ms = performance.now() - t0;
const peakKiB = Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
console.log(JSON.stringify({ ms, ...result, peakMiB: peakKiB / 1024 }));
await mongoose.disconnect();
