import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { type ApplicationFlow, ApplicationFlowModel } from '../db/models/application-flow.ts';
import { clearCookie, setCookie } from '../http/cookies.ts';

const COOKIE = 'apply_flow';
const cookiePath = (tenantId: string) => `/t/${tenantId}/apply`;

/** Starts a flow and binds it to this browser with a signed cookie scoped to the tenant's apply pages. */
export async function startFlow(ctx: Context, flow: Omit<ApplicationFlow, '_id' | 'expiresAt' | 'checked'>, minutes: number) {
  const id = randomBytes(24).toString('base64url');
  await ApplicationFlowModel.create({ _id: id, ...flow, expiresAt: new Date(Date.now() + minutes * 60_000) });
  setCookie(ctx, COOKIE, id, { path: cookiePath(flow.tenantId) });
  return id;
}

/** This browser's unexpired flow for the tenant, if any. */
export async function currentFlow(ctx: Context, tenantId: string): Promise<ApplicationFlow | undefined> {
  const id = ctx.cookies.get(COOKIE, { signed: true });
  if (!id) return undefined;
  const flow = await ApplicationFlowModel.findById(id).lean<ApplicationFlow>();
  if (!flow || flow.tenantId !== tenantId || flow.expiresAt <= new Date()) return undefined;
  return flow;
}

export function endFlow(ctx: Context, tenantId: string): void {
  clearCookie(ctx, COOKIE, { path: cookiePath(tenantId) });
}
