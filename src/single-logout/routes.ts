import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { audit } from '../db/audit.ts';
import { accountsOfIdpSession } from '../db/identities.ts';
import { ServiceError } from '../errors.ts';
import { seeOther } from '../http/redirect.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import { endOtherSessions } from '../oidc/sessions.ts';
import type { PageDeps } from '../page-deps.ts';
import { LogoutRefusal, readLogoutMessage } from '../saml/single-logout.ts';
import { spMetadata } from '../saml/sp-metadata.ts';

const samlBody = bodyParser({ enableTypes: ['form'], formLimit: '512kb', encoding: 'utf-8' });

/** The IdP's LogoutRequest: every session here of the student it names ends, each audited. */
async function endStudentSessions(tenantId: string, idpId: string, nameId: string, logger: Logger, ip: string) {
  for (const account of await accountsOfIdpSession(tenantId, idpId, nameId)) {
    const ended = await endOtherSessions(account._id.toString());
    await audit(logger, {
      event: 'saml.logout',
      tenant: tenantId,
      account: account._id.toString(),
      idp: idpId,
      endedSessions: ended,
      ip,
    });
  }
}

/**
 * /t/:tenant/saml/metadata: our SP metadata for the university's IdP and federation. /t/:tenant/saml/slo:
 * single logout with the university's IdP. A LogoutRequest from the IdP (the student logged out there)
 * ends every session of the student here and is answered; a LogoutResponse ends our own logout at the
 * IdP. Both must be signed by the IdP's metadata key (src/saml/single-logout.ts).
 */
export function samlServiceRoutes({ sps, logger, config }: PageDeps): Router {
  async function singleLogout(ctx: Context): Promise<void> {
    const tenant = tenantOf(ctx);
    const binding = ctx.method === 'GET' ? 'redirect' : 'post';
    const params = (binding === 'redirect' ? ctx.query : ctx.request.body) as Record<string, unknown>;
    let message: Awaited<ReturnType<typeof readLogoutMessage>>;
    try {
      message = await readLogoutMessage(sps, tenant._id, { binding, params, query: ctx.query, querystring: ctx.querystring });
    } catch (error) {
      if (!(error instanceof LogoutRefusal)) throw error;
      await audit(
        logger,
        { event: 'saml.logout_refused', tenant: tenant._id, detail: error.message, ip: ctx.ip },
        'SAML logout message refused',
      );
      throw new ServiceError(400, 'saml.refused.malformed');
    }
    if (message.kind === 'response') return render(ctx, 'logged-out');
    await endStudentSessions(tenant._id, message.idp._id, message.nameId, logger, ctx.ip);
    seeOther(ctx, message.answer(typeof params.RelayState === 'string' ? params.RelayState : undefined));
  }

  return new Router({ prefix: '/saml' })
    .get('/metadata', (ctx) => {
      ctx.type = 'application/samlmetadata+xml';
      ctx.body = spMetadata(sps, tenantOf(ctx), config.saml.sp);
    })
    .get('/slo', singleLogout)
    .post('/slo', samlBody, singleLogout);
}
