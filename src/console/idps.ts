import { X509Certificate } from 'node:crypto';
import type { Context } from 'koa';
import { OperatorError } from '../admin/errors.ts';
import { configureIdp, idpSettingProblems, importIdp, listIdps, MAPPING_KEYS, setIdpEnabled } from '../admin/saml-idps.ts';
import type { Config } from '../config/schema.ts';
import { audit } from '../db/audit.ts';
import { type AttributeMapping, type SamlIdp, SamlIdpModel } from '../db/models/saml.ts';
import { formField, oneFileForm } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, formatDateTime, type Lang, message } from '../i18n/index.ts';
import { startTrial } from '../login/strategies/student-saml/trial.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { idpEntity } from '../saml/service-provider.ts';
import { isPublicUrl } from '../security/public-address.ts';
import { renderConsole } from './page.ts';

/** A signing certificate this close to its end is shown with a warning. */
const WARN_DAYS = 30;

/** When the IdP's signing certificate ends, as the page shows it, and whether to warn. */
function certificate(idp: SamlIdp, lang: Lang): { until: string; warn: boolean; expired: boolean } | undefined {
  try {
    const pem = idpEntity(idp).entityMeta.getX509Certificate('signing');
    const der = Buffer.from(String(Array.isArray(pem) ? pem[0] : pem).replace(/\s+/g, ''), 'base64');
    const end = new Date(new X509Certificate(der).validTo);
    const left = end.getTime() - Date.now();
    return { until: formatDateTime(end, lang), warn: left < WARN_DAYS * 86_400_000, expired: left <= 0 };
  } catch {
    return undefined;
  }
}

/** The metadata file chosen (if one was), read into the body as `metadataXml` before the form's checks. */
export const metadataUpload = oneFileForm('metadataFile', { maxBytes: 1024 * 1024, fields: 10 }, (ctx, { bytes, error }) => {
  if (error) ctx.throw(413);
  if (bytes) (ctx.request.body as Record<string, string>).metadataXml = bytes.toString('utf8');
});

/** GET /t/:tenant/staff/idps (admins): the university's own SAML IdPs, importing one, and our SP metadata's address. */
export function idpsPage(issuer: string) {
  return async function showIdps(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
    const idps = (await listIdps(tenantOf(ctx)._id)).filter((idp) => !idp.federationId);
    const rows = idps.map((idp) => ({ ...idp, certificate: certificate(idp, ctx.state.lang) }));
    const values = { slug: '', nameJa: '', nameEn: '', metadataUrl: '', metadataXml: '', binding: 'redirect' };
    const spMetadata = `${issuer}/t/${tenantOf(ctx)._id}/saml/metadata`;
    renderConsole(ctx, 'console-idps', '/idps', { idps: rows, values, spMetadata }, extra, status);
  };
}

/**
 * POST …/idps: imported from a metadata URL or pasted metadata, by the operator's own importIdp (the
 * same checks: a signing certificate, a sign-on endpoint for the binding, no XML hazards).
 */
/** Where a metadata URL a university's staff give may lead: the public internet, unless the operator allows more. */
const mayFetchFor = (config: Config) => (config.allowPrivateNetworkCalls ? undefined : isPublicUrl);

export function importIdpFromConsole({ config, logger }: PageDeps) {
  const mayFetch = mayFetchFor(config);
  const showIdps = idpsPage(config.issuer);
  return async function importUniversityIdp(ctx: Context): Promise<void> {
    const tenantId = tenantOf(ctx)._id;
    const names = ['slug', 'nameJa', 'nameEn', 'metadataUrl', 'binding'] as const;
    const values: Record<string, string> = Object.fromEntries(names.map((name) => [name, formField(ctx, name, 500).trim()]));
    values.metadataXml = formField(ctx, 'metadataXml', 500_000);
    const errors: FieldErrors = {};
    if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(values.slug ?? '') || values.slug?.startsWith('fed-'))
      errors.slug = message('console.idps.errors.slug');
    if (!values.nameJa) errors.nameJa = message('form.required', { field: message('console.idps.fields.nameJa') });
    if (!values.nameEn) errors.nameEn = message('form.required', { field: message('console.idps.fields.nameEn') });
    if (!values.metadataUrl && !values.metadataXml?.trim()) errors.metadataUrl = message('console.idps.errors.metadataMissing');
    const again = (more: FieldErrors, status: number) =>
      showIdps(ctx, { values, errors: { ...errors, ...more }, formError: message('form.errorSummary') }, status);
    if (Object.keys(errors).length) return again({}, 400);
    if (await SamlIdpModel.exists({ _id: `${tenantId}:${values.slug}` }))
      return again({ slug: message('console.idps.errors.slugTaken') }, 409);
    try {
      await importIdp({
        tenantId,
        slug: values.slug ?? '',
        nameJa: values.nameJa ?? '',
        nameEn: values.nameEn ?? '',
        ...(values.metadataUrl ? { metadataUrl: values.metadataUrl } : { metadataXml: values.metadataXml }),
        binding: values.binding === 'post' ? 'post' : 'redirect',
        mayFetch,
      });
    } catch (error) {
      if (!(error instanceof OperatorError)) throw error;
      const field = values.metadataUrl ? 'metadataUrl' : 'metadataXml';
      return again({ [field]: message('console.idps.errors.metadata', { detail: error.message }) }, 400);
    }
    await audit(logger, {
      event: 'console.idp_imported',
      tenant: tenantId,
      staff: ctx.state.staff?._id.toString(),
      idp: values.slug,
      ip: ctx.ip,
    });
    go(ctx, `/idps/${values.slug}?done=imported`);
  };
}

