import type { Context } from 'koa';
import type { Account } from '../db/identities.ts';
import type { Staff } from '../db/models/staff.ts';
import type { Tenant } from '../db/models/tenant.ts';
import type { Lang } from '../i18n/index.ts';
import type { Branding } from './views.ts';

/** What our middleware puts on `ctx.state`, and who sets it. */
declare module 'koa' {
  interface DefaultState {
    /** Every page (src/http/lang.ts). */
    lang: Lang;
    /** Every request (src/http/request-id.ts). */
    requestId?: string;
    /** Every form page (src/security/csrf.ts). */
    csrfSecret?: string;
    csrfToken?: string;
    /** Pages under /t/:tenant (src/http/tenant.ts). */
    tenant?: Tenant;
    branding?: Branding;
    /** Account pages of a signed-in person (src/settings/guard.ts). */
    account?: Account;
    sessionId?: string;
    /** Account pages: the way back to the relying party (src/settings/back-to-relying-party.ts). */
    backTo?: { url: string; name?: string };
    /** The staff console after sign-in (src/review/staff-session.ts). */
    staff?: Staff;
    staffSessionId?: string;
    /** Until when the staff member's last proof of who they are allows console changes (src/console/step-up.ts). */
    staffVerifiedUntil?: Date;
  }
}

/** A state value a route's middleware guarantees; its absence is a wiring mistake, not bad input. */
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not loaded for this route`);
  return value;
}

/** The university of a page under /t/:tenant. */
export const tenantOf = (ctx: Context): Tenant => required(ctx.state.tenant, 'the university');
/** The signed-in person of an account page. */
export const accountOf = (ctx: Context): Account => required(ctx.state.account, 'the account');
/** The signed-in staff member of the review console. */
export const staffOf = (ctx: Context): Staff => required(ctx.state.staff, 'the staff member');
