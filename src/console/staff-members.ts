import type { Context } from 'koa';
import mongoose from 'mongoose';
import { AddressTaken } from '../admin/errors.ts';
import { changeStaff, findStaffMember, inviteStaff, listStaff, resetSecondFactor, sendStaffInvitation } from '../admin/staff.ts';
import { passkeyRows } from '../credentials/passkeys.ts';
import { audit } from '../db/audit.ts';
import { STAFF_ROLES, type Staff, type StaffRole, staffRoles } from '../db/models/staff.ts';
import { formField, mailAddressField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

/** The roles ticked on a form (one checkbox per role: `role-admin=on`). */
const tickedRoles = (ctx: Context): StaffRole[] => STAFF_ROLES.filter((role) => formField(ctx, `role-${role}`) === 'on');

const me = (ctx: Context) => (ctx.state.staff as Staff)._id.toString();

/** GET /t/:tenant/staff/members (admins): the university's staff, and a form to invite one. */
export async function showMembers(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const members = await listStaff(tenantOf(ctx)._id);
  const done = ctx.query.done === 'invited' ? 'invited' : '';
  const rows = members.map((m) => ({ ...m, roles: staffRoles(m), invited: Boolean(m.invitedAt) }));
  renderConsole(ctx, 'console-members', '/members', { members: rows, roles: STAFF_ROLES, done }, extra, status);
}

/** The invitation mail, in the page's language. */
const mailInvitation = (deps: PageDeps, ctx: Context, member: { id: string; email: string }) =>
  sendStaffInvitation(deps.config.issuer, { tenantId: tenantOf(ctx)._id, ...member }, ctx.state.lang);

/** POST …/members/invite: name, address and at least one role; the mail goes out in the page's language. */
export function inviteMember(deps: PageDeps) {
  return async function invite(ctx: Context): Promise<void> {
    const tenantId = tenantOf(ctx)._id;
    const name = formField(ctx, 'name', 100).trim();
    const typed = formField(ctx, 'email');
    const roles = tickedRoles(ctx);
    const errors: FieldErrors = {};
    if (!name) errors.name = message('form.required', { field: message('console.members.name') });
    const { address, error } = mailAddressField(typed, 'console.members.email');
    if (error) errors.email = error;
    if (!roles.length) errors.roles = message('console.members.rolesRequired');
    const values = { name, email: typed, roles };
    if (Object.keys(errors).length || !address) return showMembers(ctx, { values, errors }, 400);
    let id: string;
    try {
      id = await inviteStaff({ tenantId, email: address, name, roles });
    } catch (failure) {
      if (!(failure instanceof AddressTaken)) throw failure;
      return showMembers(ctx, { values, errors: { email: message('console.members.taken') } }, 409);
    }
    await mailInvitation(deps, ctx, { id, email: address });
    await audit(deps.logger, {
      event: 'staff.invited',
      tenant: tenantId,
      staff: me(ctx),
      member: id,
      roles: roles.join(','),
      ip: ctx.ip,
    });
    go(ctx, '/members?done=invited');
  };
}

/** The member a path names: this university's, by id; 404 for anything else. */
async function memberOfPath(ctx: Context): Promise<Staff> {
  const id = ctx.params.id ?? '';
  const member = mongoose.isValidObjectId(id) ? await findStaffMember(tenantOf(ctx)._id, id) : null;
  return member ?? ctx.throw(404);
}

/** GET …/members/:id: one member, their roles, passkeys (names) and what an admin may do. */
export async function showMember(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const member = await memberOfPath(ctx);
  const id = member._id.toString();
  const done = typeof ctx.query.done === 'string' && Object.hasOwn(MEMBER_ACTIONS, ctx.query.done) ? ctx.query.done : '';
  renderConsole(
    ctx,
    'console-member',
    `/members/${id}`,
    {
      member: { ...member, roles: staffRoles(member) },
      self: id === me(ctx),
      passkeys: await passkeyRows(id, ctx.state.lang),
      roles: STAFF_ROLES,
      done,
      action: ctx.method === 'POST' ? (ctx.params.action ?? '') : '',
    },
    extra,
    status,
  );
}

type MemberAction = (deps: PageDeps, ctx: Context, member: Staff) => Promise<Record<string, string | number>>;

/** What an admin does to another member; each returns the audit detail (before and after). */
const MEMBER_ACTIONS: Record<string, MemberAction> = {
  async roles(_deps, ctx, member) {
    const roles = tickedRoles(ctx);
    await changeStaff(member.tenantId, member._id.toString(), { roles });
    return { before: staffRoles(member).join(','), after: roles.join(',') };
  },
  async disable(_deps, _ctx, member) {
    await changeStaff(member.tenantId, member._id.toString(), { disabled: true });
    return { before: 'active', after: 'disabled' };
  },
  async enable(_deps, _ctx, member) {
    await changeStaff(member.tenantId, member._id.toString(), { disabled: false });
    return { before: 'disabled', after: 'active' };
  },
  async 'reset-factor'(_deps, _ctx, member) {
    const passkeysRemoved = (await resetSecondFactor(member.tenantId, member._id.toString())) ?? 0;
    return { totp: 'removed', passkeysRemoved };
  },
  async resend(deps, ctx, member) {
    await mailInvitation(deps, ctx, { id: member._id.toString(), email: member.email });
    return { mail: 'staffInvite' };
  },
};

/**
 * POST …/members/:id/:action (admins, after a recent sign-in): never on oneself — an admin cannot
 * lock themselves out or raise their own roles; another admin does it. Audited as staff.<action>.
 */
export function memberAction(deps: PageDeps) {
  return async function changeMember(ctx: Context): Promise<void> {
    const name = ctx.params.action ?? '';
    const action = Object.hasOwn(MEMBER_ACTIONS, name) ? MEMBER_ACTIONS[name] : undefined;
    if (!action) return ctx.throw(404);
    const member = await memberOfPath(ctx);
    if (member._id.toString() === me(ctx)) {
      return showMember(ctx, { formError: message('console.members.notYourself') }, 409);
    }
    if (name === 'roles' && !tickedRoles(ctx).length) {
      const errors = { roles: message('console.members.rolesRequired') };
      return showMember(ctx, { errors, formError: message('form.errorSummary') }, 400);
    }
    const outcome = await action(deps, ctx, member);
    const event = `staff.${name.replace('-', '_')}`;
    await audit(deps.logger, {
      event,
      tenant: member.tenantId,
      staff: me(ctx),
      member: member._id.toString(),
      ...outcome,
      ip: ctx.ip,
    });
    go(ctx, `/members/${member._id}?done=${name}`);
  };
}
