import type { Context } from 'koa';
import { parseName } from '../admin/accounts.ts';
import { audit } from '../db/audit.ts';
import { type Account, updateAccount } from '../db/identities.ts';
import { formField } from '../http/form.ts';
import { CONTACT_FIELDS, PERSONAL_FIELDS, tenantFields, validateFields } from '../http/form-items.ts';
import { accountOf, tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import type { Logger } from '../log.ts';
import { base, done, notOffered } from './context.ts';
import { fullName } from './home.ts';

/** The person's current personal items as the form shows them. */
function personalValues(account: Account): Record<string, string> {
  return {
    nameKanji: fullName(account.name?.kanji),
    nameKana: fullName(account.name?.kana),
    nameRoman: fullName(account.name?.roman),
    sex: account.sex ?? '',
    birthdate: account.birthdate ?? '',
    ...Object.fromEntries(CONTACT_FIELDS.map((name) => [name, account.contact?.[name] ?? ''])),
  };
}

const personalFields = (ctx: Context) => tenantFields(tenantOf(ctx)).filter((f) => PERSONAL_FIELDS.includes(f.name));

function show(ctx: Context, view: string, values: Record<string, string>, extra: Record<string, unknown> = {}, status = 200) {
  const page = { base: base(ctx), fields: personalFields(ctx), values, errors: {}, catalogue: [] };
  render(ctx, view, { ...page, ...extra }, status);
}

/** Requirement G4 (a): personal information (graduates; a student's comes from the university). */
export function showPersonal(ctx: Context, extra: { values?: Record<string, string> } = {}, status = 200): void {
  if (accountOf(ctx).kind !== 'graduate') notOffered(ctx, 'graduatesOnly');
  show(ctx, 'account-personal', extra.values ?? personalValues(accountOf(ctx)), extra, status);
}

async function save(ctx: Context, logger: Logger, values: Record<string, string>): Promise<void> {
  const name = (value: string | undefined) => (value ? parseName(value, 'name') : { family: '', given: '' });
  const contact = CONTACT_FIELDS.filter((f) => values[f] !== undefined).map((f) => [`contact.${f}`, values[f]]);
  const $set = {
    'name.kanji': name(values.nameKanji),
    'name.kana': name(values.nameKana),
    'name.roman': name(values.nameRoman),
    ...(values.sex !== undefined ? { sex: values.sex } : {}),
    ...(values.birthdate !== undefined ? { birthdate: values.birthdate } : {}),
    ...Object.fromEntries(contact),
  };
  await updateAccount(accountOf(ctx)._id, { $set });
  await audit(logger, {
    event: 'account.personal_changed',
    tenant: tenantOf(ctx)._id,
    account: accountOf(ctx)._id.toString(),
    ip: ctx.ip,
  });
  done(ctx, 'account.changed.personal');
}

/** Check → confirmation → Change. */
export function changePersonal(logger: Logger) {
  return async function changePersonalItems(ctx: Context): Promise<void> {
    if (accountOf(ctx).kind !== 'graduate') return notOffered(ctx, 'graduatesOnly');
    const { values, errors } = validateFields(tenantOf(ctx), (name) => formField(ctx, name, 200), personalFields(ctx));
    if (Object.keys(errors).length) return show(ctx, 'account-personal', values, { errors }, 400);
    if (formField(ctx, 'confirmed') !== 'yes') return show(ctx, 'account-personal-confirm', values);
    await save(ctx, logger, values);
  };
}
