import Router from '@koa/router';
import type { Context } from 'koa';
import { passwordRulesOf } from '../../credentials/password-policy.ts';
import { newSecondPasswordErrors, setSecondPassword } from '../../credentials/password-setting.ts';
import { audit } from '../../db/audit.ts';
import { formField, newSecondPasswordFromForm } from '../../http/form.ts';
import { seeOther } from '../../http/redirect.ts';
import { render } from '../../http/views.ts';
import { message } from '../../i18n/index.ts';
import type { PageDeps } from '../../page-deps.ts';
import { formPost } from '../../security/csrf.ts';
import type { LoginFlow, PendingLogin, RequiredAction } from '../contract.ts';

/**
 * Requirement S3: where the university wants it, a student sets a second password at the first
 * login and enters it on every later one (so a student's acr names it: see the student-saml strategy).
 */
export const studentSecondPassword: RequiredAction = {
  id: 'student-second-password',
  applies: ({ interaction, account }) =>
    account.kind === 'student' && Boolean(interaction.tenant.studentSecondPassword) && !interaction.tenant.studentPasskey,
  show(ctx, { interaction, account }, extra = {}, status = 200) {
    const common = { uid: interaction.uid, tenantId: interaction.tenantId, branding: interaction.branding, errors: {}, ...extra };
    if (account.secondPasswordHash) return render(ctx, 'student-second-password', common, status);
    const action = `/interaction/${interaction.uid}/student/second-password`;
    render(ctx, 'student-second-password-set', { action, ...common }, status);
  },

  interactionRoutes({ hasher, logger }: PageDeps, flow: LoginFlow) {
    /** The first login: a new second password, typed twice. */
    async function setIt(ctx: Context, login: PendingLogin): Promise<void> {
      const { interaction, account } = login;
      const input = newSecondPasswordFromForm(ctx);
      const errors = await newSecondPasswordErrors(input, passwordRulesOf(interaction.tenant, account.email));
      if (Object.keys(errors).length) return studentSecondPassword.show(ctx, login, { errors }, 400);
      await setSecondPassword(hasher, account._id, input.secondPassword);
      await audit(logger, {
        event: 'student.second_password_set',
        tenant: interaction.tenantId,
        account: account._id.toString(),
        ip: ctx.ip,
      });
      // Set after the university's sign-in, it counts as entered (issue 23: "set or entered after SAML").
      const returnTo = await flow.proceed(ctx, login, studentSecondPassword, ['kba']);
      render(ctx, 'passwords-set', { titleKey: 'student.second.setTitle', messageKey: 'student.second.setDone', returnTo });
    }

    /** Every later login: the second password, a guess the flow throttles. */
    async function enterIt(ctx: Context, login: PendingLogin): Promise<void> {
      const { interaction, account } = login;
      const secondPassword = formField(ctx, 'secondPassword', 128);
      if (!secondPassword) {
        const errors = { secondPassword: message('form.required', { field: message('passwords.secondPassword') }) };
        return studentSecondPassword.show(ctx, login, { errors }, 400);
      }
      const accountId = account._id.toString();
      const guess = {
        tenantId: interaction.tenantId,
        method: studentSecondPassword.id,
        key: `second-password:${accountId}`,
        account: accountId,
      };
      const result = await flow.attempt(ctx, guess, async () =>
        (await hasher.verify(account.secondPasswordHash, secondPassword)) ? true : undefined,
      );
      if ('wait' in result)
        return studentSecondPassword.show(ctx, login, { formError: message('throttle.wait', { seconds: result.wait }) }, 429);
      if ('refused' in result)
        return studentSecondPassword.show(ctx, login, { formError: message('student.second.failed') }, 401);
      seeOther(ctx, await flow.proceed(ctx, login, studentSecondPassword, ['kba']));
    }

    /** POST /interaction/:uid/student/second-password */
    async function secondPassword(ctx: Context): Promise<void> {
      const login = await flow.pendingAt(ctx, studentSecondPassword);
      return login.account.secondPasswordHash ? enterIt(ctx, login) : setIt(ctx, login);
    }
    return new Router().post('/student/second-password', formPost(flow.showAgain(studentSecondPassword)), secondPassword);
  },
};
