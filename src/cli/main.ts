import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { createGraduate, listAccounts, parseName, parseStudentId } from '../admin/accounts.ts';
import { listClients, registerClient, resetClientSecret } from '../admin/clients.ts';
import { OperatorError } from '../admin/errors.ts';
import { importIdp, listIdps, setIdpEnabled } from '../admin/saml-idps.ts';
import { createStaff, listStaff } from '../admin/staff.ts';
import { type CatalogueInput, configureTenant, createTenant, listTenants, requireTenant } from '../admin/tenants.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { generatePassword } from '../credentials/password-policy.ts';
import { audit } from '../db/audit.ts';
import { DatabaseUnreachableError } from '../db/connection.ts';
import { AuditModel } from '../db/models/audit.ts';
import { escapeRegex } from '../db/regex.ts';
import { isLang } from '../i18n/index.ts';
import { createLogger } from '../log.ts';
import { enqueueMail } from '../mail/outbox.ts';
import { MailWorker } from '../mail/worker.ts';
import { loadSigningKeys, rotateSigningKeys } from '../oidc/keys.ts';
import { loadSpKeys, rotateSpKeys } from '../saml/sp-keys.ts';
import { SecretHasher } from '../security/secrets.ts';
import { openDatabase } from '../service.ts';

const USAGE = `Usage: npm run cli -- <command> [options]

  tenant create --id ID --name-ja NAME --name-en NAME [--inquiry-ja TEXT] [--inquiry-en TEXT]
  tenant list
  tenant configure --id ID [--login-url URL] [--manual-url URL] [--terms-ja-file FILE] [--terms-en-file FILE]
                [--catalogue-file FILE.json] [--field NAME=required|optional|hidden ...]
                [--initial-password-days N] [--image-retention-days N]
                [--login-methods graduate,student] [--student-second-password true|false]
  idp import --tenant ID --slug SLUG (--metadata-file FILE | --metadata-url URL) [--name-ja NAME --name-en NAME]
                [--binding redirect|post] [--map KEY=ATTRIBUTE ...] [--allow-affiliation VALUE ...]
                (KEY: subject studentId familyName givenName familyNameRoman givenNameRoman email affiliation;
                 subject=nameid uses the NameID. Importing an existing SLUG again refreshes it.)
  idp list --tenant ID | idp enable --tenant ID --slug SLUG | idp disable --tenant ID --slug SLUG
  saml-keys list | saml-keys add | saml-keys promote --id ID | saml-keys retire --id ID   (SAML SP keys; restart after each)
  client create --tenant ID --name NAME --redirect-uri URI [--redirect-uri URI ...]
                [--post-logout-uri URI ...] [--public] [--third-party] [--backchannel-logout-uri URI] [--id CLIENT_ID]
                [--home-url URL]   (where the account pages lead back to)
  client list [--tenant ID]
  client reset-secret --id CLIENT_ID
  account create-graduate --tenant ID --email ADDRESS --name-kanji "FAMILY GIVEN"
                [--name-kana "FAMILY GIVEN"] [--name-roman "FAMILY GIVEN"] [--birthdate YYYY-MM-DD]
                [--student-id NUMBER[:university[:department[:subject[:YYYY-MM[:status]]]]] ...]
                [--password P --second-password P]   (random initial passwords are printed when omitted)
  account list --tenant ID
  staff create --tenant ID --email ADDRESS --name NAME [--password P]   (a random password is printed when omitted)
  staff list --tenant ID
  mail test --tenant ID --to ADDRESS [--lang ja|en]
  audit list [--tenant ID] [--event PREFIX] [--limit N]
  keys list | keys add | keys promote --kid KID | keys retire --kid KID   (signing keys; restart after each)
`;

class UsageError extends Error {}

function yesNo(flag: string, value: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`--${flag} must be true or false`);
}

