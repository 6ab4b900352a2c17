import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { type ApplicationDraft, ApplicationDraftModel } from '../db/models/application-draft.ts';
import { clearCookie, setCookie } from '../http/cookies.ts';

const COOKIE = 'apply_flow';
const cookiePath = (tenantId: string) => `/t/${tenantId}/apply`;

/** Starts a draft and binds it to this browser with a signed cookie scoped to the tenant's apply pages. */
export async function startDraft(ctx: Context, draft: Omit<ApplicationDraft, '_id' | 'expiresAt' | 'checked'>, minutes: number) {
  const id = randomBytes(24).toString('base64url');
  await ApplicationDraftModel.create({ _id: id, ...draft, expiresAt: new Date(Date.now() + minutes * 60_000) });
  setCookie(ctx, COOKIE, id, { path: cookiePath(draft.tenantId) });
  return id;
}

/** This browser's unexpired draft for the tenant, if any. */
export async function currentDraft(ctx: Context, tenantId: string): Promise<ApplicationDraft | undefined> {
  const id = ctx.cookies.get(COOKIE, { signed: true });
  if (!id) return undefined;
  const draft = await ApplicationDraftModel.findById(id).lean<ApplicationDraft>();
  if (!draft || draft.tenantId !== tenantId || draft.expiresAt <= new Date()) return undefined;
  return draft;
}

export function endDraft(ctx: Context, tenantId: string): void {
  clearCookie(ctx, COOKIE, { path: cookiePath(tenantId) });
}
