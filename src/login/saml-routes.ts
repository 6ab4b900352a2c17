import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { RequiredActionModel } from '../db/models/required-action.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import { type RefusalReason, SamlRefusal, verifyLoginResponse } from '../saml/login-response.ts';
import type { ServiceProviders } from '../saml/service-provider.ts';
import { singleLogoutRoutes } from '../saml/single-logout.ts';
import { affiliationAllowed, linkStudent, studentProfile } from '../strategies/student-saml.ts';

type Reason = RefusalReason | 'attributes' | 'notAllowed';
const REASONS: Reason[] = [
  'malformed',
  'unknownRequest',
  'signature',
  'audience',
  'recipient',
  'expired',
  'replayed',
  'attributes',
  'notAllowed',
];

// SAML responses are larger than our forms (signatures, certificates, encrypted assertions).
const samlBody = bodyParser({ enableTypes: ['form'], formLimit: '512kb', encoding: 'utf-8' });

/** /t/:tenant/saml: our SP metadata and the Assertion Consumer Service of the university's IdPs. */
export function samlRoutes(config: Config, sps: ServiceProviders, logger: Logger): Router {
  const router = new Router({ prefix: '/saml' });

  router.get('/metadata', (ctx) => {
    ctx.type = 'application/samlmetadata+xml';
    ctx.body = sps.metadata(tenantOf(ctx)._id);
  });

  // Refusals redirect to a GET page: the POST came cross-site without our cookies, the GET has the language.
  const refuse = async (ctx: Context, reason: Reason, detail: string) => {
    await audit(
      logger,
      { event: 'saml.refused', tenant: tenantOf(ctx)._id, reason, detail, ip: ctx.ip },
      'SAML response refused',
    );
    ctx.status = 303;
    ctx.redirect(`/t/${tenantOf(ctx)._id}/saml/refused/${reason}`);
  };

  router.post('/acs', samlBody, async (ctx) => {
    const tenant = tenantOf(ctx);
    let verified: Awaited<ReturnType<typeof verifyLoginResponse>>;
    try {
      verified = await verifyLoginResponse(sps, tenant._id, formField(ctx, 'SAMLResponse', 400_000));
    } catch (error) {
      if (error instanceof SamlRefusal) return refuse(ctx, error.reason, error.message);
      throw error;
    }
    const profile = studentProfile(verified);
    if (!profile) return refuse(ctx, 'attributes', `subject or student ID attribute missing from ${verified.idp._id}`);
    if (!affiliationAllowed(verified.idp, profile))
      return refuse(ctx, 'notAllowed', `affiliation ${profile.affiliations.join(',')}`);
    const account = await linkStudent(verified.idp, profile, tenant.name?.ja ?? tenant._id, {
      idpId: verified.idp._id,
      nameId: verified.nameId,
      nameIdFormat: verified.nameIdFormat,
      sessionIndex: verified.sessionIndex,
    });
    const { uid } = verified.request;
    await RequiredActionModel.replaceOne(
      { _id: uid },
      {
        action: 'student',
        accountId: account._id.toString(),
        expiresAt: new Date(Date.now() + config.ttl.interactionSeconds * 1000),
      },
      { upsert: true },
    );
    await audit(logger, {
      event: 'saml.login',
      tenant: tenant._id,
      account: account._id.toString(),
      idp: verified.idp._id,
      assertion: verified.assertionId,
      ip: ctx.ip,
    });
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}/student`);
  });

  router.use(singleLogoutRoutes(sps, logger, samlBody).routes());

  router.get('/refused/:reason', (ctx) => {
    const reason = REASONS.find((r) => r === ctx.params.reason);
    if (!reason) return ctx.throw(404);
    render(ctx, 'error', { messageKey: `saml.refused.${reason}` }, 400);
  });

  return router;
}
