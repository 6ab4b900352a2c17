import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../errors.ts';
import { type Config, configSchema } from './schema.ts';

export class ConfigError extends Error {}

const configDir = fileURLToPath(new URL('../../config/', import.meta.url));

type Json = { [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: Json, override: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function readJson(file: string, required: boolean): Json {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new ConfigError(`cannot read ${file}: ${messageOf(error)}`);
  }
}

function integer(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
}

function boolean(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

/** Environment variables that override the files; each maps to one setting. */
function fromEnvironment(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  const set = (path: string, value: unknown) => {
    const keys = path.split('.');
    let node = out;
    for (const key of keys.slice(0, -1)) {
      node[key] = isObject(node[key]) ? node[key] : {};
      node = node[key] as Json;
    }
    node[keys[keys.length - 1] as string] = value;
  };
  const map: Array<[string, string, (name: string, v: string) => unknown]> = [
    ['PORT', 'port', integer],
    ['ISSUER', 'issuer', (_, v) => v],
    ['TRUST_PROXY', 'trustProxy', boolean],
    ['READINESS_STRICT', 'readiness.strict', boolean],
    ['METRICS_PORT', 'metrics.port', integer],
    ['METRICS_HOST', 'metrics.host', (_, v) => v],
    ['MONGODB_URI', 'mongodb.uri', (_, v) => v],
    ['MONGODB_SERVER_SELECTION_TIMEOUT_MS', 'mongodb.serverSelectionTimeoutMs', integer],
    ['MONGODB_MONITOR_COMMANDS', 'mongodb.monitorCommands', boolean],
    ['REDIS_URL', 'redis.url', (_, v) => v],
    ['REDIS_PREFIX', 'redis.prefix', (_, v) => v],
    ['CHANGE_POLL_MS', 'changePollMs', integer],
    ['PASSWORD_BREACH_URL', 'passwordBreachUrl', (_, v) => v],
    ['FEDERATION_POLL_SECONDS', 'saml.federationPollSeconds', integer],
    ['FEDERATION_PARSE_MEMORY_MB', 'saml.federationParseMemoryMb', integer],
    ['SAML_SP_ORGANIZATION_URL', 'saml.sp.organizationUrl', (_, v) => v],
    ['SAML_SP_TECHNICAL_CONTACT', 'saml.sp.technicalContact', (_, v) => v],
    ['SAML_SP_SUPPORT_CONTACT', 'saml.sp.supportContact', (_, v) => v],
    ['SAML_SP_PRIVACY_URL', 'saml.sp.privacyStatementUrl', (_, v) => v],
    ['MAIL_POLL_INTERVAL_MS', 'mail.pollIntervalMs', integer],
    ['EMBEDDED_DB_PORT', 'embeddedDb.port', integer],
    ['EMBEDDED_REDIS_PORT', 'embeddedDb.redisPort', integer],
    ['EMBEDDED_DB_DIR', 'embeddedDb.dataDir', (_, v) => v],
    ['EMBEDDED_DB_WATCH_SECONDS', 'embeddedDb.watchSeconds', integer],
    ['EMBEDDED_DB_HANG_SECONDS', 'embeddedDb.hangSeconds', integer],
    ['KEYS_DIR', 'keysDir', (_, v) => v],
    ['COOKIE_KEYS', 'cookieKeys', (_, v) => v.split(',').filter(Boolean)],
    ['IMAGE_KEY', 'imageKey', (_, v) => v],
    ['SMTP_URL', 'mail.smtpUrl', (_, v) => v],
    ['MAIL_FROM', 'mail.from', (_, v) => v],
    ['LOG_LEVEL', 'logLevel', (_, v) => v],
    ['SEED_DEMO', 'demo.seed', boolean],
  ];
  for (const [name, path, parse] of map) {
    const value = env[name];
    if (value !== undefined && value !== '') set(path, parse(name, value));
  }
  return out;
}

/**
 * Settings come from config/default.json, then config/<env>.json, then the environment,
 * then explicit overrides (tests). Any problem is a ConfigError naming the setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Json = {}): Config {
  const name = env.NODE_ENV ?? 'development';
  let merged = readJson(`${configDir}default.json`, true);
  merged = deepMerge(merged, readJson(`${configDir}${name}.json`, false));
  merged = deepMerge(merged, fromEnvironment(env));
  merged = deepMerge(merged, { env: name, ...overrides });
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    throw new ConfigError(`setting "${where}": ${issue?.message ?? 'invalid'}`);
  }
  if (result.data.env === 'production') {
    if (result.data.cookieKeys.length === 0) throw new ConfigError('COOKIE_KEYS must be set in production');
    if (!result.data.issuer.startsWith('https://')) throw new ConfigError('issuer must use https in production');
  }
  return result.data;
}
