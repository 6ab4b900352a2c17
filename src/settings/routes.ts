import Router from '@koa/router';
import type { Secret } from '../credentials/password-setting.ts';
import type { PageDeps } from '../page-deps.ts';
import { formPost } from '../security/csrf.ts';
import { endDevice, endOtherDevices, showDevices } from './devices.ts';
import { requireAccount } from './guard.ts';
import { accountCallback, accountLogin, loggedOut, menu } from './home.ts';
import { requestChange, showMailForm, showVerify, verifyChange } from './mail-address.ts';
import { confirmIdentity, deletePasskey, savePasskey, showPasskeys } from './passkeys.ts';
import { changePersonal, showPersonal } from './personal.ts';
import { changeSecret, SECRET_PATHS, showSecretForm } from './secrets.ts';

/**
 * Requirement G4 (a), (b), (d), (e) under /t/:tenant/account: the menu and the changes a person makes
 * themselves; and, beyond the manuals, their passkeys.
 */
export function accountRoutes(deps: PageDeps): Router {
  const signedIn = requireAccount(deps.provider, deps.config);
  const router = new Router({ prefix: '/account' })
    .get('/login', accountLogin(deps))
    .get('/callback', accountCallback)
    .get('/logged-out', loggedOut(deps))
    .get('/', signedIn, menu(deps))
    .get('/personal', signedIn, (ctx) => showPersonal(ctx))
    .post('/personal', signedIn, formPost(showPersonal), changePersonal(deps.logger))
    .get('/email', signedIn, (ctx) => showMailForm(ctx))
    .post('/email', signedIn, formPost(showMailForm), requestChange(deps))
    .get('/email/verify/:token', (ctx) => showVerify(ctx))
    .post('/email/verify/:token', formPost(showVerify), verifyChange(deps))
    .get('/passkeys', signedIn, (ctx) => showPasskeys(ctx))
    .post('/passkeys/confirm', signedIn, formPost(showPasskeys), confirmIdentity(deps))
    .post('/passkeys/add', signedIn, formPost(showPasskeys), savePasskey(deps))
    .post('/passkeys/:id/remove', signedIn, formPost(showPasskeys), deletePasskey(deps))
    .get('/devices', signedIn, (ctx) => showDevices(ctx))
    .post('/devices/end-others', signedIn, formPost(showDevices), endOtherDevices(deps))
    .post('/devices/:id/end', signedIn, formPost(showDevices), endDevice(deps));
  for (const which of Object.keys(SECRET_PATHS) as Secret[]) {
    const form = showSecretForm(which);
    router.get(SECRET_PATHS[which], signedIn, (ctx) => form(ctx));
    router.post(SECRET_PATHS[which], signedIn, formPost(form), changeSecret(deps, which));
  }
  return router;
}
