import { type CatalogueInput, configureTenant, createTenant, listTenants } from '../../admin/tenants.ts';
import { messageOf } from '../../errors.ts';
import { type CommandGroup, many, options, readOptionFile, s, UsageError, yesNo } from '../options.ts';
import { inviteByMail } from './staff.ts';

function loginMethods(value: string): { graduate: boolean; student: boolean } {
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) if (name !== 'graduate' && name !== 'student') throw new UsageError(`unknown login method "${name}"`);
  return { graduate: names.includes('graduate'), student: names.includes('student') };
}

function catalogue(path: string): CatalogueInput[] | undefined {
  if (!path) return undefined;
  let entries: unknown;
  try {
    entries = JSON.parse(readOptionFile('catalogue-file', path));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--catalogue-file is not JSON: ${messageOf(error)}`);
  }
  if (!Array.isArray(entries)) throw new UsageError('--catalogue-file must hold a JSON array');
  return entries as CatalogueInput[];
}

const CONFIGURE = {
  id: s,
  'login-url': s,
  'manual-url': s,
  'terms-ja-file': s,
  'terms-en-file': s,
  'catalogue-file': s,
  field: many,
  'initial-password-days': s,
  'image-retention-days': s,
  'login-methods': s,
  'student-second-password': s,
  passkeys: s,
  'staff-passkeys': s,
  'student-passkey': s,
};

/** tenant create | list | configure: the universities. */
export const tenantCommands: CommandGroup = {
  async create(args, config) {
    const o = options(
      args,
      { id: s, 'name-ja': s, 'name-en': s, 'inquiry-ja': s, 'inquiry-en': s, 'admin-email': s, 'admin-name': s, lang: s },
      ['id', 'name-ja', 'name-en'],
    );
    const [id, nameJa, nameEn] = [o.str('id'), o.str('name-ja'), o.str('name-en')];
    await createTenant({ id, nameJa, nameEn, inquiryJa: o.str('inquiry-ja'), inquiryEn: o.str('inquiry-en') });
    console.log(`tenant ${id} created`);
    // One command onboards a university: its first admin is invited and does the rest in the console.
    if (o.str('admin-email')) {
      const admin = {
        tenantId: id,
        email: o.str('admin-email'),
        name: o.str('admin-name') || o.str('admin-email'),
        roles: 'admin',
        lang: o.str('lang'),
      };
      await inviteByMail(config, admin);
    }
  },

  async list(args) {
    options(args, {});
    for (const t of await listTenants()) console.log(`${t._id}\t${t.name?.ja}\t${t.name?.en}`);
  },

  async configure(args) {
    const o = options(args, CONFIGURE, ['id']);
    const file = (flag: 'terms-ja-file' | 'terms-en-file') => (o.str(flag) ? readOptionFile(flag, o.str(flag)) : undefined);
    const days = (flag: 'initial-password-days' | 'image-retention-days') => (o.str(flag) ? Number(o.str(flag)) : undefined);
    const fields = o.list('field').map((pair) => {
      const [name = '', mode = ''] = pair.split('=');
      return { name, mode };
    });
    const secondPassword = o.str('student-second-password');
    await configureTenant(o.str('id'), {
      loginUrl: o.str('login-url') || undefined,
      manualUrl: o.str('manual-url') || undefined,
      terms: { ja: file('terms-ja-file'), en: file('terms-en-file') },
      catalogue: catalogue(o.str('catalogue-file')),
      fields: fields.length ? fields : undefined,
      initialPasswordDays: days('initial-password-days'),
      imageRetentionDays: days('image-retention-days'),
      loginMethods: o.str('login-methods') ? loginMethods(o.str('login-methods')) : undefined,
      studentSecondPassword: secondPassword ? yesNo('student-second-password', secondPassword) : undefined,
      passkeys: o.str('passkeys') || undefined,
      staffPasskeys: o.str('staff-passkeys') || undefined,
      studentPasskey: o.str('student-passkey') ? yesNo('student-passkey', o.str('student-passkey')) : undefined,
    });
    console.log(`tenant ${o.str('id')} configured`);
  },
};
