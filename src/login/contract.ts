// What the login flow (flow.ts) and its parts agree on: the strategies that prove who someone is
// (strategies/) and the required actions that follow before the login completes (required-actions/).
// Types only, so the parts depend on this file and not on each other.
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../db/identities.ts';
import type { Method } from '../oidc/acr.ts';
import type { PageDeps } from '../page-deps.ts';
import type { FormAgain } from '../security/csrf.ts';
import type { Attempt } from '../security/guesses.ts';
import type { InteractionContext } from './interaction-context.ts';

/** How a strategy appears on the login page of one interaction. */
export interface LoginOffer {
  /** The acr a login this way gives (compared with the relying party's acr_values). */
  acr: string;
  /** The page title when it is the only way offered. */
  titleKey: string;
  /** Where to go at once when it is the only way offered (e.g. the one university sign-in). */
  direct?: string;
  /** Shown beside the other ways rather than as a section of its own (it names no page title). */
  companion?: boolean;
  /** The strategy whose section it is shown in, at its top (a graduate's passkey in the graduates' section). */
  companionOf?: string;
  /** What its part of the page (login/strategies/<id>/view.eta) shows. */
  view: Record<string, unknown>;
}

/**
 * One way to prove identity (compare ory/kratos selfservice/flow/login/strategy.go). Its routes
 * read the proof and hand the outcome to the flow, which throttles, audits, asserts the method,
 * runs the required actions and finishes the OIDC interaction the same way for every strategy.
 * A new strategy is a folder under strategies/, one line in strategies/index.ts and its part of
 * the login page (login/strategies/<id>/view.eta).
 */
export interface LoginStrategy {
  /** Stable: audit lines, pending logins and the login page's partial name use it. */
  id: string;
  /** Its part of the login page, or undefined when the university does not offer it. */
  offer(interaction: InteractionContext, ctx: Context): Promise<LoginOffer | undefined>;
  /** Routes under /interaction/:uid (its form, or the way out to another party). */
  interactionRoutes?(deps: PageDeps, flow: LoginFlow): Router;
  /** Routes under /t/:tenant (where another party answers, such as the SAML ACS). */
  tenantRoutes?(deps: PageDeps, flow: LoginFlow): Router;
}

/** A login authenticated by a strategy and not yet finished: its required actions are under way. */
export interface PendingLogin {
  interaction: InteractionContext;
  account: Account;
  strategy: LoginStrategy;
  /** Required actions already done in this login (an action that applies on every login, such as
   * entering the student's second password, is not asked twice). */
  done?: string[];
  /** The authentication methods this login completed so far (its acr and amr follow from them). */
  methods: Method[];
}

/**
 * A step between authentication and the finished login (Keycloak's required actions, Kratos'
 * login hooks): it applies to some logins, and shows its page at /interaction/:uid/continue. A new one is a file in required-actions/ and one line in
 * required-actions/index.ts.
 */
export interface RequiredAction {
  id: string;
  applies(login: PendingLogin): boolean | Promise<boolean>;
  show(ctx: Context, login: PendingLogin, extra?: Record<string, unknown>, status?: number): Promise<void> | void;
  /** Routes under /interaction/:uid (what its page posts to). */
  interactionRoutes(deps: PageDeps, flow: LoginFlow): Router;
  /** Routes under /t/:tenant (e.g. the mailed one-time URL of the student's address). */
  tenantRoutes?(deps: PageDeps, flow: LoginFlow): Router;
}

/** The login flow as strategies and required actions use it (implemented in flow.ts). */
export interface LoginFlow {
  /**
   * Tries a secret through the one guess step (src/security/guesses.ts) as a login: a wrong answer
   * is audited `login.failed` and counted in the login metrics.
   */
  attempt<T>(
    ctx: Context,
    guess: { tenantId: string; method: string; key: string; account?: string },
    run: () => Promise<T | undefined>,
  ): Promise<Attempt<T>>;
  /** A proof refused outright (e.g. a SAML response): audited, nothing created. */
  refused(ctx: Context, tenantId: string, strategy: LoginStrategy, detail: Record<string, string>): Promise<void>;
  /** The login page again, with what the strategy's form left (values, errors, a form error). */
  showLogin(ctx: Context, interaction: InteractionContext, extra: Record<string, unknown>, status: number): Promise<void>;
  /** The account is proven in this interaction by `methods`: finish, or go through its required actions. */
  authenticated(
    ctx: Context,
    interaction: InteractionContext,
    account: Account,
    strategy: LoginStrategy,
    methods: Method[],
  ): Promise<void>;
  /**
   * The account is proven by a request that does not carry the interaction (a cross-site POST from
   * the university): the login continues at /interaction/:uid/continue in the browser that began it.
   */
  authenticatedFor(
    ctx: Context,
    target: { uid: string; tenantId: string },
    account: Account,
    strategy: LoginStrategy,
    methods: Method[],
    detail: Record<string, string>,
  ): Promise<void>;
  /** How `action`'s page comes back when its form is refused before the handler (src/security/csrf.ts). */
  showAgain(action: RequiredAction): FormAgain;
  /**
   * The pending login of this interaction whose current required action is `action`; any other
   * state (expired, finished, another step) is the interaction-expired page.
   */
  pendingAt(ctx: Context, action: RequiredAction): Promise<PendingLogin>;
  /**
   * `action` is done for `login` (with the account as it now is), having completed `earned` methods
   * (a second password entered, a passkey used): returns where the person goes next, the next
   * required action or, after the last, the relying party.
   */
  proceed(ctx: Context, login: PendingLogin, action: RequiredAction, earned?: Method[]): Promise<string>;
}
