import Router from '@koa/router';
import type { PageDeps } from '../oidc/page-deps.ts';
import { passkeyGate } from '../review/passkeys.ts';
import { requireRole, requireStaff } from '../review/staff-session.ts';
import { formPost } from '../security/csrf.ts';
import { accountAction } from './account-actions.ts';
import { showAccount, showAccountSearch } from './accounts.ts';
import { exportAuditLog, showAuditLog } from './audit-log.ts';
import { clientAction, createClient, showClient, showClients } from './relying-parties.ts';
import { saveSettings, showSettings } from './settings.ts';
import { acceptInvitation, showInvitation } from './staff-invitation.ts';
import { inviteMember, memberAction, showMember, showMembers } from './staff-members.ts';
import { confirmIdentity, requireRecentSignIn, showConfirm } from './step-up.ts';

/**
 * The university console (issue 26): /t/:tenant/staff pages beside the review, each behind the staff
 * sign-in and the roles it needs, checked on the server.
 */
export function consoleRoutes(deps: PageDeps): Router {
  const { config } = deps;
  const staffOnly = requireStaff(config);
  const auditors = requireRole('auditor', 'admin');
  const helpdesk = requireRole('helpdesk', 'admin');
  const admins = requireRole('admin');
  return (
    new Router({ prefix: '/staff' })
      .get('/audit', staffOnly, passkeyGate, auditors, showAuditLog)
      .get('/audit.csv', staffOnly, passkeyGate, auditors, exportAuditLog)
      .get('/accounts', staffOnly, passkeyGate, helpdesk, showAccountSearch)
      .get('/accounts/:id', staffOnly, passkeyGate, helpdesk, (ctx) => showAccount(ctx))
      .post(
        '/accounts/:id/actions/:action',
        staffOnly,
        passkeyGate,
        helpdesk,
        formPost(showAccount),
        requireRecentSignIn(showAccount),
        accountAction(deps, showAccount),
      )
      .get('/settings', staffOnly, passkeyGate, admins, (ctx) => showSettings(ctx))
      .post(
        '/settings',
        staffOnly,
        passkeyGate,
        admins,
        formPost(showSettings),
        requireRecentSignIn(showSettings),
        saveSettings(deps),
      )
      .get('/clients', staffOnly, passkeyGate, admins, (ctx) => showClients(ctx))
      .post(
        '/clients',
        staffOnly,
        passkeyGate,
        admins,
        formPost(showClients),
        requireRecentSignIn(showClients),
        createClient(deps),
      )
      .get('/clients/:id', staffOnly, passkeyGate, admins, (ctx) => showClient(ctx))
      .post(
        '/clients/:id/:action',
        staffOnly,
        passkeyGate,
        admins,
        formPost(showClient),
        requireRecentSignIn(showClient),
        clientAction(deps),
      )
      .get('/members', staffOnly, passkeyGate, admins, (ctx) => showMembers(ctx))
      .post(
        '/members/invite',
        staffOnly,
        passkeyGate,
        admins,
        formPost(showMembers),
        requireRecentSignIn(showMembers),
        inviteMember(deps),
      )
      .get('/members/:id', staffOnly, passkeyGate, admins, (ctx) => showMember(ctx))
      .post(
        '/members/:id/:action',
        staffOnly,
        passkeyGate,
        admins,
        formPost(showMember),
        requireRecentSignIn(showMember),
        memberAction(deps),
      )
      // An invited member has no session yet: the mailed link is the proof.
      .get('/invite/:token', (ctx) => showInvitation(ctx))
      .post('/invite/:token', formPost(showInvitation), acceptInvitation(deps))
      .get('/confirm', staffOnly, passkeyGate, (ctx) => showConfirm(ctx))
      .post('/confirm', staffOnly, passkeyGate, formPost(showConfirm), confirmIdentity(deps))
  );
}