function parseLoginMethods(value: string): { graduate: boolean; student: boolean } {
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) if (name !== 'graduate' && name !== 'student') throw new UsageError(`unknown login method "${name}"`);
  return { graduate: names.includes('graduate'), student: names.includes('student') };
}

type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function options<T extends Options>(args: string[], spec: T, required: Array<keyof T & string> = []) {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  for (const name of required) {
    if (values[name] === undefined || values[name] === '') throw new UsageError(`--${name} is required`);
  }
  const str = (name: keyof T & string) => (values[name] as string | undefined) ?? '';
  const list = (name: keyof T & string) => (values[name] as string[] | undefined) ?? [];
  const flag = (name: keyof T & string) => values[name] === true;
  return { str, list, flag };
}

const s = { type: 'string' } as const;
const many = { type: 'string', multiple: true } as const;
const bool = { type: 'boolean' } as const;

async function run(command: string, args: string[], config: Config): Promise<void> {
  switch (command) {
    case 'tenant create': {
      const o = options(args, { id: s, 'name-ja': s, 'name-en': s, 'inquiry-ja': s, 'inquiry-en': s }, [
        'id',
        'name-ja',
        'name-en',
      ]);
      await createTenant({
        id: o.str('id'),
        nameJa: o.str('name-ja'),
        nameEn: o.str('name-en'),
        inquiryJa: o.str('inquiry-ja'),
        inquiryEn: o.str('inquiry-en'),
      });
      console.log(`tenant ${o.str('id')} created`);
      return;
    }
    case 'tenant configure': {
      const o = options(
        args,
        {
          id: s,
          'login-url': s,
          'manual-url': s,
          'terms-ja-file': s,
          'terms-en-file': s,
          'catalogue-file': s,
          field: many,
          'initial-password-days': s,
          'image-retention-days': s,
          'login-methods': s,
          'student-second-password': s,
        },
        ['id'],
      );
      const read = (flag: 'terms-ja-file' | 'terms-en-file' | 'catalogue-file') => {
        if (!o.str(flag)) return undefined;
        try {
          return readFileSync(o.str(flag), 'utf8');
        } catch (error) {
          throw new UsageError(`cannot read --${flag}: ${(error as Error).message}`);
        }
      };
      const days = (flag: 'initial-password-days' | 'image-retention-days') => (o.str(flag) ? Number(o.str(flag)) : undefined);
      const catalogue = read('catalogue-file');
      let entries: CatalogueInput[] | undefined;
      try {
        entries = catalogue === undefined ? undefined : (JSON.parse(catalogue) as CatalogueInput[]);
      } catch (error) {
        throw new UsageError(`--catalogue-file is not JSON: ${(error as Error).message}`);
      }
      if (entries !== undefined && !Array.isArray(entries)) throw new UsageError('--catalogue-file must hold a JSON array');
      await configureTenant(o.str('id'), {
        loginUrl: o.str('login-url') || undefined,
        manualUrl: o.str('manual-url') || undefined,
        terms: { ja: read('terms-ja-file'), en: read('terms-en-file') },
        catalogue: entries,
        fields: o.list('field').length
          ? o.list('field').map((pair) => {
              const [name = '', mode = ''] = pair.split('=');
              return { name, mode };
            })
          : undefined,
        initialPasswordDays: days('initial-password-days'),
        imageRetentionDays: days('image-retention-days'),
        loginMethods: o.str('login-methods') ? parseLoginMethods(o.str('login-methods')) : undefined,
        studentSecondPassword: o.str('student-second-password')
          ? yesNo('student-second-password', o.str('student-second-password'))
          : undefined,
      });
      console.log(`tenant ${o.str('id')} configured`);
      return;
    }
    case 'staff create': {
      const o = options(args, { tenant: s, email: s, name: s, password: s }, ['tenant', 'email', 'name']);
      const password = o.str('password') || `${generatePassword(16)}`;
      const id = await createStaff(new SecretHasher(config.argon2), {
        tenantId: o.str('tenant'),
        email: o.str('email'),
        name: o.str('name'),
        password,
      });
      console.log(`staff ${id} created for ${o.str('email')}; TOTP is enrolled at the first login`);
      if (!o.str('password')) console.log(`password\t${password}\t(shown once)`);
      return;
    }
    case 'staff list': {
      const o = options(args, { tenant: s }, ['tenant']);
      await requireTenant(o.str('tenant'));
      for (const m of await listStaff(o.str('tenant')))
        console.log(`${m._id}\t${m.email}\t${m.name}\t${m.totpLastStep ? 'totp' : 'no totp yet'}`);
      return;
    }
    case 'tenant list': {
      options(args, {});
      for (const t of await listTenants()) console.log(`${t._id}\t${t.name?.ja}\t${t.name?.en}`);
      return;
    }
    case 'client create': {
      const spec = {
        tenant: s,
        name: s,
        id: s,
        'redirect-uri': many,
        'post-logout-uri': many,
        public: bool,
        'third-party': bool,
        'backchannel-logout-uri': s,
        'home-url': s,
      };
      const o = options(args, spec, ['tenant', 'name', 'redirect-uri']);
      const result = await registerClient({
        tenantId: o.str('tenant'),
        name: o.str('name'),
        id: o.str('id') || undefined,
        public: o.flag('public'),
        redirectUris: o.list('redirect-uri'),
        postLogoutRedirectUris: o.list('post-logout-uri'),
        thirdParty: o.flag('third-party'),
        backchannelLogoutUri: o.str('backchannel-logout-uri') || undefined,
        homeUrl: o.str('home-url') || undefined,
      });
      console.log(`client_id\t${result.clientId}`);
      if (result.clientSecret) console.log(`client_secret\t${result.clientSecret}\t(shown once: store it now)`);
      else console.log('public client: no secret, PKCE required');
      return;
    }
    case 'client list': {
      const o = options(args, { tenant: s });
      for (const c of await listClients(o.str('tenant') || undefined)) {
        const kind = `${c.public ? 'public' : 'confidential'}${c.firstParty ? '' : ',third-party'}`;
        console.log(`${c._id}\t${c.tenantId}\t${kind}\t${c.name}\t${c.redirectUris.join(' ')}`);
      }
      return;
    }
    case 'client reset-secret': {
      const o = options(args, { id: s }, ['id']);
      console.log(`client_secret\t${await resetClientSecret(o.str('id'))}\t(shown once: store it now)`);
      return;
    }
    case 'account create-graduate': {
      const o = options(
        args,
        {
          tenant: s,
          email: s,
          password: s,
          'second-password': s,
          'name-kanji': s,
          'name-kana': s,
          'name-roman': s,
          birthdate: s,
          'student-id': many,
        },
        ['tenant', 'email', 'name-kanji'],
      );
      if (Boolean(o.str('password')) !== Boolean(o.str('second-password'))) {
        throw new UsageError('give both --password and --second-password, or neither');
      }
      const given = Boolean(o.str('password'));
      const password = given ? o.str('password') : generatePassword();
      let secondPassword = given ? o.str('second-password') : generatePassword();
      while (!given && secondPassword === password) secondPassword = generatePassword();
      const optionalName = (flag: 'name-kana' | 'name-roman') => (o.str(flag) ? parseName(o.str(flag), `--${flag}`) : undefined);
      const id = await createGraduate(new SecretHasher(config.argon2), {
        tenantId: o.str('tenant'),
        email: o.str('email'),
        password,
        secondPassword,
        name: {
          kanji: parseName(o.str('name-kanji'), '--name-kanji'),
          kana: optionalName('name-kana'),
          roman: optionalName('name-roman'),
        },
        birthdate: o.str('birthdate') || undefined,
        studentIds: o.list('student-id').map(parseStudentId),
      });
      console.log(`account ${id} created for ${o.str('email')}`);
      if (!given) console.log(`password\t${password}\nsecond password\t${secondPassword}\t(shown once)`);
      return;
    }
    case 'account list': {
      const o = options(args, { tenant: s }, ['tenant']);
      await requireTenant(o.str('tenant'));
      for (const a of await listAccounts(o.str('tenant'))) {
        const ids = a.studentIds.map((x) => x.number).join(',');
        console.log(`${a._id}\t${a.kind}\t${a.email}\t${a.name?.kanji?.family ?? ''} ${a.name?.kanji?.given ?? ''}\t${ids}`);
      }
      return;
    }
    case 'mail test': {
      const o = options(args, { tenant: s, to: s, lang: s }, ['tenant', 'to']);
      const lang = o.str('lang') || 'ja';
      if (!isLang(lang)) throw new UsageError('--lang must be ja or en');
      await requireTenant(o.str('tenant'));
      await enqueueMail({ tenantId: o.str('tenant'), to: o.str('to'), lang, template: 'test' });
      // Deliver now so the operator sees whether SMTP works; a failure leaves it queued for the service.
      const worker = new MailWorker({ ...config.mail, maxAttempts: Number.MAX_SAFE_INTEGER }, createLogger('error'));
      await worker.drain();
      await worker.stop();
      console.log(`test mail to ${o.str('to')} queued and handed to ${config.mail.smtpUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
      return;
    }
    case 'keys list':
    case 'keys add':
    case 'keys promote':
    case 'keys retire':
    case 'saml-keys list':
    case 'saml-keys add':
    case 'saml-keys promote':
    case 'saml-keys retire': {
      // OIDC signing keys (keys/jwks.json, by kid) and SAML SP keys (keys/saml-sp.json, by id) rotate alike.
      const [group, step] = command.split(' ') as [string, 'list' | 'add' | 'promote' | 'retire'];
      const saml = group === 'saml-keys';
      const withId = step === 'promote' || step === 'retire';
      const o = options(args, withId ? { kid: s, id: s } : {}, withId ? [saml ? 'id' : 'kid'] : []);
      const keysDir = resolve(fileURLToPath(new URL('../../', import.meta.url)), config.keysDir);
      const rows = saml
        ? (step === 'list' ? await loadSpKeys(keysDir, false) : await rotateSpKeys(keysDir, step, o.str('id'))).map((k) => [
            k.id,
            k.createdAt,
          ])
        : (step === 'list'
            ? (await loadSigningKeys(keysDir, false)).keys
            : await rotateSigningKeys(keysDir, step, o.str('kid'))
          ).map((k) => [k.kid, k.alg]);
      for (const [i, [id, info]] of rows.entries()) console.log(`${id}\t${info}\t${i === 0 ? 'signing' : 'published'}`);
      if (step !== 'list') console.log('restart the service for the change to take effect');
      return;
    }
    case 'idp import': {
      const o = options(
        args,
        {
          tenant: s,
          slug: s,
          'metadata-file': s,
          'metadata-url': s,
          'name-ja': s,
          'name-en': s,
          binding: s,
          map: many,
          'allow-affiliation': many,
        },
        ['tenant', 'slug'],
      );
      const binding = o.str('binding');
      if (binding && binding !== 'redirect' && binding !== 'post') throw new UsageError('--binding must be redirect or post');
      let metadataXml: string | undefined;
      if (o.str('metadata-file')) {
        try {
          metadataXml = readFileSync(o.str('metadata-file'), 'utf8');
        } catch (error) {
          throw new UsageError(`cannot read --metadata-file: ${(error as Error).message}`);
        }
      }
      const mapping = Object.fromEntries(
        o.list('map').map((pair) => {
          const [key = '', attribute = ''] = pair.split('=');
          if (!key || !attribute) throw new UsageError(`--map "${pair}" must be KEY=ATTRIBUTE`);
          return [key, attribute];
        }),
      );
      const idp = await importIdp({
        tenantId: o.str('tenant'),
        slug: o.str('slug'),
        nameJa: o.str('name-ja'),
        nameEn: o.str('name-en'),
        metadataXml,
        metadataUrl: o.str('metadata-url') || undefined,
        binding: (binding || undefined) as 'redirect' | 'post' | undefined,
        mapping,
        allowedAffiliations: o.list('allow-affiliation').length ? o.list('allow-affiliation') : undefined,
      });
      console.log(`IdP ${idp.slug} (${idp.entityId}) imported for ${idp.tenantId}; ${idp.enabled ? 'enabled' : 'disabled'}`);
      console.log(`our SP metadata for the university: ${config.issuer}/t/${idp.tenantId}/saml/metadata`);
      return;
    }
    case 'idp list': {
      const o = options(args, { tenant: s }, ['tenant']);
      for (const idp of await listIdps(o.str('tenant'))) {
        const mapping = Object.entries(idp.mapping ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        console.log([idp.slug, idp.enabled ? 'enabled' : 'disabled', idp.binding, idp.entityId, mapping].join('\t'));
      }
      return;
    }
    case 'idp enable':
    case 'idp disable': {
      const o = options(args, { tenant: s, slug: s }, ['tenant', 'slug']);
      await setIdpEnabled(o.str('tenant'), o.str('slug'), command === 'idp enable');
      console.log(`IdP ${o.str('slug')} ${command === 'idp enable' ? 'enabled' : 'disabled'}`);
      return;
    }
    case 'audit list': {
      const o = options(args, { tenant: s, event: s, limit: s });
      const limit = o.str('limit') ? Number(o.str('limit')) : 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new UsageError('--limit must be a whole number from 1 to 10000');
      const filter: Record<string, unknown> = {};
      if (o.str('tenant')) filter.tenantId = o.str('tenant');
      if (o.str('event')) filter.event = { $regex: `^${escapeRegex(o.str('event'))}` };
      for (const e of await AuditModel.find(filter).sort({ at: -1 }).limit(limit).lean()) {
        const who = e.accountId
          ? `account:${e.accountId}`
          : e.staffId
            ? `staff:${e.staffId}`
            : e.operator
              ? `operator:${e.operator}`
              : '-';
        console.log(
          [e.at.toISOString(), e.event, e.tenantId ?? '-', who, e.ip ?? '-', JSON.stringify(e.detail ?? {})].join('\t'),
        );
      }
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

const [group, action, ...rest] = process.argv.slice(2);
if (!group || group === 'help' || group === '--help') {
  process.stdout.write(USAGE);
  process.exit(group ? 0 : 2);
}

let closeDatabase: (() => Promise<void>) | undefined;
const command = `${group} ${action ?? ''}`.trim();
let exitCode = 0;
try {
  const config = loadConfig();
  closeDatabase = await openDatabase(config);
  await run(command, rest, config);
  if (!command.endsWith(' list')) {
    // Operator commands are audited with their arguments, never the values of secrets.
    const masked = rest.map((arg, i) => (/^--(password|second-password)$/.test(rest[i - 1] ?? '') ? '***' : arg));
    await audit(createLogger('silent'), {
      event: `operator.${command.replace(' ', '.')}`,
      operator: process.env.SUDO_USER ?? process.env.USER ?? 'operator',
      args: masked.join(' '),
    });
  }
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`cert-idp: ${error.message}\n\n${USAGE}`);
    exitCode = 2;
  } else if (error instanceof OperatorError || error instanceof ConfigError || error instanceof DatabaseUnreachableError) {
    process.stderr.write(`cert-idp: ${error.message}\n`);
    exitCode = 1;
  } else {
    process.stderr.write(`cert-idp: unexpected error: ${(error as Error).stack}\n`);
    exitCode = 1;
  }
} finally {
  await mongoose.disconnect();
  await closeDatabase?.();
}
process.exit(exitCode);
