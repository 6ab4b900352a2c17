import type { Context } from 'koa';
import { configureTenant, settingProblems, type TenantSettings } from '../admin/tenants.ts';
import { audit } from '../db/audit.ts';
import { PASSKEY_POLICIES, type Tenant } from '../db/models/tenant.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

/** The form's fields as the tenant holds them: what the page shows before anything is typed. */
function formValues(tenant: Tenant): Record<string, string> {
  const on = (value: boolean | null | undefined) => (value ? 'on' : '');
  return {
    nameJa: tenant.name?.ja ?? '',
    nameEn: tenant.name?.en ?? '',
    inquiryJa: tenant.inquiry?.ja ?? '',
    inquiryEn: tenant.inquiry?.en ?? '',
    loginUrl: tenant.loginUrl ?? '',
    manualUrl: tenant.manualUrl ?? '',
    graduateLogin: on(tenant.loginMethods?.graduate !== false),
    studentLogin: on(tenant.loginMethods?.student),
    studentSecondPassword: on(tenant.studentSecondPassword),
    studentPasskey: on(tenant.studentPasskey),
    passkeys: tenant.passkeys ?? 'allowed',
    staffPasskeys: tenant.staffPasskeys ?? 'allowed',
    initialPasswordDays: String(tenant.initialPasswordDays ?? 30),
    imageRetentionDays: String(tenant.imageRetentionDays ?? 90),
    passwordMinLength: String(tenant.passwordMinLength ?? 8),
  };
}

/** The posted form as settings (the same shape the operator's CLI gives configureTenant). */
function postedSettings(ctx: Context): { values: Record<string, string>; settings: TenantSettings } {
  const field = (name: string, max = 600) => formField(ctx, name, max);
  const values = Object.fromEntries(Object.keys(formValues({} as Tenant)).map((name) => [name, field(name).trim()]));
  const ticked = (name: string) => values[name] === 'on';
  // Digits as people type them, full width too.
  const wholeNumber = (name: string) => {
    const typed = (values[name] ?? '').normalize('NFKC');
    return /^\d{1,5}$/.test(typed) ? Number(typed) : Number.NaN;
  };
  const settings: TenantSettings = {
    name: { ja: values.nameJa ?? '', en: values.nameEn ?? '' },
    inquiry: { ja: values.inquiryJa ?? '', en: values.inquiryEn ?? '' },
    loginUrl: values.loginUrl,
    manualUrl: values.manualUrl,
    loginMethods: { graduate: ticked('graduateLogin'), student: ticked('studentLogin') },
    studentSecondPassword: ticked('studentSecondPassword'),
    studentPasskey: ticked('studentPasskey'),
    passkeys: values.passkeys,
    staffPasskeys: values.staffPasskeys,
    initialPasswordDays: wholeNumber('initialPasswordDays'),
    imageRetentionDays: wholeNumber('imageRetentionDays'),
    passwordMinLength: wholeNumber('passwordMinLength'),
  };
  return { values, settings };
}

/** GET /t/:tenant/staff/settings (admins): the university's settings in one form. */
export function showSettings(ctx: Context, extra: Record<string, unknown> = {}, status = 200): void {
  const page = { passkeyPolicies: PASSKEY_POLICIES, done: ctx.query.done === 'saved', values: formValues(tenantOf(ctx)) };
  renderConsole(ctx, 'console-settings', '/settings', page, extra, status);
}

/**
 * POST …/settings: checked by the same rules as the operator's CLI (settingProblems), each problem
 * beside its field; saved at once for every instance (the tenant's change stamp); audited with the
 * fields that changed, before and after.
 */
export function saveSettings({ logger }: PageDeps) {
  return async function saveUniversitySettings(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const { values, settings } = postedSettings(ctx);
    const errors: FieldErrors = {};
    for (const problem of settingProblems(settings)) {
      errors[problem.field] ??= message(`console.settings.errors.${problem.key}`, problem.values);
    }
    if (Object.keys(errors).length) return showSettings(ctx, { values, errors, formError: message('form.errorSummary') }, 400);
    await configureTenant(tenant._id, settings);
    const before = formValues(tenant);
    const changed = Object.keys(values).filter((name) => values[name] !== before[name]);
    if (changed.length) {
      const pick = (from: Record<string, string>) =>
        JSON.stringify(Object.fromEntries(changed.map((name) => [name, from[name]])));
      const staff = ctx.state.staff?._id.toString();
      await audit(logger, {
        event: 'console.settings_changed',
        tenant: tenant._id,
        staff,
        changed: changed.join(','),
        before: pick(before),
        after: pick(values),
        ip: ctx.ip,
      });
    }
    go(ctx, '/settings?done=saved');
  };
}
