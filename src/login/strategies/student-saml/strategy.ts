import Router from '@koa/router';
import type { Context } from 'koa';
import { enabledIdps } from '../../../db/lookups.ts';
import type { SamlIdp } from '../../../db/models/saml.ts';
import type { Tenant } from '../../../db/models/tenant.ts';
import { ACR, AMR } from '../../../oidc/acr.ts';
import type { PageDeps } from '../../../oidc/page-deps.ts';
import { sendAuthnRequest } from '../../../saml/authn-request.ts';
import type { LoginStrategy } from '../../contract.ts';
import { interactionExpired, loadInteraction } from '../../interaction-context.ts';
import { samlRoutes } from './acs.ts';

/** Enabled IdPs of the university, in the order the operator added them. */
async function studentIdps(tenant: Tenant): Promise<SamlIdp[]> {
  if (!tenant.loginMethods?.student) return [];
  return enabledIdps(tenant._id);
}

/**
 * Requirement S1: a student signs in at the university's own IdP; the ACS (acs.ts) verifies the answer
 * and links the account. The second password, where the university wants one, is a required
 * action (required-actions/student-second-password.ts), so it shows in the acr/amr.
 */
export const studentSaml: LoginStrategy = {
  id: 'student-saml',
  method(tenant) {
    if (tenant.studentPasskey) return { acr: ACR.samlAndPasskey, amr: AMR.samlAndPasskey };
    if (tenant.studentSecondPassword) return { acr: ACR.samlAndSecondPassword, amr: AMR.samlAndSecondPassword };
    return { acr: ACR.saml, amr: AMR.saml };
  },

  async offer(it) {
    const idps = await studentIdps(it.tenant);
    const [only] = idps;
    if (!only) return undefined;
    return {
      acr: studentSaml.method(it.tenant).acr,
      titleKey: 'login.title',
      direct: idps.length === 1 ? `/interaction/${it.uid}/saml/${only.slug}` : undefined,
      view: {
        idps: idps.map((idp) => ({ slug: idp.slug, name: idp.displayName?.[it.lang] ?? idp.slug })),
        studentSecondPassword: it.tenant.studentSecondPassword && !it.tenant.studentPasskey,
      },
    };
  },

  interactionRoutes({ provider, sps, config }: PageDeps) {
    /** GET /interaction/:uid/saml/:idp: off to the university's sign-in, the interaction's uid as RelayState. */
    async function toUniversity(ctx: Context): Promise<void> {
      const it = await loadInteraction(ctx, provider);
      if (it?.details.prompt.name !== 'login') return interactionExpired(ctx);
      const idp = (await studentIdps(it.tenant)).find((candidate) => candidate.slug === ctx.params.idp);
      if (!idp) return ctx.throw(404);
      await sendAuthnRequest(ctx, sps, idp, it.uid, config.saml.requestMinutes);
    }
    return new Router().get('/saml/:idp', toUniversity);
  },

  tenantRoutes: (deps, flow) => samlRoutes(deps, flow, studentSaml),
};
