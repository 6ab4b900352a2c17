import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { findClient } from '../db/lookups.ts';
import { clientName } from '../db/models/client.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime } from '../i18n/index.ts';
import { accountSessions, endSession } from '../oidc/sessions.ts';
import type { PageDeps } from '../page-deps.ts';
import { base } from './context.ts';

/** Issue 23, item 6: 「ログイン中の端末」 — each session with its browser, times and relying parties. */
export async function showDevices(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const lang = ctx.state.lang;
  const when = (date: Date | undefined) => (date ? formatDateTime(date, lang) : '—');
  const sessions = await accountSessions(accountOf(ctx)._id.toString());
  const devices = await Promise.all(
    sessions.map(async ({ id, device, seenAt, payload }) => {
      const clients = await Promise.all(Object.keys(payload.authorizations ?? {}).map((clientId) => findClient(clientId)));
      return {
        id,
        device: device || '—',
        began: when(payload.loginTs ? new Date(payload.loginTs * 1000) : undefined),
        lastUsed: when(seenAt),
        clients: clients.filter((client) => client !== undefined).map((client) => clientName(client, lang)),
        current: id === ctx.state.sessionId,
      };
    }),
  );
  devices.sort((a, b) => Number(b.current) - Number(a.current));
  render(ctx, 'account-devices', { base: base(ctx), devices, errors: {}, ...extra }, status);
}

/** POST …/devices/:id/end: one session (not this one: logging out does that). */
export function endDevice({ provider, logger }: PageDeps) {
  return async function endOne(ctx: Context): Promise<void> {
    const accountId = accountOf(ctx)._id.toString();
    const id = String(ctx.params.id ?? '');
    if (id === ctx.state.sessionId || !(await endSession(provider, logger, accountId, id))) return ctx.throw(404);
    await audit(logger, { event: 'account.session_ended', tenant: tenantOf(ctx)._id, account: accountId, ended: 1, ip: ctx.ip });
    await showDevices(ctx, { notice: 'devices.ended' });
  };
}

/** POST …/devices/end-others: every session but this one. */
export function endOtherDevices({ provider, logger }: PageDeps) {
  return async function endOthers(ctx: Context): Promise<void> {
    const accountId = accountOf(ctx)._id.toString();
    let ended = 0;
    for (const { id } of await accountSessions(accountId)) {
      if (id !== ctx.state.sessionId && (await endSession(provider, logger, accountId, id))) ended++;
    }
    await audit(logger, { event: 'account.session_ended', tenant: tenantOf(ctx)._id, account: accountId, ended, ip: ctx.ip });
    await showDevices(ctx, { notice: 'devices.endedOthers' });
  };
}
