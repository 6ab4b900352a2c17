import type { Context } from 'koa';
import mongoose from 'mongoose';
import { APPLICATION_STATUSES, type Application, ApplicationModel } from '../db/models/application.ts';
import { staffOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { base } from './context.ts';
import { reviewNumbers } from './numbers.ts';
import { currentSummary, type MatchSummary } from './register-match.ts';
import { undoableDecision } from './undo.ts';

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
  const allMatch = status === 'pending' && ctx.query.match === 'match';
  const applications: Array<Application & { match?: MatchSummary }> = [];
  for (const application of found) {
    const match = status === 'pending' ? await currentSummary(tenant, application) : undefined;
    if (!allMatch || match === 'match') applications.push({ ...application, match });
  }
  const register = status === 'pending' && Boolean(tenant.registerUpdatedAt);
  render(ctx, 'staff-queue', {
    base: base(ctx),
    applications,
    status,
    statuses: APPLICATION_STATUSES,
    staff: ctx.state.staff,
    register,
    allMatch,
    decided: await decidedNotice(ctx),
    numbers: await reviewNumbers(tenant._id),
  });
}

/** After a decision (`?decided=<id>`): what was decided, and whether its mail is still held (an undo button) or sent. */
async function decidedNotice(ctx: Context) {
  const id = typeof ctx.query.decided === 'string' ? ctx.query.decided : '';
  if (!mongoose.isValidObjectId(id)) return undefined;
  const application = await ApplicationModel.findOne({ _id: id, tenantId: tenantOf(ctx)._id }, { images: 0 }).lean<Application>();
  const last = application?.decisions.at(-1);
  if (!application || !last || application.status === 'pending') return undefined;
  const held = undoableDecision(application, staffOf(ctx));
  const values = application.values as Record<string, string>;
  return {
    id,
    action: last.action,
    name: values.nameKanji || values.schoolNameKanji || application.email,
    seconds: held?.undoUntil ? Math.max(1, Math.round((held.undoUntil.getTime() - Date.now()) / 1000)) : 0,
  };
}
