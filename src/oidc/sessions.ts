import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { accountRecords, deleteRecord, readRecord, revokeGrant } from './records.ts';

/**
 * Seconds a session may live from now: the idle limit, but never past the absolute lifetime
 * counted from the login (the manuals: "you are logged out automatically after a period without
 * operation").
 */
export function sessionTtl(config: Config, loginTs: number | undefined, now = Date.now() / 1000): number {
  const idle = config.session.idleMinutes * 60;
  if (!loginTs) return idle;
  const left = Math.floor(loginTs + config.ttl.sessionSeconds - now);
  return Math.max(1, Math.min(idle, left));
}

/** The browser's login session, extended by this activity; undefined when there is none or it ended. */
export async function activeSession(ctx: Context, provider: Provider, config: Config) {
  const session = await provider.Session.get(ctx as never);
  if (!session.accountId) return undefined;
  const ttl = sessionTtl(config, session.loginTs);
  if (ttl <= 1) return undefined;
  await session.save(ttl);
  return session;
}

/** What of oidc-provider's stored session the account pages read. */
interface SessionPayload {
  loginTs?: number;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

/** An account's live sessions, each with its id (the cookie's jti), payload, browser and last use. */
export async function accountSessions(accountId: string) {
  return (await accountRecords('Session', accountId)).map((record) => ({
    ...record,
    payload: record.payload as SessionPayload,
  }));
}

/**
 * Ends every other login session of an account, with the grants and tokens given in them (after a
 * password or second password change, or a reset). `keep` is the session id to leave alone.
 */
export async function endOtherSessions(accountId: string, keep?: string): Promise<number> {
  let ended = 0;
  for (const { id, payload } of await accountSessions(accountId)) {
    if (keep && id === keep) continue;
    for (const { grantId } of Object.values(payload.authorizations ?? {})) {
      if (grantId) await revokeGrant(grantId);
    }
    if (await deleteRecord('Session', id)) ended++;
  }
  return ended;
}

/** oidc-provider's client as far as back-channel logout goes (its end_session action does the same). */
type BackChannelClient = { backchannelLogoutUri?: string; backchannelLogout(sub: string, sid: string): Promise<unknown> };

/**
 * Ends one session of the account (the signed-in devices page): its record goes, so the tokens bound
 * to it (those without offline_access) stop working, and its relying parties with a back-channel
 * logout URI are told. Offline tokens stay: they were given to work without a session. Unlike
 * endOtherSessions, grants are kept. False when the account has no such session.
 */
export async function endSession(provider: Provider, logger: Logger, accountId: string, id: string): Promise<boolean> {
  const record = await readRecord('Session', id);
  if (record?.payload.accountId !== accountId || !(await deleteRecord('Session', id))) return false;
  const payload = record.payload as SessionPayload;
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

/**
 * Ends every session of the account, telling each relying party with a back-channel logout URI, and
 * revokes every grant with its tokens, offline ones too (the university's helpdesk: a stolen account,
 * a stopped one). Returns the number of sessions ended.
 */
export async function endEverySession(provider: Provider, logger: Logger, accountId: string): Promise<number> {
  let ended = 0;
  for (const { id } of await accountSessions(accountId)) {
    if (await endSession(provider, logger, accountId, id)) ended++;
  }
  for (const grant of await accountRecords('Grant', accountId)) await revokeGrant(grant.id, true);
  return ended;
}
