import { randomBytes } from 'node:crypto';
import { ClientModel } from '../db/models/client.ts';
import { newClientSecret } from '../oidc/client-secret.ts';
import { OperatorError } from './errors.ts';
import { requireTenant, type SettingProblem } from './tenants.ts';

export interface ClientInput {
  tenantId: string;
  /** Its name on Japanese pages, and on English ones (empty: the same). */
  name: string;
  nameEn?: string;
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

/**
 * What can never be a safe URI of a relying party (oidc-provider matches redirect URIs exactly): not
 * absolute, a fragment, or plain http anywhere but on this machine. Undefined when it is fine.
 */
function uriProblem(uri: string): { key: string; text: string } | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { key: 'absolute', text: `"${uri}" is not an absolute URL` };
  }
  if (url.hash) return { key: 'fragment', text: `"${uri}" must not contain a fragment` };
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return { key: 'https', text: `"${uri}" must use https (http is allowed only on localhost)` };
  }
  return undefined;
}

/** What a relying party's registration or change asks for, as the console edits it (all but id and type). */
export type ClientSettings = Pick<
  ClientInput,
  'name' | 'nameEn' | 'redirectUris' | 'postLogoutRedirectUris' | 'backchannelLogoutUri' | 'homeUrl' | 'thirdParty'
>;

/**
 * What is wrong with a relying party's settings, by field (the console's form field), as a message
 * id for the console (console.clients.errors.*) and English for the CLI.
 */
export function clientProblems(input: ClientSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  if (!input.name.trim()) problems.push({ field: 'name', key: 'nameRequired', text: 'client needs a name' });
  if (input.name.length > 100)
    problems.push({ field: 'name', key: 'tooLong', values: { max: 100 }, text: 'client name is longer than 100 characters' });
  if ((input.nameEn ?? '').length > 100)
    problems.push({ field: 'nameEn', key: 'tooLong', values: { max: 100 }, text: 'English name is longer than 100 characters' });
  if (input.redirectUris.length === 0)
    problems.push({ field: 'redirectUris', key: 'redirectRequired', text: 'client needs at least one redirect URI' });
  const fields = {
    redirectUris: input.redirectUris,
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    backchannelLogoutUri: input.backchannelLogoutUri ? [input.backchannelLogoutUri] : [],
    homeUrl: input.homeUrl ? [input.homeUrl] : [],
  };
  for (const [field, uris] of Object.entries(fields)) {
    for (const uri of uris) {
      const found = uriProblem(uri);
      if (found) problems.push({ field, key: found.key, values: { uri }, text: found.text });
    }
  }
  return problems;
}

/** Registers a relying party; returns the client secret once (only its digest is stored). */
export async function registerClient(input: ClientInput): Promise<{ clientId: string; clientSecret?: string }> {
  await requireTenant(input.tenantId);
  const [problem] = clientProblems(input);
  if (problem) throw new OperatorError(problem.text);
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
    nameEn: (input.nameEn ?? '').trim(),
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
  const secret = await rotateClientSecret({ _id: clientId }, 0);
  if (!secret) throw new OperatorError(`no confidential client "${clientId}"`);
  return secret;
}

/**
 * A new secret for a confidential client (`filter`: its id, and its university in the console); the
 * old one is still accepted for `overlapMinutes` (0: stops at once), so that its servers can be
 * changed one by one. Returns the new secret, shown once; undefined for no such client.
 */
export async function rotateClientSecret(filter: { _id: string; tenantId?: string }, overlapMinutes: number) {
  const current = await ClientModel.findOne({ ...filter, public: false }, { secretHash: 1 }).lean();
  if (!current) return undefined;
  const secret = newClientSecret();
  const until = new Date(Date.now() + overlapMinutes * 60_000);
  const change =
    overlapMinutes > 0
      ? { $set: { secretHash: secret.hash, previousSecretHash: current.secretHash, previousSecretExpiresAt: until } }
      : { $set: { secretHash: secret.hash }, $unset: { previousSecretHash: 1, previousSecretExpiresAt: 1 } };
  await ClientModel.updateOne({ _id: current._id }, change);
  return secret.secret;
}

/** Changes a relying party of the university (checked by clientProblems first); false for none. */
export async function changeClient(tenantId: string, id: string, settings: ClientSettings): Promise<boolean> {
  const { thirdParty, backchannelLogoutUri, homeUrl, ...rest } = settings;
  const optional = { backchannelLogoutUri, homeUrl };
  const $set = { ...rest, firstParty: !thirdParty, ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v)) };
  const $unset = Object.fromEntries(
    Object.entries(optional)
      .filter(([, v]) => !v)
      .map(([k]) => [k, 1]),
  );
  const { matchedCount } = await ClientModel.updateOne(
    { _id: id, tenantId },
    { $set, ...(Object.keys($unset).length ? { $unset } : {}) },
  );
  return matchedCount > 0;
}

/** Stops a relying party (unknown to the provider: no login, no token) or lets it work again. */
export async function setClientDisabled(tenantId: string, id: string, disabled: boolean): Promise<boolean> {
  const { modifiedCount } = await ClientModel.updateOne({ _id: id, tenantId, disabled: !disabled }, { $set: { disabled } });
  return modifiedCount > 0;
}

export function listClients(tenantId?: string) {
  return ClientModel.find(tenantId ? { tenantId } : {})
    .sort({ tenantId: 1, _id: 1 })
    .lean();
}
