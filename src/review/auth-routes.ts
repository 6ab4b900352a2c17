import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { type Staff, StaffModel, StaffSessionModel } from '../db/models/staff.ts';
import { formBody, formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { translator } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { parseMailAddress } from '../mail/address.ts';
import { csrfValid } from '../security/csrf.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';
import { activateStaffSession, closeStaffSession, openStaffSession, readStaffSession } from './staff-session.ts';
import { newTotpSecret, totpQrCode, verifyTotp } from './totp.ts';

const MAX_CODE_ATTEMPTS = 5;

/** Staff sign-in: password, then TOTP (enrolled at the first sign-in with a QR code shown once). */
export function staffAuthRoutes(config: Config, hasher: SecretHasher, logger: Logger): Router {
  const router = new Router();
  const throttle = new Throttle(config.throttle);
  const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/staff`;
  const go = (ctx: Context, to: string) => {
    ctx.status = 303;
    ctx.redirect(`${base(ctx)}${to}`);
  };
  const showLogin = (ctx: Context, extra: Record<string, unknown> = {}, status = 200) =>
    render(ctx, 'staff-login', { action: `${base(ctx)}/login`, values: {}, errors: {}, ...extra }, status);

  router.get('/login', (ctx) => showLogin(ctx));

  router.post('/login', formBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    const t = translator(ctx.state.lang);
    const email = formField(ctx, 'email').trim();
    if (!csrfValid(ctx)) return showLogin(ctx, { values: { email }, formError: t('form.csrf') }, 403);
    // No message per field here: an unusable address simply finds no staff member (same work, same answer).
    const address = parseMailAddress(email).address ?? '';
    const keys = [`staff:${tenant._id}:${address}`, `login-ip:${ctx.ip}`];
    const wait = await throttle.waitSeconds(keys);
    if (wait) return showLogin(ctx, { values: { email }, formError: t('throttle.wait', { seconds: wait }) }, 429);
    const staff = address ? await StaffModel.findOne({ tenantId: tenant._id, email: address }).lean<Staff>() : null;
    const ok = await hasher.verify(staff?.passwordHash, formField(ctx, 'password'));
    if (!staff || !ok || staff.disabled) {
      await throttle.fail(keys[0] as string, config.throttle.accountFreeFailures);
      await throttle.fail(keys[1] as string, config.throttle.ipFreeFailures);
      await audit(logger, { event: 'staff.login_failed', tenant: tenant._id, ip: ctx.ip });
      return showLogin(ctx, { values: { email }, formError: t('staff.loginFailed') }, 401);
    }
    await openStaffSession(ctx, staff, staff.totpSecret ? undefined : newTotpSecret());
    go(ctx, staff.totpSecret ? '/totp' : '/enrol');
  });

  const showCode = async (ctx: Context, extra: Record<string, unknown> = {}, status = 200) => {
    const found = await readStaffSession(ctx, tenantOf(ctx)._id);
    if (found?.session.stage !== 'pending') return go(ctx, '/login');
    const enrol = found.session.enrolSecret;
    const qr = enrol
      ? await totpQrCode(`${tenantOf(ctx).name?.en ?? tenantOf(ctx)._id} staff`, found.staff.email, enrol)
      : undefined;
    render(
      ctx,
      enrol ? 'staff-enrol' : 'staff-totp',
      { action: `${base(ctx)}${enrol ? '/enrol' : '/totp'}`, qr, secret: enrol, errors: {}, ...extra },
      status,
    );
  };

  router.get('/enrol', (ctx) => showCode(ctx));
  router.get('/totp', (ctx) => showCode(ctx));

  const checkCode = async (ctx: Context) => {
    const tenant = tenantOf(ctx);
    const t = translator(ctx.state.lang);
    const found = await readStaffSession(ctx, tenant._id);
    if (found?.session.stage !== 'pending') return go(ctx, '/login');
    if (!csrfValid(ctx)) return showCode(ctx, { formError: t('form.csrf') }, 403);
    const { session, staff } = found;
    const wait = await throttle.waitSeconds([`staff:${tenant._id}:${staff.email}`]);
    if (wait) return showCode(ctx, { formError: t('throttle.wait', { seconds: wait }) }, 429);
    const secret = session.enrolSecret ?? staff.totpSecret ?? '';
    const step = await verifyTotp(secret, formField(ctx, 'code').trim(), staff.totpLastStep ?? 0);
    // A code is used once: racing requests with the same code are told apart by the claim.
    const recorded = step !== undefined && (await claimOnce(`totp:${staff._id}:${step}`, 10 * 60_000));
    if (!recorded) {
      // Wrong codes count against the staff member too, so new sign-ins do not buy fresh tries.
      await throttle.fail(`staff:${tenant._id}:${staff.email}`, config.throttle.accountFreeFailures);
      const attempts = (session.attempts ?? 0) + 1;
      await audit(logger, { event: 'staff.totp_failed', tenant: tenant._id, staff: staff._id.toString(), attempts, ip: ctx.ip });
      if (attempts >= MAX_CODE_ATTEMPTS) {
        await closeStaffSession(ctx, tenant._id);
        return showLogin(ctx, { formError: t('staff.tooManyCodes') }, 401);
      }
      await StaffSessionModel.updateOne({ _id: session._id }, { $set: { attempts } });
      return showCode(ctx, { errors: { code: t('staff.codeFailed') } }, 401);
    }
    await StaffModel.updateOne(
      { _id: staff._id },
      { $max: { totpLastStep: step }, ...(session.enrolSecret ? { $set: { totpSecret: session.enrolSecret } } : {}) },
    );
    await activateStaffSession(session, config);
    await audit(logger, {
      event: session.enrolSecret ? 'staff.totp_enrolled' : 'staff.login',
      tenant: tenant._id,
      staff: staff._id.toString(),
      ip: ctx.ip,
    });
    go(ctx, '');
  };

  router.post('/enrol', formBody, checkCode);
  router.post('/totp', formBody, checkCode);

  router.post('/logout', formBody, async (ctx) => {
    if (csrfValid(ctx)) await closeStaffSession(ctx, tenantOf(ctx)._id);
    go(ctx, '/login');
  });

  return router;
}
