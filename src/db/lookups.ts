import { StampedCache } from './change-stamp.ts';
import { type Client, ClientModel } from './models/client.ts';
import { type SamlIdp, SamlIdpModel } from './models/saml.ts';
import { type Tenant, TenantModel } from './models/tenant.ts';

// Reads of what rarely changes, served from the process once read (src/db/change-stamp.ts says when
// they are dropped). What they return is shared: callers read it and never change it.

const tenants = new StampedCache<Tenant>();
const clients = new StampedCache<Client>();
const idps = new StampedCache<SamlIdp>();
const idpsOfTenant = new StampedCache<SamlIdp[]>();

export function findTenant(id: string): Promise<Tenant | undefined> {
  return tenants.get(id, () => TenantModel.findById(id).lean<Tenant>());
}

export function findClient(id: string): Promise<Client | undefined> {
  return clients.get(id, () => ClientModel.findById(id).lean<Client>());
}

export function findIdp(id: string): Promise<SamlIdp | undefined> {
  return idps.get(id, () => SamlIdpModel.findById(id).lean<SamlIdp>());
}

/** A university's enabled IdPs, in the order the operator added them. */
export async function enabledIdps(tenantId: string): Promise<SamlIdp[]> {
  const found = await idpsOfTenant.get(tenantId, () =>
    SamlIdpModel.find({ tenantId, enabled: true }).sort({ createdAt: 1 }).lean<SamlIdp[]>(),
  );
  return found ?? [];
}
