import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { freePort } from './free-port.ts';

/** Where Debian's simplesamlphp package puts the application. */
const SSP_WWW = '/usr/share/simplesamlphp/www';

/** True when Debian's SimpleSAMLphp and PHP are installed (the tests' setup installs them). */
export function simpleSamlPhpInstalled(): boolean {
  try {
    execFileSync('php', ['-r', 'exit(class_exists("DOMDocument") ? 0 : 1);'], { stdio: 'ignore' });
    return existsSync(SSP_WWW);
  } catch {
    return false;
  }
}

export interface SamlTestUser {
  username: string;
  password: string;
  attributes: Record<string, string[]>;
}

/** Students of the test university's own sign-in, with the attributes a Shibboleth IdP would send. */
export const STUDENTS: SamlTestUser[] = [
  {
    username: 'a0123456',
    password: 'campus-pass-1',
    attributes: {
      uid: ['a0123456'],
      studentNumber: ['A0123456'],
      sn: ['Yamada'],
      givenName: ['Taro'],
      jasn: ['山田'],
      jaGivenName: ['太郎'],
      mail: ['a0123456@st.test-univ.example'],
      eduPersonAffiliation: ['student', 'member'],
    },
  },
  {
    username: 'b0654321',
    password: 'campus-pass-2',
    attributes: {
      uid: ['b0654321'],
      studentNumber: ['B0654321'],
      sn: ['Suzuki'],
      givenName: ['Hana'],
      jasn: ['鈴木'],
      jaGivenName: ['花'],
      mail: ['b0654321@st.test-univ.example'],
      eduPersonAffiliation: ['student'],
    },
  },
];

export interface SimpleSamlPhp {
  baseUrl: string;
  entityId: string;
  metadataUrl: string;
  /** The IdP's signing key and certificate (PEM), for tests that forge responses with the real key. */
  privateKey: string;
  certificate: string;
  /** Registers one of our SP metadata documents (as a university's operator would). */
  registerSp(name: string, metadataXml: string, options?: { encryptAssertions?: boolean }): void;
  stop(): Promise<void>;
}

const php = (value: unknown): string => JSON.stringify(value).replaceAll('$', '\\$');

function phpArray(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(phpArray).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `[${Object.entries(value)
      .map(([k, v]) => `${php(k)} => ${phpArray(v)}`)
      .join(', ')}]`;
  }
  return php(value);
}

/** SimpleSAMLphp's own configuration, and the students it signs in. */
function writeConfig(dir: string, baseUrl: string, users: SamlTestUser[]): void {
  const config = {
    baseurlpath: `${baseUrl}/`,
    certdir: `${dir}/cert/`,
    loggingdir: `${dir}/log/`,
    datadir: `${dir}/data/`,
    tempdir: `${dir}/tmp`,
    metadatadir: `${dir}/metadata/`,
    technicalcontact_name: 'Test',
    technicalcontact_email: 'test@test-univ.example',
    timezone: 'UTC',
    secretsalt: randomBytes(16).toString('hex'),
    'auth.adminpassword': randomBytes(16).toString('hex'),
    'admin.protectindexpage': false,
    'admin.protectmetadata': false,
    'enable.saml20-idp': true,
    'logging.handler': 'stderr',
    'logging.level': 7,
    showerrors: true,
    'logging.logfile': 'simplesamlphp.log',
    'store.type': 'phpsession',
    'session.phpsession.savepath': `${dir}/sessions`,
    'session.cookie.secure': false,
    'module.enable': { exampleauth: true, core: true, saml: true },
    'language.default': 'en',
  };
  writeFileSync(join(dir, 'config', 'config.php'), `<?php\n$config = ${phpArray(config)};\n`);
  const userEntries = Object.fromEntries(users.map((u) => [`${u.username}:${u.password}`, u.attributes]));
  writeFileSync(
    join(dir, 'config', 'authsources.php'),
    `<?php\n$config = ['admin' => ['core:AdminPassword'], 'campus' => array_merge(['exampleauth:UserPass'], ${phpArray(userEntries)})];\n`,
  );
}

/** How a test's IdP differs from a plain campus sign-in: a federation member's metadata and attribute names. */
export interface IdpOptions {
  /** More of the hosted IdP's metadata (scope, UIInfo, EntityAttributes, RegistrationInfo), published in its metadata. */
  hostedMetadata?: Record<string, unknown>;
  /** Attributes sent under other names (urn:oid:…, with the uri name format), as federation IdPs send them. */
  attributeNames?: Record<string, string>;
}

