import type { Context } from 'koa';
import mongoose from 'mongoose';
import { accountSearch } from '../admin/account-search.ts';
import { audit } from '../db/audit.ts';
import { type Account, findAccount, findAccounts, otherHoldersOf } from '../db/identities.ts';
import { type Application, ApplicationModel, imageBytes } from '../db/models/application.ts';
import { formField } from '../http/form.ts';
import { displayValue, GROUPS, studentIdFields, tenantFields } from '../http/form-items.ts';
import { seeOther } from '../http/redirect.ts';
import { staffOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { message, translator } from '../i18n/index.ts';
import type { PageDeps } from '../page-deps.ts';
import { base } from './context.ts';
import { type Action, decide } from './decide.ts';
import { likelyAccounts } from './existing-accounts.ts';
import { matchRegister, SCHOOL_NAMES } from './register-match.ts';
import { undoDecision } from './undo.ts';

/** Graduate accounts of the tenant a reviewer's search finds (src/admin/account-search.ts). */
function searchAccounts(tenantId: string, query: string) {
  const anyOf = accountSearch(query);
  return anyOf ? findAccounts(tenantId, anyOf, 20, { kind: 'graduate' }) : Promise.resolve([] as Account[]);
}

/** The application of the URL, of the staff member's own university only (another's is simply not found). */
async function load(ctx: Context): Promise<Application> {
  const id = ctx.params.id ?? '';
  if (!mongoose.isValidObjectId(id)) return ctx.throw(404);
  const application = await ApplicationModel.findOne({ _id: id, tenantId: tenantOf(ctx)._id }).lean<Application>();
  return application ?? ctx.throw(404);
}

/** Accounts an additional student ID is flagged against: others of the university holding it already. */
async function holders(tenantId: string, application: Application) {
  if (application.type !== 'student-id') return { holder: null, duplicates: [] };
  const studentId = (application.values as Record<string, string>).studentId;
  const holder = application.accountId ? await findAccount(application.accountId) : null;
  const duplicates = await otherHoldersOf(tenantId, studentId ?? '', application.accountId ?? '');
  return { holder, duplicates };
}

/** The form item a register item is shown beside: a name beside the name at school when one was given. */
const FIELD_OF: Record<string, string> = { department: 'catalogue', leftOn: 'graduation', leaveKind: 'graduationType' };
function fieldOf(item: string, values: Record<string, string>): string {
  const school = SCHOOL_NAMES[item];
  return school && values[school] ? school : (FIELD_OF[item] ?? item);
}

async function show(ctx: Context, application: Application, extra: Record<string, unknown> = {}, status = 200) {
  const tenant = tenantOf(ctx);
  const t = translator(ctx.state.lang);
  const values = application.values as Record<string, string>;
  const rows = (application.type === 'student-id' ? studentIdFields(tenant) : tenantFields(tenant)).map((field) => ({
    field,
    label: t(`application.fields.${field.name}`),
    value: displayValue(t, tenant, ctx.state.lang, field, values[field.name]),
  }));
  const query = typeof ctx.query.q === 'string' ? ctx.query.q : '';
  const pending = application.status === 'pending' && application.type !== 'student-id';
  const likely = pending ? await likelyAccounts(tenant._id, application) : [];
  // A reapplication is offered the accounts its items point to until the reviewer searches.
  const candidates =
    application.type !== 'reapplication' ? [] : query ? await searchAccounts(tenant._id, query) : likely.map((l) => l.account);
  const held = await holders(tenant._id, application);
  // An additional student ID's form has no birth date: the account's is the graduate's.
  const compared = { values: { birthdate: held.holder?.birthdate || undefined, ...values } };
  const match = application.status === 'pending' ? await matchRegister(tenant, compared) : null;
  const page = {
    undone: ctx.query.undone === '1' && application.status === 'pending',
    likely,
    evidence: Object.fromEntries(likely.map((l) => [String(l.account._id), l.evidence])),
    match,
    matchOf: Object.fromEntries((match?.items ?? []).map((item) => [fieldOf(item.item, values), item])),
    // Items compared but not on this form (an additional student ID's birth date, from the account).
    otherMatches: (match?.items ?? []).filter((item) => !rows.some((row) => row.field.name === fieldOf(item.item, values))),
    base: base(ctx),
    application,
    rows,
    groups: GROUPS,
    query,
    candidates,
    ...held,
    images: { front: Boolean(application.images?.front), back: Boolean(application.images?.back) },
    staff: ctx.state.staff,
    errors: {},
  };
  render(ctx, 'staff-application', { ...page, ...extra }, status);
}

/** One application, its items, images and (for a reapplication) the accounts it may belong to. */
export async function showApplication(ctx: Context, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  await show(ctx, await load(ctx), extra, status);
}

/** An identification image, to reviewers only, never cached; every view is audited (issue 26 item 7). */
export function applicationImage({ logger }: PageDeps) {
  return async function identificationImage(ctx: Context): Promise<void> {
    const application = await load(ctx);
    const side = ctx.params.side === 'back' ? 'back' : 'front';
    const image = application.images?.[side];
    if (!image) return ctx.throw(404);
    const staff = ctx.state.staff?._id.toString();
    const entry = { tenant: application.tenantId, staff, application: application._id.toString(), side, ip: ctx.ip };
    await audit(logger, { event: 'staff.image_viewed', ...entry });
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = image.contentType;
    ctx.body = imageBytes(image.data);
  };
}

const ERROR_FIELDS: Record<string, string> = { reasonRequired: 'reason', accountRequired: 'accountId' };

/** Approve, reject or ask for resubmission (src/review/decide.ts); back to the queue when done. */
export function decideApplication({ config, hasher, logger }: PageDeps) {
  return async function decideOne(ctx: Context): Promise<void> {
    const application = await load(ctx);
    // What the reviewer chose and wrote comes back with any error (issue 27 item 5).
    const values = {
      action: formField(ctx, 'action'),
      reason: formField(ctx, 'reason', 2000),
      accountId: formField(ctx, 'accountId', 40),
    };
    if (!['approve', 'reject', 'resubmit'].includes(values.action)) {
      return show(ctx, application, { values, errors: { action: message('staff.error.action') } }, 400);
    }
    const result = await decide({ config, hasher, logger }, staffOf(ctx), tenantOf(ctx), application._id.toString(), {
      action: values.action as Action,
      reason: values.reason,
      accountId: values.accountId || undefined,
    });
    if (!result.ok) {
      const errors = { [ERROR_FIELDS[result.error] ?? 'action']: message(`staff.error.${result.error}`) };
      return show(ctx, application, { values, errors }, result.error === 'notPending' ? 409 : 400);
    }
    seeOther(ctx, `${base(ctx)}?decided=${application._id}`);
  };
}

/** POST …/applications/:id/undo: the last decision taken back while its mail is held (src/review/undo.ts). */
export function undoApplication({ logger }: PageDeps) {
  return async function undoLastDecision(ctx: Context): Promise<void> {
    const application = await load(ctx);
    const undone = await undoDecision(logger, staffOf(ctx), tenantOf(ctx), application);
    if (!undone) return show(ctx, application, { formError: message('staff.undoTooLate') }, 409);
    seeOther(ctx, `${base(ctx)}/applications/${application._id}?undone=1`);
  };
}
