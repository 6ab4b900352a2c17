import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { ServiceProviders } from '../saml/service-provider.ts';
import type { SecretHasher } from '../security/secrets.ts';

/** What the page routers are built from (one object rather than the same five parameters each). */
export interface PageDeps {
  provider: Provider;
  config: Config;
  sps: ServiceProviders;
  hasher: SecretHasher;
  logger: Logger;
}
