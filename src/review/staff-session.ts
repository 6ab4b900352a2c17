import { randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Config } from '../config/schema.ts';
import { type Staff, StaffModel, type StaffRole, type StaffSession, StaffSessionModel, staffRoles } from '../db/models/staff.ts';
import { ServiceError } from '../errors.ts';
import { clearCookie, setCookie } from '../http/cookies.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';

const COOKIE = 'staff_session';
const path = (tenantId: string) => `/t/${tenantId}/staff`;
const PENDING_MINUTES = 10;

export async function openStaffSession(ctx: Context, staff: Staff, enrolSecret?: string): Promise<StaffSession> {
  const id = randomBytes(32).toString('base64url');
  const now = Date.now();
  const session = await StaffSessionModel.create({
    _id: id,
    staffId: staff._id.toString(),
    tenantId: staff.tenantId,
    stage: 'pending',
    enrolSecret,
    expiresAt: new Date(now + PENDING_MINUTES * 60_000),
    absoluteExpiresAt: new Date(now + PENDING_MINUTES * 60_000),
  });
  setCookie(ctx, COOKIE, id, { sameSite: 'strict', path: path(staff.tenantId) });
  return session.toObject() as StaffSession;
}

/** This browser's staff session for the tenant, with its staff member, if unexpired. */
export async function readStaffSession(
  ctx: Context,
  tenantId: string,
): Promise<{ session: StaffSession; staff: Staff } | undefined> {
  const id = ctx.cookies.get(COOKIE, { signed: true });
  if (!id) return undefined;
  const session = await StaffSessionModel.findById(id).lean<StaffSession>();
  const now = new Date();
  if (!session || session.tenantId !== tenantId || session.expiresAt <= now || session.absoluteExpiresAt <= now) return undefined;
  const staff = await StaffModel.findById(session.staffId).lean<Staff>();
  if (!staff || staff.disabled || staff.tenantId !== tenantId) return undefined;
  return { session, staff };
}

/** After the second factor: the session becomes active with idle and absolute limits. */
export async function activateStaffSession(session: StaffSession, config: Config): Promise<void> {
  const now = Date.now();
  await StaffSessionModel.updateOne(
    { _id: session._id },
    {
      $set: {
        stage: 'active',
        verifiedAt: new Date(now),
        expiresAt: new Date(now + config.staff.idleMinutes * 60_000),
        absoluteExpiresAt: new Date(now + config.staff.absoluteHours * 3_600_000),
      },
      $unset: { enrolSecret: 1 },
    },
  );
}

export async function closeStaffSession(ctx: Context, tenantId: string): Promise<void> {
  const id = ctx.cookies.get(COOKIE, { signed: true });
  if (id) await StaffSessionModel.deleteOne({ _id: id });
  clearCookie(ctx, COOKIE, { sameSite: 'strict', path: path(tenantId) });
}

/**
 * A console page for staff with one of these roles (issue 26): anyone else of the university gets a
 * page saying the role is missing (403). After requireStaff, on the server, for every console route.
 */
export function requireRole(...roles: StaffRole[]) {
  return async (ctx: Context, next: Next) => {
    const staff = ctx.state.staff as Staff | undefined;
    if (!staff || !staffRoles(staff).some((role) => roles.includes(role))) {
      throw new ServiceError(403, 'staff.forbidden', { detail: `needs ${roles.join(' or ')}` });
    }
    await next();
  };
}

/** Console pages need an active session of this tenant; each request extends the idle limit. */
export function requireStaff(config: Config) {
  return async (ctx: Context, next: Next) => {
    const tenant = tenantOf(ctx);
    const found = await readStaffSession(ctx, tenant._id);
    if (found?.session.stage !== 'active') {
      return seeOther(ctx, `${path(tenant._id)}/login`);
    }
    await StaffSessionModel.updateOne(
      { _id: found.session._id },
      { $set: { expiresAt: new Date(Date.now() + config.staff.idleMinutes * 60_000) } },
    );
    // Roles as they apply (a record from before roles is a reviewer's), for the checks and the staff bar.
    ctx.state.staff = { ...found.staff, roles: staffRoles(found.staff) };
    ctx.state.staffSessionId = found.session._id;
    // Until when console changes need no new proof (src/console/step-up.ts).
    const verifiedAt = found.session.verifiedAt?.getTime() ?? 0;
    ctx.state.staffVerifiedUntil = new Date(verifiedAt + config.staff.stepUpMinutes * 60_000);
    await next();
  };
}