async function idpOfPath(ctx: Context): Promise<SamlIdp> {
  const idp = await SamlIdpModel.findOne({ _id: `${tenantOf(ctx)._id}:${ctx.params.slug}`, federationId: '' }).lean<SamlIdp>();
  return idp ?? ctx.throw(404);
}

const DONE = ['imported', 'saved', 'enabled', 'disabled', 'refreshed'];

/** GET …/idps/:slug: the IdP, its certificate's end, the mapping to edit, trying a sign-in. */
export async function showIdp(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const idp = await idpOfPath(ctx);
  const mapping = (idp.mapping ?? {}) as Record<string, string>;
  const values = {
    ...Object.fromEntries(MAPPING_KEYS.map((key) => [`map-${key}`, mapping[key] ?? ''])),
    affiliations: (idp.allowedAffiliations ?? []).join(' '),
  };
  const done = typeof ctx.query.done === 'string' && DONE.includes(ctx.query.done) ? ctx.query.done : '';
  const page = { idp, certificate: certificate(idp, ctx.state.lang), mappingKeys: MAPPING_KEYS, done, values };
  renderConsole(ctx, 'console-idp', `/idps/${idp.slug}`, page, extra, status);
}

/** POST …/idps/:slug/:action: the mapping saved, enabled or disabled, refreshed from its URL, or a trial sign-in. */
export function idpAction({ config, logger, sps }: PageDeps) {
  const mayFetch = mayFetchFor(config);
  return async function changeIdp(ctx: Context): Promise<void> {
    const idp = await idpOfPath(ctx);
    const who = { tenant: idp.tenantId, staff: ctx.state.staff?._id.toString(), idp: idp.slug, ip: ctx.ip };
    const action = String(ctx.params.action);
    if (action === 'try') return startTrial(ctx, sps, idp, who.staff ?? '', config.saml.requestMinutes);
    if (action === 'enable' || action === 'disable') {
      await setIdpEnabled(idp.tenantId, idp.slug, action === 'enable');
      await audit(logger, { event: `console.idp_${action}d`, ...who });
      return go(ctx, `/idps/${idp.slug}?done=${action}d`);
    }
    if (action === 'refresh' && idp.metadataUrl) {
      try {
        await importIdp({ tenantId: idp.tenantId, slug: idp.slug, nameJa: '', nameEn: '', mayFetch });
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        return showIdp(ctx, { formError: message('console.idps.errors.metadata', { detail: error.message }) }, 502);
      }
      await audit(logger, { event: 'console.idp_refreshed', ...who });
      return go(ctx, `/idps/${idp.slug}?done=refreshed`);
    }
    if (action !== 'mapping') return ctx.throw(404);
    const mapping = Object.fromEntries(MAPPING_KEYS.map((key) => [key, formField(ctx, `map-${key}`, 500).trim()]));
    const affiliations = formField(ctx, 'affiliations', 500).trim();
    const settings = {
      mapping: mapping as Partial<AttributeMapping>,
      allowedAffiliations: affiliations.split(/[\s,]+/).filter(Boolean),
    };
    const errors: FieldErrors = {};
    for (const problem of idpSettingProblems(settings)) errors[problem.field] ??= message(`console.idps.errors.${problem.key}`);
    if (Object.keys(errors).length) {
      const values = { ...Object.fromEntries(MAPPING_KEYS.map((key) => [`map-${key}`, mapping[key]])), affiliations };
      return showIdp(ctx, { values, errors, formError: message('form.errorSummary') }, 400);
    }
    await configureIdp(idp.tenantId, idp.slug, settings);
    await audit(logger, {
      event: 'console.idp_mapping_changed',
      ...who,
      before: JSON.stringify(idp.mapping),
      after: JSON.stringify(mapping),
    });
    go(ctx, `/idps/${idp.slug}?done=saved`);
  };
}
