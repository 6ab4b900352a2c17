import type Provider from 'oidc-provider';
import type { Config } from './config/schema.ts';
import type { Logger } from './log.ts';
import type { ServiceProviders } from './saml/service-provider.ts';
import type { Guesses } from './security/guesses.ts';
import type { SecretHasher } from './security/secrets.ts';
import type { Throttle } from './security/throttle.ts';

/** What every journey's routes are built from: one object, made once by the composition root (app.ts). */
export interface PageDeps {
  provider: Provider;
  config: Config;
  sps: ServiceProviders;
  hasher: SecretHasher;
  logger: Logger;
  /** For what a page sends (mails: mail bombing) and one-time URLs tried. */
  throttle: Throttle;
  /** For the secrets a page asks for (src/security/guesses.ts). */
  guesses: Guesses;
}
