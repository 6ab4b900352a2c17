import { listClients, registerClient, resetClientSecret } from '../../admin/clients.ts';
import { bool, type CommandGroup, many, options, s } from '../options.ts';

const CREATE = {
  tenant: s,
  name: s,
  id: s,
  'redirect-uri': many,
  'post-logout-uri': many,
  public: bool,
  'third-party': bool,
  'backchannel-logout-uri': s,
  'home-url': s,
};

/** client create | list | reset-secret: the relying parties. */
export const clientCommands: CommandGroup = {
  async create(args) {
    const o = options(args, CREATE, ['tenant', 'name', 'redirect-uri']);
    const result = await registerClient({
      tenantId: o.str('tenant'),
      name: o.str('name'),
      id: o.str('id') || undefined,
      public: o.flag('public'),
      redirectUris: o.list('redirect-uri'),
      postLogoutRedirectUris: o.list('post-logout-uri'),
      thirdParty: o.flag('third-party'),
      backchannelLogoutUri: o.str('backchannel-logout-uri') || undefined,
      homeUrl: o.str('home-url') || undefined,
    });
    console.log(`client_id\t${result.clientId}`);
    if (result.clientSecret) console.log(`client_secret\t${result.clientSecret}\t(shown once: store it now)`);
    else console.log('public client: no secret, PKCE required');
  },

  async list(args) {
    const o = options(args, { tenant: s });
    for (const c of await listClients(o.str('tenant') || undefined)) {
      const kind = `${c.public ? 'public' : 'confidential'}${c.firstParty ? '' : ',third-party'}`;
      console.log(`${c._id}\t${c.tenantId}\t${kind}\t${c.name}\t${c.redirectUris.join(' ')}`);
    }
  },

  async 'reset-secret'(args) {
    const o = options(args, { id: s }, ['id']);
    console.log(`client_secret\t${await resetClientSecret(o.str('id'))}\t(shown once: store it now)`);
  },
};
