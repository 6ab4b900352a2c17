import type { Context } from 'koa';
import { findStaffMember, setInvitedPassword } from '../admin/staff.ts';
import { newStaffPasswordErrors } from '../credentials/password-setting.ts';
import { audit } from '../db/audit.ts';
import type { Staff } from '../db/models/staff.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { PageDeps } from '../page-deps.ts';
import { base, go } from '../review/context.ts';
import { openStaffSession } from '../review/staff-session.ts';
import { newTotpSecret } from '../review/totp.ts';
import { checkToken, consumeToken, showLinkProblem } from '../security/one-time-token.ts';

/** The invited member of a link, while both the link and the invitation are open. */
async function invitedMember(ctx: Context, use: typeof checkToken): Promise<Staff | undefined> {
  const tenantId = tenantOf(ctx)._id;
  const check = await use(String(ctx.params.token ?? ''), 'staff-invite', tenantId);
  if (!check.ok) {
    showLinkProblem(ctx, check.reason, `${base(ctx)}/login`);
    return undefined;
  }
  const member = await findStaffMember(tenantId, check.token.ref ?? '');
  if (!member?.invitedAt || member.disabled) {
    showLinkProblem(ctx, 'used', `${base(ctx)}/login`);
    return undefined;
  }
  return member;
}

/** GET /t/:tenant/staff/invite/:token: whom the invitation is for, and their new password twice. */
export async function showInvitation(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const member = await invitedMember(ctx, checkToken);
  if (!member) return;
  const page = { action: `${base(ctx)}/invite/${ctx.params.token}`, member: { name: member.name, email: member.email } };
  render(ctx, 'staff-invite', { ...page, errors: {}, ...extra }, status);
}

/**
 * POST …/invite/:token: the password set (checked before the link is spent, so a refused password
 * leaves the link usable), then straight on to enrolling an authenticator, as at any first sign-in.
 */
export function acceptInvitation({ hasher, logger }: PageDeps) {
  return async function setStaffPassword(ctx: Context): Promise<void> {
    const input = { password: formField(ctx, 'password', 128), passwordConfirm: formField(ctx, 'passwordConfirm', 128) };
    const preview = await invitedMember(ctx, checkToken);
    if (!preview) return;
    const errors = await newStaffPasswordErrors(input, preview.email);
    if (Object.keys(errors).length) return showInvitation(ctx, { errors }, 400);
    const member = await invitedMember(ctx, consumeToken);
    if (!member) return;
    if (!(await setInvitedPassword(member.tenantId, member._id.toString(), await hasher.hash(input.password)))) {
      return showLinkProblem(ctx, 'used', `${base(ctx)}/login`);
    }
    await audit(logger, {
      event: 'staff.invitation_accepted',
      tenant: member.tenantId,
      staff: member._id.toString(),
      ip: ctx.ip,
    });
    await openStaffSession(ctx, member, newTotpSecret());
    go(ctx, '/enrol');
  };
}
