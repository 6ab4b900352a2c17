import Router from '@koa/router';
import type { Context } from 'koa';
import type { Tenant } from '../../../db/models/tenant.ts';
import { render } from '../../../http/views.ts';
import { ACR } from '../../../oidc/acr.ts';
import type { PageDeps } from '../../../page-deps.ts';
import { sendAuthnRequest } from '../../../saml/authn-request.ts';
import { findStudentIdp, type IdpChoice, idpChoices } from '../../../saml/idps.ts';
import type { LoginStrategy } from '../../contract.ts';
import { interactionAt } from '../../interaction-context.ts';
import { strategyFolder } from '../../strategy-folder.ts';
import { samlRoutes } from './acs.ts';
import { INLINE_CHOICES, listed, rememberChoice, rememberedChoice, searchChoices } from './discovery.ts';

strategyFolder('student-saml', import.meta.url, ['discovery', 'idp-name', 'trial']);

/** The acr a student's login here earns once its required actions are done (for acr_values). */
function offeredAcr(tenant: Tenant): string {
  if (tenant.studentPasskey) return ACR.samlAndPasskey;
  return tenant.studentSecondPassword ? ACR.samlAndSecondPassword : ACR.saml;
}

/** The university's own IdPs, then those its federations' trust admits (src/saml/idps.ts). */
async function studentIdps(tenant: Tenant): Promise<IdpChoice[]> {
  if (!tenant.loginMethods?.student) return [];
  return idpChoices(tenant._id);
}

/**
 * Requirement S1: a student signs in at the university's own IdP, or (X2) at one of a federation's
 * chosen on the discovery page; the ACS (acs.ts) verifies the answer and links the account. The second
 * password, where the university wants one, is a required action (required-actions/student-second-password.ts),
 * which adds its method, so the acr/amr say what was done.
 */
export const studentSaml: LoginStrategy = {
  id: 'student-saml',

  async offer(interaction, ctx) {
    const idps = await studentIdps(interaction.tenant);
    const [only] = idps;
    if (!only) return undefined;
    const remembered = rememberedChoice(ctx, interaction.tenantId, idps);
    const many = idps.length > INLINE_CHOICES;
    return {
      acr: offeredAcr(interaction.tenant),
      titleKey: 'login.title',
      direct: idps.length === 1 ? `/interaction/${interaction.uid}/saml/${only.slug}` : undefined,
      view: {
        idps: many ? [] : idps.map((idp) => listed(idp, interaction.lang)),
        remembered: many && remembered ? listed(remembered, interaction.lang) : undefined,
        discovery: many,
        studentSecondPassword: interaction.tenant.studentSecondPassword && !interaction.tenant.studentPasskey,
      },
    };
  },

  interactionRoutes({ provider, sps, config }: PageDeps) {
    /** GET /interaction/:uid/saml?q=: the discovery page, searching the IdPs by name, entity ID or scope. */
    async function discovery(ctx: Context): Promise<void> {
      const interaction = await interactionAt(ctx, provider);
      const idps = await studentIdps(interaction.tenant);
      if (!idps.length) return ctx.throw(404);
      const q = String(ctx.query.q ?? '').slice(0, 200);
      const { shown, total } = searchChoices(idps, q);
      const remembered = q ? undefined : rememberedChoice(ctx, interaction.tenantId, idps);
      render(ctx, '@login-student-saml-discovery', {
        uid: interaction.uid,
        branding: interaction.branding,
        q,
        remembered: remembered && listed(remembered, interaction.lang),
        idps: shown.map((idp) => listed(idp, interaction.lang)),
        shown: shown.length,
        total,
      });
    }

    /** GET /interaction/:uid/saml/:idp: off to the chosen sign-in (remembered), the interaction's uid as RelayState. */
    async function toUniversity(ctx: Context): Promise<void> {
      const interaction = await interactionAt(ctx, provider);
      const idp = interaction.tenant.loginMethods?.student
        ? await findStudentIdp(`${interaction.tenantId}:${ctx.params.idp}`)
        : undefined;
      if (!idp) return ctx.throw(404);
      rememberChoice(ctx, interaction.tenantId, idp.slug);
      await sendAuthnRequest(ctx, sps, idp, interaction.uid, config.saml.requestMinutes);
    }
    return new Router().get('/saml', discovery).get('/saml/:idp', toUniversity);
  },

  tenantRoutes: (deps, flow) => samlRoutes(deps, flow, studentSaml),
};
