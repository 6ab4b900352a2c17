import type { Context } from 'koa';
import { listPasskeys } from '../credentials/passkeys.ts';
import { readAudit } from '../db/audit.ts';
import { findAccounts } from '../db/identities.ts';
import { findClient } from '../db/lookups.ts';
import { clientName } from '../db/models/client.ts';
import { escapeRegex } from '../db/regex.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime, type Lang } from '../i18n/index.ts';
import { accountSessions } from '../oidc/sessions.ts';
import { base } from '../review/context.ts';
import { typedDay } from '../text/typed-date.ts';
import { ACCOUNT_ACTIONS, accountOfPath } from './account-actions.ts';
import { renderConsole } from './page.ts';

const RESULTS = 50;
const SCRIPTS = ['kanji', 'kana', 'roman'] as const;

/** Hiragana as katakana (the kana name is stored in katakana; people type either). */
const katakana = (text: string) => text.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

/** One name condition for each script: the kana one in katakana, the roman one in any case. */
function nameConditions(family: string, given: string | undefined): Array<Record<string, unknown>> {
  return SCRIPTS.map((script) => {
    const exact = (value: string) =>
      script === 'roman' ? { $regex: `^${escapeRegex(value)}$`, $options: 'i' } : script === 'kana' ? katakana(value) : value;
    return given === undefined
      ? { $or: [{ [`name.${script}.family`]: exact(family) }, { [`name.${script}.given`]: exact(family) }] }
      : { [`name.${script}.family`]: exact(family), [`name.${script}.given`]: exact(given) };
  });
}

/**
 * What a helpdesk member types, as conditions on the university's accounts: a mail address (or its
 * beginning), a student ID, a birth date in the forms people type, or a name in any of its three
 * scripts, with or without the space between family and given name, in full or half width.
 */
export function accountSearch(typed: string): Array<Record<string, unknown>> | undefined {
  const text = typed.normalize('NFKC').trim().slice(0, 100);
  if (!text) return undefined;
  const anyOf: Array<Record<string, unknown>> = [
    { email: { $regex: `^${escapeRegex(text.toLowerCase())}` } },
    { 'studentIds.number': text },
  ];
  const date = typedDay(text);
  if (date) anyOf.push({ birthdate: date });
  const words = text.split(/\s+/);
  if (words.length === 2) anyOf.push(...nameConditions(words[0] as string, words[1]));
  if (words.length === 1) {
    anyOf.push(...nameConditions(text, undefined));
    // Without the space: every place it could have stood.
    const letters = [...text].slice(0, 20);
    for (let at = 1; at < letters.length; at++) {
      anyOf.push(...nameConditions(letters.slice(0, at).join(''), letters.slice(at).join('')));
    }
  }
  return anyOf;
}

/** GET /t/:tenant/staff/accounts: the helpdesk's search of the university's accounts. */
export async function showAccountSearch(ctx: Context): Promise<void> {
  const q = typeof ctx.query.q === 'string' ? ctx.query.q : '';
  const anyOf = accountSearch(q);
  const accounts = anyOf ? await findAccounts(tenantOf(ctx)._id, anyOf, RESULTS) : [];
  render(ctx, 'console-accounts', {
    base: base(ctx),
    staff: ctx.state.staff,
    q,
    searched: Boolean(anyOf),
    accounts,
    limit: RESULTS,
  });
}

/** The live sessions of an account as the helpdesk sees them: device, times and relying parties, no ids. */
async function sessionsOf(accountId: string, lang: Lang) {
  const sessions = await accountSessions(accountId, true);
  return Promise.all(
    sessions.map(async ({ record, payload }) => ({
      device: record.device || '—',
      began: payload.loginTs ? formatDateTime(payload.loginTs * 1000, lang) : '—',
      lastUsed: record.seenAt ? formatDateTime(record.seenAt, lang) : '—',
      clients: (await Promise.all(Object.keys(payload.authorizations ?? {}).map((id) => findClient(id))))
        .filter((client) => client !== undefined)
        .map((client) => clientName(client, lang)),
    })),
  );
}

/**
 * GET /t/:tenant/staff/accounts/:id: one account as the helpdesk sees it — never a secret — with its
 * sessions, passkeys (names), recent audit entries and the actions it allows; `extra` is what a
 * refused action left (src/console/account-actions.ts).
 */
export async function showAccount(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const tenant = tenantOf(ctx);
  const account = await accountOfPath(ctx);
  const id = account._id.toString();
  const lang = ctx.state.lang;
  const [recent, sessions, passkeys] = await Promise.all([
    readAudit({ tenantId: tenant._id, accountId: id }, 20),
    sessionsOf(id, lang),
    listPasskeys(id),
  ]);
  const done = typeof ctx.query.done === 'string' && Object.hasOwn(ACCOUNT_ACTIONS, ctx.query.done) ? ctx.query.done : '';
  renderConsole(
    ctx,
    'console-account',
    `/accounts/${id}`,
    {
      account,
      lastLogin: account.lastLoginAt ? formatDateTime(account.lastLoginAt, lang) : '',
      disabledAt: account.disabledAt ? formatDateTime(account.disabledAt, lang) : '',
      sessions,
      passkeys: passkeys.map((p) => ({ name: p.name, created: formatDateTime(p.createdAt, lang) })),
      recent: recent.map((e) => ({ at: formatDateTime(e.at, lang), event: e.event, ip: e.ip ?? '' })),
      actions: Object.keys(ACCOUNT_ACTIONS).filter((name) => ACCOUNT_ACTIONS[name]?.offered(account, tenant)),
      done,
      // A refused action's form (CSRF, step-up, a missing reason) is the one posted to.
      action: ctx.method === 'POST' ? (ctx.params.action ?? '') : '',
    },
    extra,
    status,
  );
}
