import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { StaffRole } from '../db/models/staff.ts';
import type { PageDeps } from '../page-deps.ts';
import { passkeyGate } from '../review/passkeys.ts';
import { requireRole, requireStaff } from '../review/staff-session.ts';
import { formPost } from '../security/csrf.ts';
import { accountAction } from './account-actions.ts';
import { showAccount, showAccountSearch } from './accounts.ts';
import { csvUpload, exportCatalogue, importCatalogue, saveItems, showApplicationForm } from './application-form.ts';
import { exportAuditLog, showAuditLog } from './audit-log.ts';
import { logoUpload, saveBranding, showBranding } from './branding.ts';
import { changeTrust, showFederation } from './federation.ts';
import { idpAction, idpsPage, importIdpFromConsole, metadataUpload, showIdp } from './idps.ts';
import { saveNotes, showNotes } from './notes.ts';
import { checkOrApplyUpload, registerUpload, removeRegister, showRegister, showUpload, uploadRegister } from './register.ts';
import { clientAction, createClient, showClient, showClients } from './relying-parties.ts';
import { saveSettings, showSettings } from './settings.ts';
import { acceptInvitation, showInvitation } from './staff-invitation.ts';
import { inviteMember, memberAction, showMember, showMembers } from './staff-members.ts';
import { confirmIdentity, requireRecentSignIn, showConfirm } from './step-up.ts';
import { publish, saveDraft, showTerms } from './terms.ts';

type Page = (ctx: Context, extra?: Record<string, unknown>, status?: number) => Promise<void> | void;

/**
 * The university console (issue 26): /t/:tenant/staff pages beside the review, each behind the staff
 * sign-in and the roles it needs, checked on the server; a change also needs the form's CSRF token and
 * a recent sign-in (step-up), and a refused one shows its page again.
 */
export function consoleRoutes(deps: PageDeps): Router {
  const staffOnly = requireStaff(deps.config);
  const router = new Router({ prefix: '/staff' });
  // A change is its handler, or [the body's parser (an upload), its handler].
  const page = (
    roles: StaffRole[],
    path: string,
    show: Page,
    changes: Record<string, Middleware | [Middleware, Middleware]> = {},
  ) => {
    const allowed = [staffOnly, passkeyGate, requireRole(...roles)];
    router.get(path, ...allowed, (ctx) => show(ctx));
    for (const [to, change] of Object.entries(changes)) {
      const [parse, handle] = Array.isArray(change) ? change : [undefined, change];
      router.post(to, ...allowed, formPost(show, parse), requireRecentSignIn(show), handle);
    }
  };
  page(['auditor', 'admin'], '/audit', showAuditLog);
  page(['auditor', 'admin'], '/audit.csv', exportAuditLog);
  page(['helpdesk', 'admin'], '/accounts', showAccountSearch);
  page(['helpdesk', 'admin'], '/accounts/:id', showAccount, {
    '/accounts/:id/actions/:action': accountAction(deps, showAccount),
  });
  page(['reviewer', 'admin'], '/register', showRegister, {
    '/register/upload': [registerUpload, uploadRegister],
    '/register/delete': removeRegister(deps),
  });
  page(['reviewer', 'admin'], '/register/uploads/:id', showUpload, { '/register/uploads/:id': checkOrApplyUpload(deps) });
  page(['admin'], '/settings', showSettings, { '/settings': saveSettings(deps) });
  page(['admin'], '/form', showApplicationForm, {
    '/form/items': saveItems(deps),
    '/form/catalogue': [csvUpload, importCatalogue(deps)],
  });
  page(['admin'], '/form/catalogue.csv', exportCatalogue);
  page(['admin'], '/branding', showBranding, { '/branding': [logoUpload, saveBranding(deps)] });
  page(['admin'], '/notes', showNotes, { '/notes': saveNotes(deps) });
  page(['admin'], '/terms', showTerms, { '/terms/draft': saveDraft(deps), '/terms/publish': publish(deps) });
  page(['admin'], '/clients', showClients, { '/clients': createClient(deps) });
  page(['admin'], '/clients/:id', showClient, { '/clients/:id/:action': clientAction(deps) });
  page(['admin'], '/idps', idpsPage(deps.config.issuer), { '/idps': [metadataUpload, importIdpFromConsole(deps)] });
  page(['admin'], '/federation', showFederation, { '/federation/trust': changeTrust(deps) });
  page(['admin'], '/idps/:slug', showIdp, { '/idps/:slug/:action': idpAction(deps) });
  page(['admin'], '/members', showMembers, { '/members/invite': inviteMember(deps) });
  page(['admin'], '/members/:id', showMember, { '/members/:id/:action': memberAction(deps) });
  // An invited member has no session yet: the mailed link is the proof.
  router.get('/invite/:token', (ctx) => showInvitation(ctx));
  router.post('/invite/:token', formPost(showInvitation), acceptInvitation(deps));
  router.get('/confirm', staffOnly, passkeyGate, (ctx) => showConfirm(ctx));
  router.post('/confirm', staffOnly, passkeyGate, formPost(showConfirm), confirmIdentity(deps));
  return router;
}
