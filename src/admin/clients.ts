import { randomBytes } from 'node:crypto';
import { ClientModel } from '../db/models/client.ts';
import { newClientSecret } from '../oidc/client-secret.ts';
import { OperatorError } from './errors.ts';
import { requireTenant } from './tenants.ts';

export interface ClientInput {
  tenantId: string;
  name: string;
  id?: string;
  public?: boolean;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Third-party clients are shown a consent page; first-party ones (the default) are not. */
  thirdParty?: boolean;
  backchannelLogoutUri?: string;
  /** Where the account pages lead back to. */
  homeUrl?: string;
}

/** Redirect URIs are matched exactly by oidc-provider; here we refuse ones that can never be safe. */
function checkUri(uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new OperatorError(`"${uri}" is not an absolute URL`);
  }
  if (url.hash) throw new OperatorError(`"${uri}" must not contain a fragment`);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new OperatorError(`"${uri}" must use https (http is allowed only on localhost)`);
  }
}

/** Registers a relying party; returns the client secret once (only its digest is stored). */
export async function registerClient(input: ClientInput): Promise<{ clientId: string; clientSecret?: string }> {
  await requireTenant(input.tenantId);
  if (!input.name.trim()) throw new OperatorError('client needs a name');
  if (input.redirectUris.length === 0) throw new OperatorError('client needs at least one redirect URI');
  for (const uri of [
    ...input.redirectUris,
    ...(input.postLogoutRedirectUris ?? []),
    ...(input.backchannelLogoutUri ? [input.backchannelLogoutUri] : []),
    ...(input.homeUrl ? [input.homeUrl] : []),
  ]) {
    checkUri(uri);
  }
  const clientId = input.id ?? `${input.tenantId}-${randomBytes(9).toString('base64url')}`;
  if (!/^[A-Za-z0-9._-]{3,128}$/.test(clientId)) throw new OperatorError('client id may use letters, digits, ".", "_" and "-"');
  if (clientId.startsWith('account-console.'))
    throw new OperatorError('client ids starting with "account-console." are reserved');
  if (await ClientModel.exists({ _id: clientId })) throw new OperatorError(`client "${clientId}" already exists`);
  const secret = input.public ? undefined : newClientSecret();
  await ClientModel.create({
    _id: clientId,
    tenantId: input.tenantId,
    name: input.name.trim(),
    public: Boolean(input.public),
    secretHash: secret?.hash,
    redirectUris: input.redirectUris,
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    firstParty: !input.thirdParty,
    backchannelLogoutUri: input.backchannelLogoutUri,
    homeUrl: input.homeUrl,
  });
  return { clientId, clientSecret: secret?.secret };
}

/** Issues a new secret for a confidential client; the old one stops working at once. */
export async function resetClientSecret(clientId: string): Promise<string> {
  const secret = newClientSecret();
  const { matchedCount } = await ClientModel.updateOne({ _id: clientId, public: false }, { $set: { secretHash: secret.hash } });
  if (!matchedCount) throw new OperatorError(`no confidential client "${clientId}"`);
  return secret.secret;
}

export function listClients(tenantId?: string) {
  return ClientModel.find(tenantId ? { tenantId } : {})
    .sort({ tenantId: 1, _id: 1 })
    .lean();
}
