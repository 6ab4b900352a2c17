import type { Context } from 'koa';
import { listFederations, listTrusts, searchFederationIdps, trustEntity } from '../admin/federations.ts';
import { audit } from '../db/audit.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type Lang, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

const RESULTS = 50;

/**
 * GET /t/:tenant/staff/federation?f=&q= (admins): the federations the operator added, a search of one
 * federation's IdPs by name (ja/en), entity ID or scope, and which of them this university trusts.
 */
export async function showFederation(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const federations = await listFederations();
  const chosen = federations.find((f) => f._id === ctx.query.f) ?? federations[0];
  const q = typeof ctx.query.q === 'string' ? ctx.query.q.normalize('NFKC').trim().slice(0, 100) : '';
  const trust = chosen ? (await listTrusts(tenantOf(ctx)._id)).find((t) => t.federationId === chosen._id) : undefined;
  const lang = ctx.state.lang as Lang;
  const idps = chosen
    ? (await searchFederationIdps(chosen._id, q, RESULTS)).map((idp) => ({
        entityId: idp.entityId,
        name: idp.displayName?.[lang] || idp.displayName?.ja || idp.displayName?.en || idp.entityId,
        scopes: (idp.scopes ?? []).join(' '),
        trusted: Boolean(trust?.all || trust?.entityIds.includes(idp.entityId)),
      }))
    : [];
  const done = typeof ctx.query.done === 'string' && ['trusted', 'untrusted'].includes(ctx.query.done) ? ctx.query.done : '';
  const page = { federations, chosen: chosen?._id ?? '', q, idps, limit: RESULTS, all: Boolean(trust?.all), done };
  renderConsole(ctx, 'console-federation', '/federation', page, extra, status);
}

/** POST …/federation/trust: one IdP trusted or untrusted for this university's students; audited. */
export function changeTrust({ logger }: PageDeps) {
  return async function trustOrUntrust(ctx: Context): Promise<void> {
    const tenantId = tenantOf(ctx)._id;
    const federationId = formField(ctx, 'federation', 100);
    const entityId = formField(ctx, 'entityId', 1000);
    const trusted = formField(ctx, 'trust') === 'yes';
    if (!(await listFederations()).some((f) => f._id === federationId) || !entityId) return ctx.throw(404);
    if (!(await trustEntity(tenantId, federationId, entityId, trusted))) {
      return showFederation(ctx, { formError: message('console.federation.allTrusted') }, 409);
    }
    const event = trusted ? 'console.federation_idp_trusted' : 'console.federation_idp_untrusted';
    await audit(logger, {
      event,
      tenant: tenantId,
      staff: ctx.state.staff?._id.toString(),
      federation: federationId,
      entityId,
      ip: ctx.ip,
    });
    const back = `?f=${encodeURIComponent(federationId)}&q=${encodeURIComponent(formField(ctx, 'q', 100))}`;
    go(ctx, `/federation${back}&done=${trusted ? 'trusted' : 'untrusted'}`);
  };
}
