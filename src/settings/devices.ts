import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { audit } from '../db/audit.ts';
import { findClient } from '../db/lookups.ts';
import { OidcRecordModel } from '../db/models/oidc-record.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { base, type SettingsDeps } from './context.ts';

/** oidc-provider's client as far as back-channel logout goes (its end_session action does the same). */
type BackChannelClient = { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<unknown> };

type SessionPayload = { loginTs?: number; authorizations?: Record<string, { sid?: string }> };

/** The account's live sessions, as stored by oidc-provider (with the browser the write batch noted). */
async function sessionsOf(accountId: string) {
  const now = new Date();
  const records = await OidcRecordModel.find({ kind: 'Session', accountId }).lean();
  return records
    .filter((record) => !record.expiresAt || record.expiresAt > now)
    .map((record) => ({ record, payload: JSON.parse(record.payload) as SessionPayload }));
}

/** Issue 23, item 6: 「ログイン中の端末」 — each session with its browser, times and relying parties. */
export async function showDevices(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const lang = ctx.state.lang;
  const when = (date: Date | undefined) => (date ? formatDateTime(date, lang) : '—');
  const sessions = await sessionsOf(accountOf(ctx)._id.toString());
  const devices = await Promise.all(
    sessions.map(async ({ record, payload }) => {
      const clients = await Promise.all(Object.keys(payload.authorizations ?? {}).map((id) => findClient(id)));
      return {
        id: record._id.slice('Session:'.length),
        device: record.device || '—',
        began: when(payload.loginTs ? new Date(payload.loginTs * 1000) : undefined),
        lastUsed: when(record.seenAt ?? undefined),
        clients: clients.filter((client) => client !== undefined).map((client) => client.name),
        current: record._id === `Session:${ctx.state.sessionId}`,
      };
    }),
  );
  devices.sort((a, b) => Number(b.current) - Number(a.current));
  render(ctx, 'account-devices', { base: base(ctx), devices, errors: {}, ...extra }, status);
}

/**
 * Ends one session of the account: its record goes, so the tokens bound to it (those without
 * offline_access) stop working, and its relying parties with a back-channel logout URI are told.
 * Offline tokens stay: they were given to work without a session.
 */
async function endSession(provider: Provider, logger: Logger, accountId: string, id: string): Promise<boolean> {
  const record = await OidcRecordModel.findOne({ _id: `Session:${id}`, kind: 'Session', accountId }).lean();
  if (!record) return false;
  await OidcRecordModel.deleteOne({ _id: record._id });
  const payload = JSON.parse(record.payload) as SessionPayload;
  for (const [clientId, { sid }] of Object.entries(payload.authorizations ?? {})) {
    const client = (await provider.Client.find(clientId)) as BackChannelClient | undefined;
    if (client?.backchannelLogoutUri && sid) {
      await client
        .backchannelLogout(accountId, sid)
        .catch((error: Error) => logger.warn({ err: error, client: clientId }, 'back-channel logout failed'));
    }
  }
  return true;
}

/** POST …/devices/:id/end: one session (not this one: logging out does that). */
export function endDevice({ provider, logger }: SettingsDeps) {
  return async function endOne(ctx: Context): Promise<void> {
    const accountId = accountOf(ctx)._id.toString();
    const id = String(ctx.params.id ?? '');
    if (id === ctx.state.sessionId || !(await endSession(provider, logger, accountId, id))) return ctx.throw(404);
    await audit(logger, { event: 'account.session_ended', tenant: tenantOf(ctx)._id, account: accountId, ended: 1, ip: ctx.ip });
    await showDevices(ctx, { notice: 'devices.ended' });
  };
}

/** POST …/devices/end-others: every session but this one. */
export function endOtherDevices({ provider, logger }: SettingsDeps) {
  return async function endOthers(ctx: Context): Promise<void> {
    const accountId = accountOf(ctx)._id.toString();
    let ended = 0;
    for (const { record } of await sessionsOf(accountId)) {
      const id = record._id.slice('Session:'.length);
      if (id !== ctx.state.sessionId && (await endSession(provider, logger, accountId, id))) ended++;
    }
    await audit(logger, { event: 'account.session_ended', tenant: tenantOf(ctx)._id, account: accountId, ended, ip: ctx.ip });
    await showDevices(ctx, { notice: 'devices.endedOthers' });
  };
}
