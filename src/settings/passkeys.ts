import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import {
  accountHolder,
  addPasskey,
  credentialJson,
  listPasskeys,
  passkeyRows,
  registrationOptions,
  removePasskey,
  webAuthnSite,
} from '../credentials/passkeys.ts';
import { audit } from '../db/audit.ts';
import { findAccount } from '../db/identities.ts';
import { formField } from '../http/form.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { type FieldErrors, message } from '../i18n/index.ts';
import { notify } from '../mail/notices.ts';
import type { PageDeps } from '../page-deps.ts';
import { refusal } from '../security/guesses.ts';
import { base, notOffered } from './context.ts';

/** Passkeys belong to graduates, where their university allows them. */
function mayUse(ctx: Context): void {
  if (accountOf(ctx).kind !== 'graduate') notOffered(ctx, 'graduatesOnly');
  if (tenantOf(ctx).passkeys === 'off') notOffered(ctx, 'passkeys');
}

/** The account's passkeys, with when each was added and last used, and the way to add one. */
export async function showPasskeys(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  mayUse(ctx);
  const passkeys = await passkeyRows(accountOf(ctx)._id.toString(), ctx.state.lang);
  render(ctx, 'account-passkeys', { base: base(ctx), passkeys, errors: {}, ...extra }, status);
}

/**
 * Adding a passkey asks for both passwords again (a session left open must not be enough), as a
 * guess the throttle counts; then the page that creates the passkey on the device.
 */
export function confirmIdentity({ config, hasher, guesses }: PageDeps) {
  const site = webAuthnSite(config.issuer);
  return async function reauthenticate(ctx: Context): Promise<void> {
    mayUse(ctx);
    const account = await findAccount(accountOf(ctx)._id);
    if (!account) return ctx.throw(404);
    const password = formField(ctx, 'password', 128);
    const secondPassword = formField(ctx, 'secondPassword', 128);
    const errors: FieldErrors = {};
    if (!password) errors.password = message('form.required', { field: message('login.password') });
    if (!secondPassword) errors.secondPassword = message('form.required', { field: message('login.secondPassword') });
    if (Object.keys(errors).length) return showPasskeys(ctx, { errors }, 400);
    const accountId = account._id.toString();
    const guess = {
      event: 'account.reauth_failed',
      tenantId: account.tenantId,
      method: 'reauth-passwords',
      key: `reauth:${accountId}`,
      account: accountId,
    };
    const result = await guesses.attempt(ctx, guess, async () => {
      const [first, second] = await Promise.all([
        hasher.verify(account.passwordHash, password),
        hasher.verify(account.secondPasswordHash, secondPassword),
      ]);
      return first && second ? true : undefined;
    });
    if (!('ok' in result)) {
      const { formError, status } = refusal(result, message('passkey.reauthFailed'));
      return showPasskeys(ctx, { formError }, status);
    }
    const rpName = tenantOf(ctx).name?.[ctx.state.lang] ?? tenantOf(ctx)._id;
    const options = await registrationOptions(site, accountHolder(account), rpName);
    render(ctx, 'passkey-register', {
      titleKey: 'passkey.confirmTitle',
      introKey: 'passkey.intro',
      options: JSON.stringify(options),
      action: `${base(ctx)}/passkeys/add`,
      back: `${base(ctx)}/passkeys`,
    });
  };
}

/** The device's new credential, verified against the challenge of this account's confirmation. */
export function savePasskey({ config, logger }: PageDeps) {
  const site = webAuthnSite(config.issuer);
  return async function registerPasskey(ctx: Context): Promise<void> {
    mayUse(ctx);
    const account = accountOf(ctx);
    const response = credentialJson<RegistrationResponseJSON>(formField(ctx, 'response', 20_000));
    const added = response && (await addPasskey(site, accountHolder(account), response, formField(ctx, 'name', 60)));
    const who = { tenant: tenantOf(ctx)._id, account: account._id.toString(), ip: ctx.ip };
    if (!added) {
      await audit(logger, { event: 'passkey.add_failed', ...who });
      return showPasskeys(ctx, { formError: message('passkey.registerFailed') }, 400);
    }
    await audit(logger, { event: 'passkey.added', ...who });
    await notify(account, 'passkeyAdded', config.issuer, { name: added.name || '—' });
    await showPasskeys(ctx, { notice: 'passkey.added' });
  };
}

/** Removing one: refused for the last passkey where the university requires one. */
export function deletePasskey({ config, logger }: PageDeps) {
  return async function removeOne(ctx: Context): Promise<void> {
    mayUse(ctx);
    const account = accountOf(ctx);
    const accountId = account._id.toString();
    if (tenantOf(ctx).passkeys === 'required' && (await listPasskeys(accountId)).length <= 1) {
      return showPasskeys(ctx, { formError: message('passkey.lastRequired') }, 409);
    }
    // Asked first (issue 28 item 10): the page names the passkey and posts again with `confirmed`.
    if (formField(ctx, 'confirmed') !== 'yes') return showPasskeys(ctx, { confirmRemove: ctx.params.id });
    const removed = await removePasskey(accountId, ctx.params.id ?? '');
    if (!removed) return ctx.throw(404);
    await audit(logger, { event: 'passkey.removed', tenant: tenantOf(ctx)._id, account: accountId, ip: ctx.ip });
    await notify(account, 'passkeyRemoved', config.issuer, { name: removed.name || '—' });
    await showPasskeys(ctx, { notice: 'passkey.removed' });
  };
}
