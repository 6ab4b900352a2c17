import type { Context } from 'koa';
import { accountSearch } from '../admin/account-search.ts';
import { listPasskeys } from '../credentials/passkeys.ts';
import { readAudit } from '../db/audit.ts';
import { findAccounts } from '../db/identities.ts';
import { findClient } from '../db/lookups.ts';
import { clientName } from '../db/models/client.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatZonedDateTime, type Lang } from '../i18n/index.ts';
import { accountSessions } from '../oidc/sessions.ts';
import { base } from '../review/context.ts';
import { ACCOUNT_ACTIONS, accountOfPath } from './account-actions.ts';
import { renderConsole } from './page.ts';

const RESULTS = 50;
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
  const sessions = await accountSessions(accountId);
  return Promise.all(
    sessions.map(async ({ device, seenAt, payload }) => ({
      device: device || '—',
      began: payload.loginTs ? formatZonedDateTime(payload.loginTs * 1000, lang) : '—',
      lastUsed: seenAt ? formatZonedDateTime(seenAt, lang) : '—',
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
      lastLogin: account.lastLoginAt ? formatZonedDateTime(account.lastLoginAt, lang) : '',
      disabledAt: account.disabledAt ? formatZonedDateTime(account.disabledAt, lang) : '',
      sessions,
      passkeys: passkeys.map((p) => ({ name: p.name, created: formatZonedDateTime(p.createdAt, lang) })),
      recent: recent.map((e) => ({ at: formatZonedDateTime(e.at, lang), event: e.event, ip: e.ip ?? '' })),
      actions: Object.keys(ACCOUNT_ACTIONS).filter((name) => ACCOUNT_ACTIONS[name]?.offered(account, tenant)),
      done,
      // A refused action's form (CSRF, step-up, a missing reason) is the one posted to.
      action: ctx.method === 'POST' ? (ctx.params.action ?? '') : '',
    },
    extra,
    status,
  );
}
