import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { type Staff, staffRoles } from '../db/models/staff.ts';
import type { PageDeps } from '../page-deps.ts';
import { formPost } from '../security/csrf.ts';
import { applicationImage, decideApplication, showApplication, undoApplication } from './application-page.ts';
import { go } from './context.ts';
import {
  confirmStaff,
  deleteStaffPasskey,
  passkeyGate,
  saveStaffPasskey,
  showStaffPasskeys,
  staffPasskeyOptions,
  staffPasskeySignIn,
} from './passkeys.ts';
import { showQueue } from './queue.ts';
import { checkCode, showCode, signOut } from './second-factor.ts';
import { checkPassword, showSignIn } from './sign-in.ts';
import { requireRole, requireStaff } from './staff-session.ts';

/** Where the console opens: the queue for a reviewer; else the account search (helpdesk, admin) or the audit log (auditor). */
async function consoleHome(ctx: Context, next: Next): Promise<void> {
  const roles = staffRoles(ctx.state.staff as Staff);
  if (roles.includes('reviewer')) return next();
  if (roles.includes('helpdesk') || roles.includes('admin')) return go(ctx, '/accounts');
  if (roles.includes('auditor')) return go(ctx, '/audit');
  await next();
}

/** /t/:tenant/staff: sign-in pages first (open), then the console (an active staff session required). */
export function staffRoutes(deps: PageDeps): Router {
  const { config } = deps;
  const staffOnly = requireStaff(config);
  const reviewer = requireRole('reviewer');
  const code = checkCode(deps);
  return new Router({ prefix: '/staff' })
    .get('/login', (ctx) => showSignIn(ctx))
    .post('/login', formPost(showSignIn), checkPassword(deps))
    .get('/enrol', (ctx) => showCode(ctx))
    .get('/totp', (ctx) => showCode(ctx))
    .post('/enrol', formPost(showCode), code)
    .post('/totp', formPost(showCode), code)
    .post(
      '/logout',
      formPost((ctx) => go(ctx, '/login')),
      signOut,
    )
    .get('/passkey/options', staffPasskeyOptions(deps))
    .post('/passkey', formPost(showSignIn), staffPasskeySignIn(deps))
    .get('/passkeys', staffOnly, (ctx) => showStaffPasskeys(ctx))
    .post('/passkeys/confirm', staffOnly, formPost(showStaffPasskeys), confirmStaff(deps))
    .post('/passkeys/add', staffOnly, formPost(showStaffPasskeys), saveStaffPasskey(deps))
    .post('/passkeys/:id/remove', staffOnly, formPost(showStaffPasskeys), deleteStaffPasskey(deps))
    .get('/', staffOnly, passkeyGate, consoleHome, reviewer, showQueue)
    .get('/applications/:id', staffOnly, passkeyGate, reviewer, (ctx) => showApplication(ctx))
    .get('/applications/:id/image/:side', staffOnly, passkeyGate, reviewer, applicationImage(deps))
    .post('/applications/:id/decide', staffOnly, passkeyGate, reviewer, formPost(showApplication), decideApplication(deps))
    .post('/applications/:id/undo', staffOnly, passkeyGate, reviewer, formPost(showApplication), undoApplication(deps));
}
