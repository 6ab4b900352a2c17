import type { Context } from 'koa';
import {
  type ClientSettings,
  changeClient,
  clientProblems,
  registerClient,
  rotateClientSecret,
  setClientDisabled,
} from '../admin/clients.ts';
import { audit } from '../db/audit.ts';
import { type Client, ClientModel } from '../db/models/client.ts';
import { formField } from '../http/form.ts';
import { tenantOf } from '../http/state.ts';
import { type FieldErrors, formatDateTime, message } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { go } from '../review/context.ts';
import { renderConsole } from './page.ts';

/** How long the old secret keeps working after a rotation, as the form offers it (minutes). */
export const OVERLAPS = [0, 60, 1440, 10080] as const;

const FIELDS = ['name', 'nameEn', 'redirectUris', 'postLogoutRedirectUris', 'backchannelLogoutUri', 'homeUrl'] as const;

/** One URI per line, as the form's text areas hold them. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

function postedClient(ctx: Context): { values: Record<string, string>; settings: ClientSettings } {
  const values = Object.fromEntries(FIELDS.map((name) => [name, formField(ctx, name, 4000)]));
  values.thirdParty = formField(ctx, 'thirdParty') === 'on' ? 'on' : '';
  values.type = formField(ctx, 'type') === 'public' ? 'public' : 'confidential';
  const settings: ClientSettings = {
    name: (values.name ?? '').trim(),
    nameEn: (values.nameEn ?? '').trim(),
    redirectUris: lines(values.redirectUris ?? ''),
    postLogoutRedirectUris: lines(values.postLogoutRedirectUris ?? ''),
    backchannelLogoutUri: (values.backchannelLogoutUri ?? '').trim() || undefined,
    homeUrl: (values.homeUrl ?? '').trim() || undefined,
    thirdParty: values.thirdParty === 'on',
  };
  return { values, settings };
}

const formOf = (client: Client): Record<string, string> => ({
  name: client.name,
  nameEn: client.nameEn ?? '',
  redirectUris: client.redirectUris.join('\n'),
  postLogoutRedirectUris: client.postLogoutRedirectUris.join('\n'),
  backchannelLogoutUri: client.backchannelLogoutUri ?? '',
  homeUrl: client.homeUrl ?? '',
  thirdParty: client.firstParty === false ? 'on' : '',
  type: client.public ? 'public' : 'confidential',
});

/** The problems of a relying party's settings as the form shows them, beside each field. */
function fieldErrors(settings: ClientSettings): FieldErrors {
  const errors: FieldErrors = {};
  for (const problem of clientProblems(settings)) {
    errors[problem.field] ??= message(`console.clients.errors.${problem.key}`, problem.values);
  }
  return errors;
}

/** GET /t/:tenant/staff/clients (admins): the university's relying parties and a form to add one. */
export async function showClients(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const clients = await ClientModel.find({ tenantId: tenantOf(ctx)._id })
    .sort({ name: 1 })
    .lean<Client[]>();
  const values = { ...Object.fromEntries(FIELDS.map((name) => [name, ''])), type: 'confidential' };
  renderConsole(ctx, 'console-clients', '/clients', { clients, values, overlaps: OVERLAPS }, extra, status);
}

/** The relying party a path names: this university's, by id; 404 for anything else. */
async function clientOfPath(ctx: Context): Promise<Client> {
  const id = String(ctx.params.id ?? '');
  const client = await ClientModel.findOne({ _id: id, tenantId: tenantOf(ctx)._id }).lean<Client>();
  return client ?? ctx.throw(404);
}

/** GET …/clients/:id: its settings to edit, its secret's rotation, and disabling. */
export async function showClient(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const client = await clientOfPath(ctx);
  const done =
    typeof ctx.query.done === 'string' && ['saved', 'disabled', 'enabled'].includes(ctx.query.done) ? ctx.query.done : '';
  const until = client.previousSecretExpiresAt;
  const previousUntil = until && until > new Date() ? formatDateTime(until, ctx.state.lang) : '';
  const page = { client, previousUntil, done, values: formOf(client), overlaps: OVERLAPS };
  renderConsole(ctx, 'console-client', `/clients/${client._id}`, page, extra, status);
}

/** The page that shows a new client secret, once: it is in this response only, never stored or mailed. */
function showSecret(ctx: Context, client: { id: string; name: string }, secret: string, kind: 'created' | 'rotated'): void {
  renderConsole(ctx, 'console-client-secret', `/clients/${client.id}`, { client, secret, kind });
}

/** POST …/clients: registered with a generated id; a confidential one's secret is shown once. */
export function createClient({ logger }: PageDeps) {
  return async function addRelyingParty(ctx: Context): Promise<void> {
    const tenantId = tenantOf(ctx)._id;
    const { values, settings } = postedClient(ctx);
    const errors = fieldErrors(settings);
    if (Object.keys(errors).length) return showClients(ctx, { values, errors, formError: message('form.errorSummary') }, 400);
    const made = await registerClient({ tenantId, ...settings, public: values.type === 'public' });
    const staff = ctx.state.staff?._id.toString();
    await audit(logger, {
      event: 'console.client_created',
      tenant: tenantId,
      staff,
      client: made.clientId,
      type: values.type ?? '',
      ip: ctx.ip,
    });
    if (!made.clientSecret) return go(ctx, `/clients/${made.clientId}?done=saved`);
    showSecret(ctx, { id: made.clientId, name: settings.name }, made.clientSecret, 'created');
  };
}

/** POST …/clients/:id/:action: save the settings, rotate the secret, disable or enable; audited. */
export function clientAction({ logger }: PageDeps) {
  return async function changeRelyingParty(ctx: Context): Promise<void> {
    const client = await clientOfPath(ctx);
    const tenantId = client.tenantId;
    const who = { tenant: tenantId, staff: ctx.state.staff?._id.toString(), client: client._id, ip: ctx.ip };
    switch (ctx.params.action) {
      case 'save': {
        const { values, settings } = postedClient(ctx);
        const errors = fieldErrors(settings);
        const again = { values: { ...values, type: formOf(client).type }, errors, formError: message('form.errorSummary') };
        if (Object.keys(errors).length) return showClient(ctx, again, 400);
        await changeClient(tenantId, client._id, settings);
        const before = JSON.stringify(formOf(client));
        await audit(logger, {
          event: 'console.client_changed',
          ...who,
          before,
          after: JSON.stringify({ ...formOf(client), ...values }),
        });
        return go(ctx, `/clients/${client._id}?done=saved`);
      }
      case 'rotate': {
        const overlap = Number(formField(ctx, 'overlap'));
        if (!(OVERLAPS as readonly number[]).includes(overlap))
          return showClient(ctx, { errors: { overlap: message('console.clients.errors.overlap') } }, 400);
        const secret = await rotateClientSecret({ _id: client._id, tenantId }, overlap);
        if (!secret) return ctx.throw(404);
        await audit(logger, { event: 'console.client_secret_rotated', ...who, overlapMinutes: overlap });
        return showSecret(ctx, { id: client._id, name: client.name }, secret, 'rotated');
      }
      case 'disable':
      case 'enable': {
        const disabled = ctx.params.action === 'disable';
        if (!(await setClientDisabled(tenantId, client._id, disabled))) return go(ctx, `/clients/${client._id}`);
        await audit(logger, {
          event: `console.client_${ctx.params.action}d`,
          ...who,
          before: String(Boolean(client.disabled)),
          after: String(disabled),
        });
        return go(ctx, `/clients/${client._id}?done=${ctx.params.action}d`);
      }
      default:
        return ctx.throw(404);
    }
  };
}
