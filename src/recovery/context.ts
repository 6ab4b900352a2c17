import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { tenantOf } from '../http/state.ts';
import type { Logger } from '../log.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';
import type { ResetKind } from './kinds.ts';

/** What the recovery pages of one kind are built from. */
export interface RecoveryDeps {
  config: Config;
  hasher: SecretHasher;
  logger: Logger;
  throttle: Throttle;
  kind: ResetKind;
}

export const recoveryDeps = (config: Config, hasher: SecretHasher, logger: Logger, kind: ResetKind): RecoveryDeps => ({
  config,
  hasher,
  logger,
  kind,
  throttle: new Throttle(config.throttle),
});

/** Where the kind's pages live: /t/:tenant/password-reset or /t/:tenant/second-password-reset. */
export const base = (ctx: Context, kind: ResetKind) => `/t/${tenantOf(ctx)._id}/${kind.path}`;
