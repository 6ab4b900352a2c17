import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { ServiceError } from '../../../errors.ts';
import { formField } from '../../../http/form.ts';
import { seeOther } from '../../../http/redirect.ts';
import { tenantOf } from '../../../http/state.ts';
import { samlRefusals } from '../../../metrics.ts';
import type { Method } from '../../../oidc/acr.ts';
import type { PageDeps } from '../../../page-deps.ts';
import { type RefusalReason, SamlRefusal, verifyLoginResponse } from '../../../saml/login-response.ts';
import type { LoginFlow, LoginStrategy } from '../../contract.ts';
import { affiliationAllowed, linkStudent, studentProfile } from './student-link.ts';
import { isTrial, showTrial } from './trial.ts';

/** The REFEDS MFA profile's AuthnContextClassRef: the IdP signed the person in with more than one factor. */
const REFEDS_MFA = 'https://refeds.org/profile/mfa';

type Reason = RefusalReason | 'attributes' | 'scope' | 'characters' | 'notAllowed';
const REASONS: Reason[] = [
  'malformed',
  'unknownRequest',
  'signature',
  'audience',
  'recipient',
  'expired',
  'replayed',
  'attributes',
  'scope',
  'characters',
  'notAllowed',
];

// SAML responses are larger than our forms (signatures, certificates, encrypted assertions).
const samlBody = bodyParser({ enableTypes: ['form'], formLimit: '512kb', encoding: 'utf-8' });

/**
 * /t/:tenant/saml/acs: the Assertion Consumer Service, where the
 * university's IdP answers: a verified student is handed to the login flow, a refusal is audited
 * by it and shown on a GET page (the POST came cross-site without our cookies; the GET has the language).
 */
export function samlRoutes({ sps, logger }: PageDeps, flow: LoginFlow, studentSaml: LoginStrategy): Router {
  const router = new Router({ prefix: '/saml' });

  const refuse = async (ctx: Context, reason: Reason, detail: string) => {
    samlRefusals.inc({ reason });
    await flow.refused(ctx, tenantOf(ctx)._id, studentSaml, { reason, detail });
    seeOther(ctx, `/t/${tenantOf(ctx)._id}/saml/refused/${reason}`);
  };

  /** POST /t/:tenant/saml/acs: verified, the student's account found or created and linked. */
  async function assertionConsumer(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    let verified: Awaited<ReturnType<typeof verifyLoginResponse>>;
    try {
      verified = await verifyLoginResponse(sps, tenant._id, formField(ctx, 'SAMLResponse', 400_000));
    } catch (error) {
      if (error instanceof SamlRefusal) return refuse(ctx, error.reason, error.message);
      throw error;
    }
    if (isTrial(verified.request.uid)) return showTrial(ctx, verified, logger);
    const { idp } = verified;
    const reading = studentProfile(verified);
    if ('refusal' in reading) return refuse(ctx, reading.refusal, reading.detail);
    const { profile } = reading;
    if (!affiliationAllowed(idp, profile)) return refuse(ctx, 'notAllowed', `affiliation ${profile.affiliations.join(',')}`);
    const { nameId, nameIdFormat, sessionIndex } = verified;
    const account = await linkStudent(idp, profile, tenant.name?.ja ?? tenant._id, {
      idpId: idp._id,
      nameId,
      nameIdFormat,
      sessionIndex,
    });
    const target = { uid: verified.request.uid, tenantId: tenant._id };
    // The university's own multi-factor sign-in counts where its assertion says so (REFEDS MFA).
    const methods: Method[] = verified.authnContext === REFEDS_MFA ? ['saml', 'mfa'] : ['saml'];
    await flow.authenticatedFor(ctx, target, account, studentSaml, methods, { idp: idp._id, assertion: verified.assertionId });
  }

  router.post('/acs', samlBody, assertionConsumer);
  router.get('/refused/:reason', (ctx) => {
    const reason = REASONS.find((r) => r === ctx.params.reason);
    if (!reason) return ctx.throw(404);
    throw new ServiceError(400, `saml.refused.${reason}`);
  });
  return router;
}
