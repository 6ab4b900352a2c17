import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { tenantOf } from '../http/state.ts';
import type { Logger } from '../log.ts';
import type { SecretHasher } from '../security/secrets.ts';
import { Throttle } from '../security/throttle.ts';

/** What the staff pages are built from. */
export interface ReviewDeps {
  config: Config;
  hasher: SecretHasher;
  logger: Logger;
  throttle: Throttle;
}

export const reviewDeps = (config: Config, hasher: SecretHasher, logger: Logger): ReviewDeps => ({
  config,
  hasher,
  logger,
  throttle: new Throttle(config.throttle),
});

/** The staff console: /t/:tenant/staff. */
export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/staff`;

/** On to another staff page after a POST. */
export function go(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(`${base(ctx)}${to}`);
}
