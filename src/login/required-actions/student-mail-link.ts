import Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../../db/audit.ts';
import { isDuplicateKey } from '../../db/duplicate-key.ts';
import { changeAddress } from '../../db/identities.ts';
import { ServiceError } from '../../errors.ts';
import { tenantOf } from '../../http/state.ts';
import { render } from '../../http/views.ts';
import type { Logger } from '../../log.ts';
import { formPost } from '../../security/csrf.ts';
import { checkToken, consumeToken, showLinkProblem } from '../../security/one-time-token.ts';

const start = (ctx: Context) => `/t/${tenantOf(ctx)._id}/login`;

/** The page of the mailed URL: the address to set (opening it spends nothing: mail scanners open links). */
async function showAddress(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const token = ctx.params.token ?? '';
  const check = await checkToken(token, 'student-mail', tenantOf(ctx)._id);
  if (!check.ok) return showLinkProblem(ctx, check.reason, start(ctx));
  const action = `/t/${tenantOf(ctx)._id}/student-mail/${token}`;
  render(ctx, 'student-mail-verify', { action, email: check.token.email, ...extra }, status);
}

/** Setting it spends the URL, completes the registration and offers "Move to Login page". */
function setAddress(logger: Logger) {
  return async function setStudentAddress(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const used = await consumeToken(ctx.params.token ?? '', 'student-mail', tenant._id);
    if (!used.ok) return showLinkProblem(ctx, used.reason, start(ctx));
    const { email, ref, lang, interaction } = used.token;
    if (!ref) return showLinkProblem(ctx, 'invalid', start(ctx));
    try {
      const matched = await changeAddress({ _id: ref, tenantId: tenant._id, kind: 'student' }, email, {
        emailVerified: true,
        locale: lang,
      });
      if (!matched) return showLinkProblem(ctx, 'invalid', start(ctx));
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new ServiceError(409, 'student.mail.inUse');
    }
    await audit(logger, { event: 'student.mail_set', tenant: tenant._id, account: ref, ip: ctx.ip });
    render(ctx, 'student-mail-done', { next: `/interaction/${interaction}/continue?t=${tenant._id}` });
  };
}

/**
 * Requirement S2, the mailed one-time URL under /t/:tenant/student-mail: "Move to Login page" resumes
 * the login (/interaction/:uid/continue) in the browser that started it, or starts a new one elsewhere.
 */
export function studentMailLinkRoutes(logger: Logger): Router {
  return new Router({ prefix: '/student-mail' })
    .get('/:token', (ctx) => showAddress(ctx))
    .post('/:token', formPost(showAddress), setAddress(logger));
}
