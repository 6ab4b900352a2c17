import Router from '@koa/router';
import type { Context } from 'koa';
import { changeAddress } from '../../db/account-address.ts';
import { audit } from '../../db/audit.ts';
import { isDuplicateKey } from '../../db/models/account.ts';
import { formBody } from '../../http/form.ts';
import { tenantOf } from '../../http/state.ts';
import { render } from '../../http/views.ts';
import { translator } from '../../i18n/index.ts';
import type { Logger } from '../../log.ts';
import { csrfValid } from '../../security/csrf.ts';
import { checkToken, consumeToken, showLinkProblem } from '../../security/one-time-token.ts';

/**
 * Requirement S2, the mailed one-time URL: opening it shows the address (a mail scanner spends nothing),
 * setting it completes the registration and offers "Move to Login page", which resumes the login
 * (/interaction/:uid/continue) in the browser that started it, or starts a new one elsewhere.
 */
export function studentMailLinkRoutes(logger: Logger): Router {
  const router = new Router({ prefix: '/student-mail' });
  const start = (ctx: Context) => `/t/${tenantOf(ctx)._id}/login`;
  const show = (ctx: Context, token: string, email: string, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'student-mail-verify', { action: `/t/${tenantOf(ctx)._id}/student-mail/${token}`, email, ...extra }, status);

  router.get('/:token', async (ctx) => {
    const check = await checkToken(ctx.params.token ?? '', 'student-mail', tenantOf(ctx)._id);
    if (!check.ok) return showLinkProblem(ctx, check.reason, start(ctx));
    show(ctx, ctx.params.token ?? '', check.token.email);
  });

  router.post('/:token', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const token = ctx.params.token ?? '';
    const check = await checkToken(token, 'student-mail', tenant._id);
    if (!check.ok) return showLinkProblem(ctx, check.reason, start(ctx));
    if (!csrfValid(ctx)) return show(ctx, token, check.token.email, { formError: translator(ctx.state.lang)('form.csrf') }, 403);
    const used = await consumeToken(token, 'student-mail', tenant._id);
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
      return render(ctx, 'error', { messageKey: 'student.mail.inUse' }, 409);
    }
    await audit(logger, { event: 'student.mail_set', tenant: tenant._id, account: ref, ip: ctx.ip });
    render(ctx, 'student-mail-done', { next: `/interaction/${interaction}/continue?t=${tenant._id}` });
  });

  return router;
}
