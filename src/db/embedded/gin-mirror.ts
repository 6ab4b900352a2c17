// Reaches under FerretDB, so it is kept to this one module and its SQL (gin-mirror.sql says why).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER_USER, type PrivateCluster } from './postgres.ts';

const SQL = fileURLToPath(new URL('./gin-mirror.sql', import.meta.url));

/**
 * Installs the trigger that gives every index FerretDB creates on a top-level field a GIN twin that
 * serves FerretDB's pushed-down equality filters, and adds the twins that are missing. Run at every
 * start of the cluster, before FerretDB accepts a connection.
 */
export function installGinMirror(cluster: PrivateCluster, database = 'postgres'): void {
  execFileSync(
    join(cluster.binDir, 'psql'),
    ['-h', cluster.socketDir, '-U', CLUSTER_USER, '-d', database, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', SQL],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}
