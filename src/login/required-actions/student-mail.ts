import Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../../db/audit.ts';
import { confirmedMailAddress, formField } from '../../http/form.ts';
import { render } from '../../http/views.ts';
import { message } from '../../i18n/index.ts';
import { enqueueMail } from '../../mail/outbox.ts';
import type { PageDeps } from '../../page-deps.ts';
import { formPost } from '../../security/csrf.ts';
import { issueToken } from '../../security/one-time-token.ts';
import type { LoginFlow, RequiredAction } from '../contract.ts';
import { studentMailLinkRoutes } from './student-mail-link.ts';

/**
 * Requirement S2: a student's first login asks for a contact address, typed twice and confirmed by
 * a one-time URL (student-mail-link.ts), whose page resumes this login at /interaction/:uid/continue.
 */
export const studentMail: RequiredAction = {
  id: 'student-mail',
  applies: ({ account }) => account.kind === 'student' && !account.emailVerified,
  show: (ctx, { interaction }, extra = {}, status = 200) =>
    render(
      ctx,
      'student-mail',
      {
        uid: interaction.uid,
        tenantId: interaction.tenantId,
        branding: interaction.branding,
        errors: {},
        values: { email: '', emailConfirm: '' },
        ...extra,
      },
      status,
    ),

  interactionRoutes({ config, logger, throttle }: PageDeps, flow: LoginFlow) {
    /** POST /interaction/:uid/student/mail: the address is mailed a one-time URL. */
    async function requestMail(ctx: Context): Promise<void> {
      const login = await flow.pendingAt(ctx, studentMail);
      const { interaction, account } = login;
      const values = { email: formField(ctx, 'email').trim(), emailConfirm: formField(ctx, 'emailConfirm').trim() };
      const { address, errors } = confirmedMailAddress(values, 'student.mail.email', 'student.mail.mismatch');
      if (!address) return studentMail.show(ctx, login, { values, errors }, 400);
      if (!(await throttle.allowMail(interaction.tenantId, address, ctx.ip))) {
        return studentMail.show(ctx, login, { values, formError: message('throttle.tooMany') }, 429);
      }
      const minutes = config.application.urlMinutes;
      const token = await issueToken({
        purpose: 'student-mail',
        tenantId: interaction.tenantId,
        email: address,
        lang: ctx.state.lang,
        ttlMinutes: minutes,
        ref: account._id.toString(),
        interaction: interaction.uid,
      });
      const url = `${config.issuer}/t/${interaction.tenantId}/student-mail/${token}`;
      await enqueueMail({
        tenantId: interaction.tenantId,
        to: address,
        lang: ctx.state.lang,
        template: 'studentMail',
        values: { url, minutes: String(minutes) },
      });
      await audit(logger, {
        event: 'student.mail_requested',
        tenant: interaction.tenantId,
        account: account._id.toString(),
        ip: ctx.ip,
      });
      // Branded like the login, with the way on for this tab when the mail is opened on another device.
      const next = `/interaction/${interaction.uid}/continue?t=${interaction.tenantId}`;
      render(ctx, 'student-mail-sent', { minutes, branding: interaction.branding, next });
    }
    return new Router().post('/student/mail', formPost(flow.showAgain(studentMail)), requestMail);
  },

  tenantRoutes: ({ logger }: PageDeps) => studentMailLinkRoutes(logger),
};
