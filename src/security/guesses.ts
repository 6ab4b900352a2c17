import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { type Message, message } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { Throttle } from './throttle.ts';

/** A secret someone is trying: whose it is, what it is, and how a wrong answer is audited. */
export interface Guess {
  /** The audit event of a wrong answer (`login.failed`, `staff.login_failed`, `staff.totp_failed`, `account.reauth_failed`, …). */
  event: string;
  tenantId: string;
  /** What was tried: the login strategy, `staff-password`, `staff-totp`, `reauth-passwords`, … */
  method: string;
  /** The throttle key of the one being guessed at (an account, a staff member, a credential). */
  key: string;
  account?: string;
  staff?: string;
}

/** What an attempt at a guessable secret came to. */
export type Attempt<T> = { ok: T } | { wait: number } | { refused: true };

/**
 * Issue 23, item 8: every check of a guessable secret goes through this one step — the logins, the
 * staff password, TOTP code and passkey, the passwords asked again before adding a passkey. The same
 * throttle growth (per secret holder, and per client address with the login's budget), the same audit
 * entry for a wrong answer (`event` with `method` and `reason`), and, through `refusal`, the same page
 * shape: 429 with the wait, or 401 with the strategy's own message.
 */
export class Guesses {
  private readonly throttle: Throttle;
  private readonly config: Config['throttle'];
  private readonly logger: Logger;

  constructor(config: Config['throttle'], logger: Logger) {
    this.throttle = new Throttle(config);
    this.config = config;
    this.logger = logger;
  }

  /** Runs `check` unless the holder or the client must wait; undefined from it is a wrong answer. */
  async attempt<T>(ctx: Context, guess: Guess, check: () => Promise<T | undefined>): Promise<Attempt<T>> {
    const keys = [guess.key, `login-ip:${ctx.ip}`];
    const { wait, recorded } = await this.throttle.check(keys);
    if (wait) return { wait };
    const result = await check();
    if (result === undefined) {
      await this.throttle.fail(keys[0] as string, this.config.accountFreeFailures);
      await this.throttle.fail(keys[1] as string, this.config.ipFreeFailures);
      const { event, tenantId, account, staff, method } = guess;
      await audit(
        this.logger,
        { event, tenant: tenantId, account, staff, method, reason: 'wrong-secret', ip: ctx.ip },
        'guess refused',
      );
      return { refused: true };
    }
    if (recorded.has(keys[0] as string)) await this.throttle.reset(keys[0] as string);
    return { ok: result };
  }
}

/** The page's answer to an attempt that did not succeed: the wait (429), or `wrong` (401). */
export function refusal(result: { wait: number } | { refused: true }, wrong: Message): { formError: Message; status: number } {
  if ('wait' in result) return { formError: message('throttle.wait', { seconds: result.wait }), status: 429 };
  return { formError: wrong, status: 401 };
}
