import type { Context } from 'koa';
import mongoose from 'mongoose';
import { accountForStaff, findAccounts } from '../db/identities.ts';
import { AuditModel } from '../db/models/audit.ts';
import { escapeRegex } from '../db/regex.ts';
import { tenantOf } from '../http/state.ts';
import { render } from '../http/views.ts';
import { formatDateTime } from '../i18n/index.ts';
import { base } from '../review/context.ts';
import { typedDay } from '../text/typed-date.ts';

const RESULTS = 50;
const SCRIPTS = ['kanji', 'kana', 'roman'] as const;

/** Hiragana as katakana (the kana name is stored in katakana; people type either). */
const katakana = (text: string) => text.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

/** One name condition for each script: the kana one in katakana, the roman one in any case. */
function nameConditions(family: string, given: string | undefined): Array<Record<string, unknown>> {
  return SCRIPTS.map((script) => {
    const exact = (value: string) =>
      script === 'roman' ? { $regex: `^${escapeRegex(value)}$`, $options: 'i' } : script === 'kana' ? katakana(value) : value;
    return given === undefined
      ? { $or: [{ [`name.${script}.family`]: exact(family) }, { [`name.${script}.given`]: exact(family) }] }
      : { [`name.${script}.family`]: exact(family), [`name.${script}.given`]: exact(given) };
  });
}

/**
 * What a helpdesk member types, as conditions on the university's accounts: a mail address (or its
 * beginning), a student ID, a birth date in the forms people type, or a name in any of its three
 * scripts, with or without the space between family and given name, in full or half width.
 */
export function accountSearch(typed: string): Array<Record<string, unknown>> | undefined {
  const text = typed.normalize('NFKC').trim().slice(0, 100);
  if (!text) return undefined;
  const anyOf: Array<Record<string, unknown>> = [
    { email: { $regex: `^${escapeRegex(text.toLowerCase())}` } },
    { 'studentIds.number': text },
  ];
  const date = typedDay(text);
  if (date) anyOf.push({ birthdate: date });
  const words = text.split(/\s+/);
  if (words.length === 2) anyOf.push(...nameConditions(words[0] as string, words[1]));
  if (words.length === 1) {
    anyOf.push(...nameConditions(text, undefined));
    // Without the space: every place it could have stood.
    const letters = [...text].slice(0, 20);
    for (let at = 1; at < letters.length; at++) {
      anyOf.push(...nameConditions(letters.slice(0, at).join(''), letters.slice(at).join('')));
    }
  }
  return anyOf;
}

/** GET /t/:tenant/staff/accounts: the helpdesk's search of the university's accounts. */
export async function showAccountSearch(ctx: Context): Promise<void> {
  const q = typeof ctx.query.q === 'string' ? ctx.query.q : '';
  const anyOf = accountSearch(q);
  const accounts = anyOf ? await findAccounts(tenantOf(ctx)._id, anyOf, RESULTS) : [];
  render(ctx, 'console-accounts', {
    base: base(ctx),
    staff: ctx.state.staff,
    q,
    searched: Boolean(anyOf),
    accounts,
    limit: RESULTS,
  });
}

/** GET /t/:tenant/staff/accounts/:id: one account as the helpdesk sees it — never a secret — with its recent audit entries. */
export async function showAccount(ctx: Context): Promise<void> {
  const tenantId = tenantOf(ctx)._id;
  const id = ctx.params.id ?? '';
  const account = mongoose.isValidObjectId(id) ? await accountForStaff(tenantId, id) : null;
  if (!account) return ctx.throw(404);
  const recent = await AuditModel.find({ tenantId, accountId: id }).sort({ at: -1 }).limit(20).lean();
  const lang = ctx.state.lang;
  render(ctx, 'console-account', {
    base: base(ctx),
    staff: ctx.state.staff,
    account,
    lastLogin: account.lastLoginAt ? formatDateTime(account.lastLoginAt, lang) : '',
    recent: recent.map((e) => ({ at: formatDateTime(e.at, lang), event: e.event, ip: e.ip ?? '' })),
  });
}
