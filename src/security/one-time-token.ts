import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { claimOnce } from '../db/claim.ts';
import { type OneTimeToken, OneTimeTokenModel } from '../db/models/one-time-token.ts';
import { render } from '../http/views.ts';
import type { Lang } from '../i18n/index.ts';

export type TokenPurpose =
  | 'apply'
  | 'resubmit'
  | 'password-reset'
  | 'second-password-reset'
  | 'email-change'
  | 'student-mail'
  | 'student-id'
  | 'staff-invite';

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Issues a one-time URL token (256 random bits); only its hash is stored. */
export async function issueToken(options: {
  purpose: TokenPurpose;
  tenantId: string;
  email: string;
  lang: Lang;
  ttlMinutes: number;
  ref?: string;
  interaction?: string;
}): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await OneTimeTokenModel.create({
    _id: hash(token),
    purpose: options.purpose,
    tenantId: options.tenantId,
    email: options.email,
    lang: options.lang,
    ref: options.ref,
    interaction: options.interaction,
    expiresAt: new Date(Date.now() + options.ttlMinutes * 60_000),
  });
  return token;
}

/** Every unused token issued for `ref` (an application sent back, then undone) stops working. */
export async function revokeTokens(purpose: TokenPurpose, tenantId: string, ref: string): Promise<void> {
  await OneTimeTokenModel.deleteMany({ purpose, tenantId, ref });
}

/** A token that cannot be used; a used or expired one still tells whose address it was for. */
export type TokenCheck =
  | { ok: true; token: OneTimeToken }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'expired' | 'used'; email: string };

/**
 * Reads a token without using it, so that a mail scanner opening the link does not spend it; the
 * page it shows posts back to `consumeToken`.
 */
export async function checkToken(token: string, purpose: TokenPurpose, tenantId: string): Promise<TokenCheck> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: 'invalid' };
  const record = await OneTimeTokenModel.findById(hash(token)).lean<OneTimeToken>();
  if (!record || record.purpose !== purpose || record.tenantId !== tenantId) return { ok: false, reason: 'invalid' };
  if (record.consumedAt) return { ok: false, reason: 'used', email: record.email };
  if (record.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired', email: record.email };
  return { ok: true, token: record };
}

/** Uses a token: exactly one caller wins, even when two requests race. */
export async function consumeToken(token: string, purpose: TokenPurpose, tenantId: string): Promise<TokenCheck> {
  const check = await checkToken(token, purpose, tenantId);
  if (!check.ok) return check;
  const keepMs = Math.max(check.token.expiresAt.getTime() - Date.now(), 0) + 86_400_000;
  if (!(await claimOnce(`token:${hash(token)}`, keepMs))) return { ok: false, reason: 'used', email: check.token.email };
  await OneTimeTokenModel.updateOne({ _id: hash(token) }, { $set: { consumedAt: new Date() } });
  return check;
}

export type LinkProblem = Extract<TokenCheck, { ok: false }>['reason'] | 'noFlow';

/**
 * The page for a link that cannot be used (unknown: 404; expired, used, or a draft that timed out:
 * 410), saying which and offering `startUrl` to begin again.
 */
export function showLinkProblem(ctx: Context, reason: LinkProblem, startUrl: string): void {
  render(ctx, 'apply-problem', { reason, startUrl }, reason === 'invalid' ? 404 : 410);
}
