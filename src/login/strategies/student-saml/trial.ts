import type { Context } from 'koa';
import { audit } from '../../../db/audit.ts';
import type { SamlIdp } from '../../../db/models/saml.ts';
import { render } from '../../../http/views.ts';
import { isLang, type Lang } from '../../../i18n/index.ts';
import type { Logger } from '../../../log.ts';
import { sendAuthnRequest } from '../../../saml/authn-request.ts';
import type { VerifiedAssertion } from '../../../saml/login-response.ts';
import type { ServiceProviders } from '../../../saml/service-provider.ts';
import { affiliationAllowed, studentProfile } from './student-link.ts';

// "Try a sign-in" (issue 26 item 4): an admin signs in at the university's IdP from the console and
// sees what arrived and what the mapping made of it — through the same AuthnRequest, ACS and checks
// as a student's login, but no account is made or changed and no session begins.

const TRIAL = 'trial:';

/** The request's uid marks a trial, with the admin's language and staff id. */
export const isTrial = (uid: string): boolean => uid.startsWith(TRIAL);

export function startTrial(ctx: Context, sps: ServiceProviders, idp: SamlIdp, staffId: string, minutes: number) {
  return sendAuthnRequest(ctx, sps, idp, `${TRIAL}${ctx.state.lang}:${staffId}`, minutes);
}

/** The ACS's answer to a trial: the attributes as sent, the profile the mapping reads, and whether a student would get in. */
export async function showTrial(ctx: Context, verified: VerifiedAssertion, logger: Logger): Promise<void> {
  const [lang, staffId] = verified.request.uid.slice(TRIAL.length).split(':');
  ctx.state.lang = isLang(lang) ? (lang as Lang) : ctx.state.lang;
  const { idp } = verified;
  const reading = studentProfile(verified);
  const profile = 'profile' in reading ? reading.profile : undefined;
  const outcome = 'refusal' in reading ? reading.refusal : profile && affiliationAllowed(idp, profile) ? 'ok' : 'notAllowed';
  const attributes = Object.entries(verified.attributes).map(([name, values]) => ({ name, values }));
  await audit(logger, {
    event: 'staff.idp_tried',
    tenant: idp.tenantId,
    staff: staffId,
    idp: idp._id,
    outcome,
    attributes: attributes.map((a) => a.name).join(' '),
    ip: ctx.ip,
  });
  render(ctx, '@login-student-saml-trial', {
    idp: { name: idp.displayName?.[ctx.state.lang as Lang] ?? idp.slug, entityId: idp.entityId, mapping: idp.mapping ?? {} },
    nameId: verified.nameId,
    authnContext: verified.authnContext,
    attributes,
    profile,
    outcome,
    detail: 'refusal' in reading ? reading.detail : '',
    consoleUrl: `/t/${idp.tenantId}/staff/idps/${idp.slug}`,
  });
}
