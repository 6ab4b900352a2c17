import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import type { ServiceProviders } from '../saml/service-provider.ts';
import { Guesses } from '../security/guesses.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';

/** What the account pages are built from. */
export interface SettingsDeps {
  provider: Provider;
  config: Config;
  sps: ServiceProviders;
  hasher: SecretHasher;
  logger: Logger;
  /** For the mails a page sends (mail bombing). */
  throttle: Throttle;
  /** For the secrets a page asks again (src/security/guesses.ts). */
  guesses: Guesses;
}

export const settingsDeps = (deps: Omit<SettingsDeps, 'throttle' | 'guesses'>): SettingsDeps => ({
  ...deps,
  throttle: new Throttle(deps.config.throttle),
  guesses: new Guesses(deps.config.throttle, deps.logger),
});

/** The account menu: /t/:tenant/account. */
export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/account`;

/** "Changed", with the way back to the menu. */
export const done = (ctx: Context, messageKey: string) => render(ctx, 'account-done', { base: base(ctx), messageKey });
