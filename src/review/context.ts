import type { Context } from 'koa';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import type { Guess } from '../security/guesses.ts';

/**
 * A staff member's secret as the one guess step counts it (src/security/guesses.ts): every secret of
 * theirs (password, code, the password asked again) under the same key, so new tries are not bought
 * by switching which one is guessed.
 */
export function staffGuess(tenantId: string, email: string, event: string, method: string, staffId?: string): Guess {
  return { event, tenantId, method, key: `staff:${tenantId}:${email}`, staff: staffId };
}

/** The staff console: /t/:tenant/staff. */
export const base = (ctx: Context) => `/t/${tenantOf(ctx)._id}/staff`;

/** On to another staff page after a POST. */
export function go(ctx: Context, to: string): void {
  seeOther(ctx, `${base(ctx)}${to}`);
}
