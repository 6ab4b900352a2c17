import { importIdp, listIdps, setIdpEnabled } from '../../admin/saml-idps.ts';
import { type CommandGroup, many, options, pairs, readOptionFile, s, UsageError } from '../options.ts';

const IMPORT = {
  tenant: s,
  slug: s,
  'metadata-file': s,
  'metadata-url': s,
  'name-ja': s,
  'name-en': s,
  binding: s,
  map: many,
  'allow-affiliation': many,
};

const enabled = (on: boolean) => async (args: string[]) => {
  const o = options(args, { tenant: s, slug: s }, ['tenant', 'slug']);
  await setIdpEnabled(o.str('tenant'), o.str('slug'), on);
  console.log(`IdP ${o.str('slug')} ${on ? 'enabled' : 'disabled'}`);
};

/** idp import | list | enable | disable: the universities' SAML IdPs. */
export const idpCommands: CommandGroup = {
  async import(args, config) {
    const o = options(args, IMPORT, ['tenant', 'slug']);
    const binding = o.str('binding');
    if (binding && binding !== 'redirect' && binding !== 'post') throw new UsageError('--binding must be redirect or post');
    const metadataFile = o.str('metadata-file');
    const idp = await importIdp({
      tenantId: o.str('tenant'),
      slug: o.str('slug'),
      nameJa: o.str('name-ja'),
      nameEn: o.str('name-en'),
      metadataXml: metadataFile ? readOptionFile('metadata-file', metadataFile) : undefined,
      metadataUrl: o.str('metadata-url') || undefined,
      binding: (binding || undefined) as 'redirect' | 'post' | undefined,
      mapping: Object.fromEntries(pairs('map', o.list('map'))),
      allowedAffiliations: o.list('allow-affiliation').length ? o.list('allow-affiliation') : undefined,
    });
    console.log(`IdP ${idp.slug} (${idp.entityId}) imported for ${idp.tenantId}; ${idp.enabled ? 'enabled' : 'disabled'}`);
    console.log(`our SP metadata for the university: ${config.issuer}/t/${idp.tenantId}/saml/metadata`);
  },

  async list(args) {
    const o = options(args, { tenant: s }, ['tenant']);
    for (const idp of await listIdps(o.str('tenant'))) {
      const mapping = Object.entries(idp.mapping ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      console.log([idp.slug, idp.enabled ? 'enabled' : 'disabled', idp.binding, idp.entityId, mapping].join('\t'));
    }
  },

  enable: enabled(true),
  disable: enabled(false),
};
