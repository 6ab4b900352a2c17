import { createGraduate, listAccounts, parseName, parseStudentId } from '../../admin/accounts.ts';
import { requireTenant } from '../../admin/tenants.ts';
import { generatePassword } from '../../credentials/password-policy.ts';
import { SecretHasher } from '../../security/secrets.ts';
import { type CommandGroup, many, options, s, UsageError } from '../options.ts';

const CREATE_GRADUATE = {
  tenant: s,
  email: s,
  password: s,
  'second-password': s,
  'name-kanji': s,
  'name-kana': s,
  'name-roman': s,
  birthdate: s,
  'student-id': many,
};

/** The passwords given, or two random ones that differ. */
function initialPasswords(password: string, secondPassword: string): { password: string; secondPassword: string } {
  if (Boolean(password) !== Boolean(secondPassword))
    throw new UsageError('give both --password and --second-password, or neither');
  if (password) return { password, secondPassword };
  const random = { password: generatePassword(), secondPassword: generatePassword() };
  while (random.secondPassword === random.password) random.secondPassword = generatePassword();
  return random;
}

/** account create-graduate | list: graduates imported by the operator, and every account. */
export const accountCommands: CommandGroup = {
  async 'create-graduate'(args, config) {
    const o = options(args, CREATE_GRADUATE, ['tenant', 'email', 'name-kanji']);
    const given = Boolean(o.str('password'));
    const { password, secondPassword } = initialPasswords(o.str('password'), o.str('second-password'));
    const optionalName = (flag: 'name-kana' | 'name-roman') =>
      o.str(flag) ? parseName(o.str(flag), `--${flag}`, flag === 'name-kana' ? 'kana' : 'roman') : undefined;
    const id = await createGraduate(new SecretHasher(config.argon2), {
      tenantId: o.str('tenant'),
      email: o.str('email'),
      password,
      secondPassword,
      name: {
        kanji: parseName(o.str('name-kanji'), '--name-kanji', 'name'),
        kana: optionalName('name-kana'),
        roman: optionalName('name-roman'),
      },
      birthdate: o.str('birthdate') || undefined,
      studentIds: o.list('student-id').map(parseStudentId),
    });
    console.log(`account ${id} created for ${o.str('email')}`);
    if (!given) console.log(`password\t${password}\nsecond password\t${secondPassword}\t(shown once)`);
  },

  async list(args) {
    const o = options(args, { tenant: s }, ['tenant']);
    await requireTenant(o.str('tenant'));
    for (const a of await listAccounts(o.str('tenant'))) {
      const ids = a.studentIds.map((x) => x.number).join(',');
      console.log(`${a._id}\t${a.kind}\t${a.email}\t${a.name?.kanji?.family ?? ''} ${a.name?.kanji?.given ?? ''}\t${ids}`);
    }
  },
};
