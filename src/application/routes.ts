import Router from '@koa/router';
import { render } from '../http/views.ts';
import type { PageDeps } from '../page-deps.ts';
import { formPost } from '../security/csrf.ts';
import { formOfDraft, saveForm, uploadBody, uploadedImage } from './applicant-form.ts';
import { requestMail, showMailAddress } from './mail-address.ts';
import { reopen, showResubmission } from './resubmission.ts';
import { backToConfirmation, showConfirmation, submit } from './submit.ts';
import { acceptTerms, showTerms, termsAgain } from './terms.ts';

/**
 * Requirement G1 under /t/:tenant/apply: mail address setting → confirmation mail (one-time URL) →
 * terms of use → applicant form with identification images → confirmation → application
 * reception. Also the resubmission link.
 */
export function applicationRoutes(deps: PageDeps): Router {
  const { config } = deps;
  const { maxImageBytes, urlMinutes } = config.application;
  const terms = showTerms(config.issuer);
  const form = formOfDraft(maxImageBytes);
  const resubmission = showResubmission(config.issuer);
  return new Router({ prefix: '/apply' })
    .get('/', (ctx) => showMailAddress(ctx))
    .post('/', formPost(showMailAddress), requestMail(deps))
    .get('/sent', (ctx) => render(ctx, 'apply-sent', { minutes: urlMinutes }))
    .get('/verify/:token', (ctx) => terms(ctx))
    .post('/verify/:token', formPost(terms), acceptTerms(deps))
    .get('/terms', termsAgain)
    .get('/form', (ctx) => form(ctx))
    .post('/form', formPost(form, uploadBody(maxImageBytes)), saveForm(deps))
    .get('/image/:side', uploadedImage)
    .get('/confirm', showConfirmation)
    .post('/submit', formPost(backToConfirmation), submit(deps))
    .get('/done', (ctx) => render(ctx, 'apply-done'))
    .get('/resubmit/:token', (ctx) => resubmission(ctx))
    .post('/resubmit/:token', formPost(resubmission), reopen(deps));
}
