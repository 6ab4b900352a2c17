import type { Context } from 'koa';
import { APPLICATION_STATUSES, type Application, ApplicationModel } from '../db/models/application.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { base } from './context.ts';

/** The queue: applications of one status (pending by default), oldest first. */
export async function showQueue(ctx: Context): Promise<void> {
  const requested = String(ctx.query.status ?? 'pending');
  const status = APPLICATION_STATUSES.find((s) => s === requested) ?? 'pending';
  const applications = await ApplicationModel.find({ tenantId: tenantOf(ctx)._id, status }, { images: 0 })
    .sort({ submittedAt: 1 })
    .limit(200)
    .lean<Application[]>();
  render(ctx, 'staff-queue', { base: base(ctx), applications, status, statuses: APPLICATION_STATUSES, staff: ctx.state.staff });
}
