import mongoose from 'mongoose';
import { OperatorError } from '../admin/errors.ts';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { DatabaseUnreachableError } from '../db/connection.ts';
import { openDatabase } from '../db/open.ts';
import { StoreUnreachableError } from '../db/protocol-store.ts';
import { createLogger } from '../log.ts';
import { accountCommands } from './commands/account.ts';
import { auditCommands } from './commands/audit.ts';
import { clientCommands } from './commands/client.ts';
import { dbCommands } from './commands/db.ts';
import { federationCommands, samlCommands } from './commands/federation.ts';
import { idpCommands } from './commands/idp.ts';
import { keyCommands, samlKeyCommands } from './commands/keys.ts';
import { mailCommands } from './commands/mail.ts';
import { registerCommands } from './commands/register.ts';
import { staffCommands } from './commands/staff.ts';
import { tenantCommands } from './commands/tenant.ts';
import { type CommandGroup, type DatabaseState, UsageError } from './options.ts';

const USAGE = `Usage: npm run cli -- <command> [options]

  tenant create --id ID --name-ja NAME --name-en NAME [--inquiry-ja TEXT] [--inquiry-en TEXT]
                [--admin-email ADDRESS [--admin-name NAME] [--lang ja|en]]   (invites its first admin by mail)
  tenant list
  tenant configure --id ID [--login-url URL] [--manual-url URL] [--terms-ja-file FILE] [--terms-en-file FILE]
                [--catalogue-file FILE.json] [--field NAME=required|optional|hidden ...]
                [--initial-password-days N] [--image-retention-days N]
                [--login-methods graduate,student] [--student-second-password true|false]
                [--passkeys off|allowed|required]   (graduates' passkeys; required: added after the first login)
                [--staff-passkeys allowed|required] (required: the console opens once a staff member has one)
                [--student-passkey true|false]      (students confirm with a passkey, not a second password)
  idp import --tenant ID --slug SLUG (--metadata-file FILE | --metadata-url URL) [--name-ja NAME --name-en NAME]
                [--binding redirect|post] [--map KEY=ATTRIBUTE ...] [--allow-affiliation VALUE ...]
                (KEY: subject studentId familyName givenName familyNameRoman givenNameRoman email affiliation;
                 subject=nameid uses the NameID. Importing an existing SLUG again refreshes it.)
  idp list --tenant ID | idp enable --tenant ID --slug SLUG | idp disable --tenant ID --slug SLUG
  federation add --id ID --source URL|FILE --cert FILE [--cert FILE] [--refresh-minutes N]
                (a federation's signed metadata aggregate; two --cert during its key rollover)
  federation refresh --id ID | federation list
  federation trust --tenant ID --federation ID (--entity-id ENTITY ... | --all [--entity-attribute NAME=VALUE ...]
                [--registration-authority URL ...]) [--map KEY=ATTRIBUTE ...] [--allow-affiliation VALUE ...]
  federation untrust --tenant ID --federation ID | federation trusts --tenant ID
  saml sp-metadata --tenant ID   (our SP metadata for the university's federation registration)
  saml-keys list | saml-keys add | saml-keys promote --id ID | saml-keys retire --id ID   (SAML SP keys; likewise)
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
  staff create --tenant ID --email ADDRESS --name NAME [--password P] [--roles reviewer,admin,helpdesk,auditor]
                (a random password is printed when omitted; reviewer when no roles are given)
  staff invite --tenant ID --email ADDRESS --name NAME [--roles admin,…] [--lang ja|en]
                (mails a one-time link, valid 72 hours, to set a password; admin when no roles are given)
  staff roles --tenant ID --email ADDRESS --roles admin[,reviewer,…]   (replaces the member's roles: the first admin)
  staff list --tenant ID
  mail test --tenant ID --to ADDRESS [--lang ja|en]
  register import --tenant ID --file FILE.csv [--mode replace|extend] [--apply]
                (the graduate register, as the console takes it; previewed, written with --apply)
  audit list [--tenant ID] [--event PREFIX] [--request CODE] [--limit N]   (CODE: shown on an error page)
  keys list | keys add | keys promote --kid KID | keys retire --kid KID   (signing keys; running instances take each change within seconds)
  db indexes   (at deploy, before the new version starts: makes the indexes it declares that are missing)
`;

/** The command groups, by the first word of a command line. */
const GROUPS: Record<string, CommandGroup> = {
  tenant: tenantCommands,
  idp: idpCommands,
  federation: federationCommands,
  saml: samlCommands,
  'saml-keys': samlKeyCommands,
  client: clientCommands,
  account: accountCommands,
  staff: staffCommands,
  mail: mailCommands,
  register: registerCommands,
  audit: auditCommands,
  keys: keyCommands,
  db: dbCommands,
};

async function run(group: string, action: string, args: string[], config: Config, database: DatabaseState): Promise<void> {
  const actions = Object.hasOwn(GROUPS, group) ? GROUPS[group] : undefined;
  const command = actions && Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (!command) throw new UsageError(`unknown command "${`${group} ${action}`.trim()}"`);
  await command(args, config, database);
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
  const database = await openDatabase(config, true);
  closeDatabase = database.close;
  await run(group, action ?? '', rest, config, database);
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
  } else if (
    error instanceof OperatorError ||
    error instanceof ConfigError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof StoreUnreachableError
  ) {
    process.stderr.write(`cert-idp: ${error.message}\n`);
    exitCode = 1;
  } else {
    process.stderr.write(`cert-idp: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    exitCode = 1;
  }
} finally {
  await mongoose.disconnect();
  await closeDatabase?.();
}
process.exit(exitCode);
