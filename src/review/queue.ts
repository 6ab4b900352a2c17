import type { Context } from 'koa';
import { APPLICATION_STATUSES, type Application, ApplicationModel } from '../db/models/application.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { base } from './context.ts';
import { currentSummary, type MatchSummary } from './register-match.ts';

/**
 * The queue: applications of one status (pending by default), oldest first. Pending ones carry how
 * they compare with the register, and `?match=match` keeps those whose items all match (issue 27
 * item 2): a reviewer approves them quickly, still one by one.
 */
export async function showQueue(ctx: Context): Promise<void> {
  const requested = String(ctx.query.status ?? 'pending');
  const status = APPLICATION_STATUSES.find((s) => s === requested) ?? 'pending';
  const tenant = tenantOf(ctx);
  const found = await ApplicationModel.find({ tenantId: tenant._id, status }, { images: 0 })
    .sort({ submittedAt: 1 })
    .limit(200)
    .lean<Application[]>();
  const summaries: Array<MatchSummary | undefined> = [];
  for (const application of found) summaries.push(status === 'pending' ? await currentSummary(tenant, application) : undefined);
  const allMatch = status === 'pending' && ctx.query.match === 'match';
  const applications = found
    .map((application, i) => ({ ...application, match: summaries[i] }))
    .filter((application) => !allMatch || application.match === 'match');
  const register = status === 'pending' && Boolean(tenant.registerUpdatedAt);
  render(ctx, 'staff-queue', {
    base: base(ctx),
    applications,
    status,
    statuses: APPLICATION_STATUSES,
    staff: ctx.state.staff,
    register,
    allMatch,
  });
}
