import type { Context } from 'koa';
import { type SamlIdp, SamlRequestModel } from '../db/models/saml.ts';
import { seeOther } from '../http/redirect.ts';
import { render } from '../http/views.ts';
import { idpEntity, type ServiceProviders } from './service-provider.ts';

/**
 * Sends the browser to the university's sign-in with a signed AuthnRequest (HTTP-Redirect, or an
 * HTTP-POST form) whose ID we keep: only a response to it is accepted, once. RelayState carries the
 * interaction, so the login resumes where it started.
 */
export async function sendAuthnRequest(ctx: Context, sps: ServiceProviders, idp: SamlIdp, uid: string, minutes: number) {
  const request = sps.entity(idp.tenantId).createLoginRequest(idpEntity(idp), idp.binding, { relayState: uid });
  await SamlRequestModel.create({
    _id: request.id,
    tenantId: idp.tenantId,
    idpId: idp._id,
    uid,
    expiresAt: new Date(Date.now() + minutes * 60_000),
  });
  if ('entityEndpoint' in request) {
    return render(ctx, 'saml-post', {
      endpoint: request.entityEndpoint,
      fields: { SAMLRequest: request.context, RelayState: uid },
    });
  }
  seeOther(ctx, request.context);
}