/** The IdP's hosted metadata, and our SP documents as SimpleSAMLphp itself parses them. */
function writeMetadata(dir: string, options: IdpOptions): void {
  const renamed = options.attributeNames ? { 20: { class: 'core:AttributeMap', ...options.attributeNames } } : {};
  writeFileSync(
    join(dir, 'metadata', 'saml20-idp-hosted.php'),
    `<?php\n$metadata['__DYNAMIC:1__'] = ${phpArray({
      host: '__DEFAULT__',
      privatekey: 'idp.pem',
      certificate: 'idp.crt',
      auth: 'campus',
      'saml20.sign.assertion': true,
      'saml20.sign.response': true,
      'sign.logout': true,
      SingleSignOnServiceBinding: [
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
      ],
      NameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      'attributes.NameFormat': `urn:oasis:names:tc:SAML:2.0:attrname-format:${options.attributeNames ? 'uri' : 'basic'}`,
      authproc: {
        10: {
          class: 'saml:AttributeNameID',
          attribute: 'uid',
          Format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        },
        ...renamed,
      },
      ...options.hostedMetadata,
    })};\n`,
  );
  // Each registered SP document is parsed by SimpleSAMLphp itself, from the XML we publish.
  writeFileSync(
    join(dir, 'metadata', 'saml20-sp-remote.php'),
    `<?php
foreach (glob(${php(`${dir}/sp/`)} . '*.xml') as $file) {
  $options = json_decode((string) @file_get_contents($file . '.json'), true) ?: [];
  foreach (\\SimpleSAML\\Metadata\\SAMLParser::parseDescriptorsFile($file) as $entityId => $entity) {
    $metadata[$entityId] = array_merge($entity->getMetadata20SP(), ['validate.authnrequest' => true], $options);
  }
}
`,
  );
}

/** PHP's built-in server on loopback, once it answers with the IdP metadata. */
async function runPhp(dir: string, port: number, metadataUrl: string): Promise<ChildProcess> {
  const server: ChildProcess = spawn(
    'php',
    ['-d', `session.save_path=${dir}/sessions`, '-S', `localhost:${port}`, '-t', SSP_WWW],
    { env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: `${dir}/config` }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  server.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(metadataUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (attempt > 100 || server.exitCode !== null) {
      server.kill();
      throw new Error(`SimpleSAMLphp did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return server;
}

/**
 * A real SAML 2.0 IdP we did not write: Debian's SimpleSAMLphp 1.19 under PHP's built-in server on
 * loopback, with a configuration of its own (students, attributes, persistent NameIDs). It reads our
 * SP metadata documents as published at our metadata URL. The tests' university sign-in, and the
 * development demo's when SimpleSAMLphp is installed.
 */
export async function startSimpleSamlPhp(users: SamlTestUser[] = STUDENTS, options: IdpOptions = {}): Promise<SimpleSamlPhp> {
  const dir = mkdtempSync(join(tmpdir(), 'ssp-'));
  for (const sub of ['config', 'metadata', 'cert', 'log', 'data', 'tmp', 'sessions', 'sp']) mkdirSync(join(dir, sub));
  const port = await freePort();
  // "localhost" rather than 127.0.0.1: the university's sign-in is another site than ours.
  const baseUrl = `http://localhost:${port}`;
  const pems = await generate([{ name: 'commonName', value: 'idp.test-univ.example' }], { keySize: 2048, algorithm: 'sha256' });
  writeFileSync(join(dir, 'cert', 'idp.pem'), pems.private);
  writeFileSync(join(dir, 'cert', 'idp.crt'), pems.cert);

  writeConfig(dir, baseUrl, users);
  writeMetadata(dir, options);
  const metadataUrl = `${baseUrl}/saml2/idp/metadata.php`;
  const server = await runPhp(dir, port, metadataUrl);

  return {
    baseUrl,
    entityId: metadataUrl,
    metadataUrl,
    privateKey: pems.private,
    certificate: pems.cert,
    registerSp(name, metadataXml, options = {}) {
      writeFileSync(join(dir, 'sp', `${name}.xml`), metadataXml);
      writeFileSync(
        join(dir, 'sp', `${name}.xml.json`),
        JSON.stringify({ 'assertion.encryption': Boolean(options.encryptAssertions) }),
      );
    },
    async stop() {
      server.kill();
      await new Promise((r) => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
