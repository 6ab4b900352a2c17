import type Router from '@koa/router';
import type { Context } from 'koa';
import { findTenant } from '../db/lookups.ts';
import { type Tenant, tenantBranding } from '../db/models/tenant.ts';
import { setCookie } from './cookies.ts';

/** Sets the university of a page (and its branding); false when there is none of that id. */
export async function useTenant(ctx: Context, id: string): Promise<boolean> {
  const tenant = /^[a-z0-9-]{2,63}$/.test(id) ? await findTenant(id) : undefined;
  if (!tenant) return false;
  ctx.state.tenant = tenant;
  ctx.state.branding = tenantBranding(tenant, ctx.state.lang);
  return true;
}

/** The signed cookie naming the university of this browser's last login page. */
const LAST_UNIVERSITY = 'last_university';

/** Remembers the university of a login page, so a page after the login expired is still its (issue 28 item 4). */
export function rememberUniversity(ctx: Context, tenantId: string): void {
  if (lastUniversity(ctx) !== tenantId) setCookie(ctx, LAST_UNIVERSITY, tenantId, { maxAge: 30 * 86_400_000 });
}

/** The university of this browser's last login page, if any. */
export const lastUniversity = (ctx: Context): string | undefined => ctx.cookies.get(LAST_UNIVERSITY, { signed: true });

/** Pages under /t/:tenant know their university: unknown ones are a 404, known ones are branded. */
export function loadTenantParam(router: Router): void {
  router.param('tenant', async (id, ctx, next) => ((await useTenant(ctx, id)) ? next() : ctx.throw(404)));
}

/** Where a person of this university logs in: its own login URL (the certificate front end) when it has one. */
export function tenantLoginUrl(tenant: Tenant, issuer: string): string {
  return tenant.loginUrl || `${issuer}/t/${tenant._id}/login`;
}
