import { operatorMailAddress } from '../../admin/address.ts';
import {
  createStaff,
  INVITE_HOURS,
  inviteStaff,
  listStaff,
  parseRoles,
  sendStaffInvitation,
  setStaffRoles,
} from '../../admin/staff.ts';
import { requireTenant } from '../../admin/tenants.ts';
import type { Config } from '../../config/schema.ts';
import { generatePassword } from '../../credentials/password-policy.ts';
import { staffRoles } from '../../db/models/staff.ts';
import { isLang } from '../../i18n/index.ts';
import { SecretHasher } from '../../security/secrets.ts';
import { type CommandGroup, options, s, UsageError } from '../options.ts';

/**
 * Invites a staff member by mail (the link sets a password, then an authenticator is enrolled): how
 * the operator makes a university's first admin, who invites the rest in the console.
 */
export async function inviteByMail(
  config: Config,
  input: { tenantId: string; email: string; name: string; roles: string; lang: string },
) {
  await requireTenant(input.tenantId);
  const email = operatorMailAddress(input.email);
  if (!input.name.trim()) throw new UsageError('--name is required');
  const lang = isLang(input.lang) ? input.lang : 'ja';
  const id = await inviteStaff({ tenantId: input.tenantId, email, name: input.name, roles: parseRoles(input.roles || 'admin') });
  await sendStaffInvitation(config.issuer, { tenantId: input.tenantId, id, email }, lang);
  console.log(
    `staff ${id} invited: ${email} gets a link valid for ${INVITE_HOURS} hours (sent by the running service's mail worker)`,
  );
}

/** staff create | invite | roles | list: the university's staff and what each may do in the console. */
export const staffCommands: CommandGroup = {
  async invite(args, config) {
    const o = options(args, { tenant: s, email: s, name: s, roles: s, lang: s }, ['tenant', 'email', 'name']);
    await inviteByMail(config, {
      tenantId: o.str('tenant'),
      email: o.str('email'),
      name: o.str('name'),
      roles: o.str('roles'),
      lang: o.str('lang'),
    });
  },

  async create(args, config) {
    const o = options(args, { tenant: s, email: s, name: s, password: s, roles: s }, ['tenant', 'email', 'name']);
    const password = o.str('password') || `${generatePassword(16)}`;
    const roles = parseRoles(o.str('roles') || 'reviewer');
    const staff = { tenantId: o.str('tenant'), email: o.str('email'), name: o.str('name'), password, roles };
    const id = await createStaff(new SecretHasher(config.argon2), staff);
    console.log(`staff ${id} created for ${o.str('email')}; TOTP is enrolled at the first login`);
    if (!o.str('password')) console.log(`password\t${password}\t(shown once)`);
  },

  async roles(args) {
    const o = options(args, { tenant: s, email: s, roles: s }, ['tenant', 'email', 'roles']);
    const roles = parseRoles(o.str('roles'));
    await setStaffRoles(o.str('tenant'), o.str('email'), roles);
    console.log(`${o.str('email')} now has the roles ${roles.join(', ')}`);
  },

  async list(args) {
    const o = options(args, { tenant: s }, ['tenant']);
    await requireTenant(o.str('tenant'));
    for (const m of await listStaff(o.str('tenant'))) {
      console.log(`${m._id}\t${m.email}\t${m.name}\t${staffRoles(m).join(',')}\t${m.totpLastStep ? 'totp' : 'no totp yet'}`);
    }
  },
};
