import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import type { ServiceProviders } from '../saml/service-provider.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';

/** What the account pages are built from. */
export interface SettingsDeps {
  provider: Provider;
  config: Config;
  sps: ServiceProviders;
  hasher: SecretHasher;
  logger: Logger;
  throttle: Throttle;
}

export const settingsDeps = (deps: Omit<SettingsDeps, 'throttle'>): SettingsDeps => ({
  ...deps,
  throttle: new Throttle(deps.config.throttle),
});

/** The account menu: /t/:tenant/account. */
export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account`;

/** "Changed", with the way back to the menu. */
export const done = (ctx: Context, messageKey: string) => render(ctx, 'account-done', { base: base(ctx), messageKey });
