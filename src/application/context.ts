import type { Context } from 'koa';
import { addressInUse } from '../db/identities.ts';
import type { Tenant } from '../db/models/tenant.ts';
import { tenantOf } from '../http/state.ts';
import { tenantLoginUrl } from '../http/tenant.ts';
import { render } from '../http/views.ts';
import { type LinkProblem, showLinkProblem, type TokenCheck } from '../security/one-time-token.ts';

/** Where the journey lives: /t/:tenant/apply. */
export const base = (tenant: Tenant) => `/t/${tenant._id}/apply`;

/** A link that is unknown, expired or used, or a draft that expired: say so and offer a fresh start. */
export const problem = (ctx: Context, reason: LinkProblem) => showLinkProblem(ctx, reason, base(tenantOf(ctx)));

/** A link that cannot be used; once its address has an account (approved meanwhile), the way is to log in. */
export async function linkProblem(ctx: Context, check: Extract<TokenCheck, { ok: false }>, issuer: string): Promise<void> {
  const tenant = tenantOf(ctx);
  if (check.reason !== 'invalid' && (await addressInUse(tenant._id, check.email))) {
    return render(ctx, 'apply-problem', { reason: 'registered', startUrl: tenantLoginUrl(tenant, issuer) }, 410);
  }
  problem(ctx, check.reason);
}
