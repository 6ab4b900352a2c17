import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { OidcRecordModel } from '../db/models/oidc-record.ts';

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

/**
 * Ends every other login session of an account, with the grants and tokens given in them (after a
 * password or second password change, or a reset). `keep` is the session id to leave alone.
 */
export async function endOtherSessions(accountId: string, keep?: string): Promise<number> {
  const sessions = await OidcRecordModel.find({ kind: 'Session', accountId }).lean();
  let ended = 0;
  for (const record of sessions) {
    if (keep && record._id === `Session:${keep}`) continue;
    const payload = JSON.parse(record.payload) as { authorizations?: Record<string, { grantId?: string }> };
    for (const { grantId } of Object.values(payload.authorizations ?? {})) {
      if (grantId) await OidcRecordModel.deleteMany({ grantId });
    }
    await OidcRecordModel.deleteOne({ _id: record._id });
    ended++;
  }
  return ended;
}
