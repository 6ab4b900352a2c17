import { OperatorError } from '../../admin/errors.ts';
import {
  addFederation,
  federationIdpCount,
  listFederations,
  listTrusts,
  trustFederation,
  untrustFederation,
} from '../../admin/federations.ts';
import { findTenant } from '../../db/lookups.ts';
import { createLogger } from '../../log.ts';
import { refreshFederation } from '../../saml/federation/refresh.ts';
import { ServiceProviders } from '../../saml/service-provider.ts';
import { loadSpKeys } from '../../saml/sp-keys.ts';
import { spMetadata } from '../../saml/sp-metadata.ts';
import { bool, type CommandGroup, many, options, pairs, readOptionFile, s, UsageError } from '../options.ts';
import { keysDir } from './keys.ts';

const TRUST = {
  tenant: s,
  federation: s,
  'entity-id': many,
  all: bool,
  'entity-attribute': many,
  'registration-authority': many,
  map: many,
  'allow-affiliation': many,
};

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : '-');

/** federation add | refresh | list | trust | untrust: federations' signed metadata aggregates (docs/federation.md). */
export const federationCommands: CommandGroup = {
  async add(args) {
    const o = options(args, { id: s, source: s, cert: many, 'refresh-minutes': s }, ['id', 'source']);
    const minutes = o.str('refresh-minutes');
    const federation = await addFederation({
      id: o.str('id'),
      source: o.str('source'),
      certificates: o.list('cert').map((file) => readOptionFile('cert', file)),
      refreshMinutes: minutes ? Number(minutes) : undefined,
    });
    console.log(
      `federation ${federation._id} saved; its aggregate is fetched at the next refresh (within a minute), or now with "federation refresh"`,
    );
  },

  async refresh(args, config) {
    const o = options(args, { id: s }, ['id']);
    const result = await refreshFederation(o.str('id'), {
      memoryMb: config.saml.federationParseMemoryMb,
      logger: createLogger('warn'),
      force: true,
    });
    if (result.outcome === 'busy')
      throw new OperatorError('another process is refreshing it now (or there is no such federation)');
    if (result.outcome === 'refused')
      throw new OperatorError(`aggregate refused (${result.reason}): ${result.detail}; the last good copy stays in use`);
    if (result.outcome === 'accepted')
      console.log(
        `accepted: ${result.idps} IdPs (${result.written} written, ${result.removed} removed), valid until ${iso(result.validUntil)}`,
      );
    else console.log('unchanged since the last refresh');
  },

  async list() {
    for (const f of await listFederations()) {
      const state = f.lastError ? `refused ${iso(f.lastErrorAt)}: ${f.lastError}` : 'ok';
      console.log(
        [f._id, f.source, `valid until ${iso(f.validUntil)}`, `${await federationIdpCount(f._id)} IdPs`, state].join('\t'),
      );
    }
  },

  async trust(args) {
    const o = options(args, TRUST, ['tenant', 'federation']);
    const trust = await trustFederation({
      tenantId: o.str('tenant'),
      federationId: o.str('federation'),
      entityIds: o.list('entity-id'),
      all: o.flag('all'),
      entityAttributes: o.list('entity-attribute'),
      registrationAuthorities: o.list('registration-authority'),
      mapping: Object.fromEntries(pairs('map', o.list('map'))),
      allowedAffiliations: o.list('allow-affiliation'),
    });
    const which = trust.all ? 'all its IdPs' : `${trust.entityIds.length} IdP(s)`;
    console.log(`${trust.tenantId} trusts ${which} of ${trust.federationId}`);
  },

  async untrust(args) {
    const o = options(args, { tenant: s, federation: s }, ['tenant', 'federation']);
    await untrustFederation(o.str('tenant'), o.str('federation'));
    console.log(`${o.str('tenant')} no longer trusts ${o.str('federation')}`);
  },

  async trusts(args) {
    const o = options(args, { tenant: s }, ['tenant']);
    for (const t of await listTrusts(o.str('tenant'))) {
      const which = t.all ? ['all', ...t.entityAttributes, ...t.registrationAuthorities].join(' ') : t.entityIds.join(' ');
      console.log([t.federationId, which].join('\t'));
    }
  },
};

/** saml sp-metadata: our SP metadata for a university, for its federation registration. */
export const samlCommands: CommandGroup = {
  async 'sp-metadata'(args, config) {
    const o = options(args, { tenant: s }, ['tenant']);
    const tenant = await findTenant(o.str('tenant'));
    if (!tenant) throw new UsageError(`no tenant "${o.str('tenant')}"`);
    const sps = new ServiceProviders(config.issuer, await loadSpKeys(keysDir(config), false), config.saml.clockSkewSeconds);
    process.stdout.write(spMetadata(sps, tenant, config.saml.sp));
    if (!config.saml.sp.technicalContact)
      process.stderr.write('note: no technical contact (SAML_SP_TECHNICAL_CONTACT); federations require one\n');
  },
};
