// Installs what the service needs outside npm: the embedded database, FerretDB 1.24.2 (built with Go
// into .tools/bin) on Debian's PostgreSQL, skipped when MONGODB_URI points at a real server; and
// Debian's redis-server for the protocol store, skipped when REDIS_URL does.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresBinDir } from '../src/db/embedded/postgres.ts';
import { redisServerBinary } from '../src/db/embedded/redis.ts';

const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
/** Names our build in `ferretdb --version` ("package:"), so an older build of ours is rebuilt. */
const PACKAGE = 'cert-idp-untracked';
/**
 * FerretDB registers every iterator, cursor and transaction it opens in a pprof profile with a stack
 * trace and a finalizer (its leak detector, on in release builds too): 12 % of its CPU during
 * logins here (docs/embedded-database.md). Our build makes that registration do nothing.
 */
const UNTRACKED_RESOURCES = `// Replaced by cert-idp's scripts/setup.ts: resource tracking off.
package resource

type Token byte

func NewToken() *Token { return new(Token) }

func Track(obj any, token *Token) {}

func Untrack(obj any, token *Token) {}
`;
const root = fileURLToPath(new URL('../', import.meta.url));
const target = process.env.FERRETDB_BIN ?? resolve(root, '.tools/bin/ferretdb');

/** What `binary --version` says, as `pattern`'s groups joined by a space; undefined when it cannot be run. */
function versionOf(binary: string, pattern = /version: (v[\d.]+)/): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).match(pattern)?.slice(1).join(' ');
  } catch {
    return undefined;
  }
}

function go(args: string[], cwd: string): string {
  return execFileSync('go', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, GOFLAGS: '-buildvcs=false', GO111MODULE: 'on' },
  });
}

/**
 * `go install ${MODULE}/cmd/ferretdb@${VERSION}` is the documented way, but the module archive lacks
 * the generated build/version/version.txt (the binary then panics at start) and the Go proxy here
 * refuses the version list that `go install` asks for. So: download that exact module version,
 * add version.txt (and package.txt), turn resource tracking off, and build the same command from it.
 */
function buildFerretDB(): void {
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-'));
  try {
    const info = JSON.parse(go(['mod', 'download', '-json', `${MODULE}@${VERSION}`], work)) as { Dir: string };
    const source = join(work, 'src');
    cpSync(info.Dir, source, { recursive: true, mode: 0 });
    execFileSync('chmod', ['-R', 'u+w', source]);
    writeFileSync(join(source, 'build/version/version.txt'), `${VERSION}\n`);
    writeFileSync(join(source, 'build/version/package.txt'), `${PACKAGE}\n`);
    writeFileSync(join(source, 'internal/util/resource/resource.go'), UNTRACKED_RESOURCES);
    mkdirSync(resolve(target, '..'), { recursive: true });
    go(['build', '-o', target, './cmd/ferretdb'], source);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const installed = (packages: string[]) => {
  try {
    execFileSync('dpkg', ['-s', ...packages], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Installs Debian packages unless `present` (as root). Otherwise says how, and stops only when they
 * are `required` (the tests need them; the service runs without the optional ones).
 */
function ensureDebian(present: boolean, packages: string[], why: string, required = true): void {
  if (present) return;
  if (process.getuid?.() !== 0) {
    console.error(`setup: ${why} need ${packages.join(' ')}; install them with: sudo apt-get install -y ${packages.join(' ')}`);
    if (required) process.exit(1);
    return;
  }
  console.log(`setup: installing ${packages.join(', ')} from Debian (${why})`);
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

const forTests = process.argv.includes('--browser');
if (forTests) {
  // The browser tests drive Debian's Chromium; Japanese fonts make the screenshots readable.
  ensureDebian(existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'), ['chromium', 'fonts-noto-cjk'], 'browser tests');
  // The metrics test has a real Prometheus scrape the service; promtool checks the alerting rules.
  ensureDebian(installed(['prometheus']), ['prometheus'], 'the metrics tests');
}
// The SAML tests, and the demo university's sign-in under npm start, use Debian's SimpleSAMLphp.
const saml = ['simplesamlphp', 'php-cli', 'php-xml', 'php-mbstring'];
ensureDebian(installed(saml), saml, 'the SAML tests and the demo university sign-in', forTests);

const postgresUser = () => {
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

if (process.env.MONGODB_URI) {
  console.log('setup: MONGODB_URI is set, the embedded database is not needed');
} else {
  // PostgreSQL under FerretDB; as root it runs as Debian's "postgres" user, which the package creates.
  ensureDebian(
    postgresBinDir() !== undefined && (process.getuid?.() !== 0 || postgresUser()),
    ['postgresql'],
    'the embedded database',
  );
}
if (process.env.REDIS_URL) {
  console.log('setup: REDIS_URL is set, the embedded protocol store is not needed');
} else {
  // The protocol store (src/db/protocol-store.ts): oidc-provider's sessions, grants, codes and tokens.
  // Asked of the program itself: dpkg -s also succeeds for a package removed with its configuration kept.
  ensureDebian(versionOf(redisServerBinary(), /v=([\d.]+)/) !== undefined, ['redis-server'], 'the protocol store');
}
// One run of `ferretdb --version` for both: "v1.24.2 cert-idp-untracked" for ours.
const ferretBuild = () => versionOf(target, /version: (v[\d.]+)[\s\S]*package: (\S+)/);
if (!process.env.MONGODB_URI && ferretBuild() !== `${VERSION} ${PACKAGE}`) {
  console.log(`setup: building FerretDB ${VERSION} into ${target} (about two minutes, once)`);
  buildFerretDB();
  const built = ferretBuild();
  if (built !== `${VERSION} ${PACKAGE}`) {
    console.error(`setup: FerretDB build produced ${built ?? 'unknown'}, expected ${VERSION} ${PACKAGE}`);
    process.exit(1);
  }
}
