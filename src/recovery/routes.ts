import Router from '@koa/router';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { PageDeps } from '../page-deps.ts';
import { formPost } from '../security/csrf.ts';
import type { RecoveryDeps } from './context.ts';
import type { ResetKind } from './kinds.ts';
import { requestReset, showRequest } from './request.ts';
import { setSecret, showSetSecret } from './set-secret.ts';

/**
 * Requirement G4 (f) and S3 under /t/:tenant/<kind>: the mail address → the same answer whether or not
 * it is registered → a one-time URL → the new secret(s) → log in.
 */
export function recoveryRoutes(pageDeps: PageDeps, kind: ResetKind): Router {
  const deps: RecoveryDeps = { ...pageDeps, kind };
  const { config } = deps;
  const request = showRequest(kind);
  const form = showSetSecret(kind);
  const sent = { titleKey: 'reset.sentTitle', messageKey: kind.requestText.sentKey, minutes: config.application.urlMinutes };
  return (
    new Router({ prefix: `/${kind.path}` })
      .get('/', (ctx) => request(ctx))
      .post('/', formPost(request), requestReset(deps))
      // With the way back to the login: the mail is read elsewhere, this tab goes on (issue 28 item 7).
      .get('/sent', (ctx) => render(ctx, 'account-done', { ...sent, next: `/t/${tenantOf(ctx)._id}/login` }))
      .get('/:token', (ctx) => form(ctx))
      .post('/:token', formPost(form), setSecret(deps))
  );
}
