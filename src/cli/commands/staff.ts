import { createStaff, listStaff, parseRoles, setStaffRoles } from '../../admin/staff.ts';
import { requireTenant } from '../../admin/tenants.ts';
import { generatePassword } from '../../credentials/password-policy.ts';
import { staffRoles } from '../../db/models/staff.ts';
import { SecretHasher } from '../../security/secrets.ts';
import { type CommandGroup, options, s } from '../options.ts';

/** staff create | roles | list: the university's staff and what each may do in the console. */
export const staffCommands: CommandGroup = {
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
