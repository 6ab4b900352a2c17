import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { audit } from '../db/audit.ts';
import { claimOnce } from '../db/claim.ts';
import { type Account, findAccount } from '../db/identities.ts';
import { type Passkey, PasskeyModel, WebAuthnChallengeModel } from '../db/models/passkey.ts';
import { StaffModel } from '../db/models/staff.ts';
import { formatDateTime, type Lang } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { enqueueMail } from '../mail/outbox.ts';

/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: discoverable credentials, user verification
 * required (biometrics or PIN), attestation "none". The relying-party id is the issuer's host and
 * the only origin the issuer's; challenges live in the database, are used once and expire.
 */
export interface WebAuthnSite {
  rpID: string;
  origin: string;
  /** How long a ceremony may take, in milliseconds. */
  timeoutMs: number;
}

export function webAuthnSite(issuer: string, timeoutMs = 5 * 60_000): WebAuthnSite {
  const url = new URL(issuer);
  return { rpID: url.hostname, origin: url.origin, timeoutMs };
}

/** A browser's WebAuthn answer as posted in a form field (JSON), or undefined when it is not an object. */
export function credentialJson<T>(text: string): T | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

type Purpose = 'registration' | 'authentication';

async function keepChallenge(
  site: WebAuthnSite,
  challenge: string,
  purpose: Purpose,
  bound: { tenantId: string; accountId?: string; interaction?: string },
) {
  await WebAuthnChallengeModel.create({ _id: challenge, purpose, ...bound, expiresAt: new Date(Date.now() + site.timeoutMs) });
}

/** The challenge a response carries, if it is ours, for this purpose and binding, unexpired and unused; spent. */
async function spendChallenge(
  clientDataJSON: string,
  purpose: Purpose,
  bound: { tenantId: string; accountId?: string; interaction?: string },
): Promise<string | undefined> {
  let challenge: string;
  try {
    challenge = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')).challenge;
  } catch {
    return undefined;
  }
  if (typeof challenge !== 'string' || challenge.length > 200) return undefined;
  const record = await WebAuthnChallengeModel.findById(challenge).lean();
  if (!record || record.purpose !== purpose || record.expiresAt <= new Date()) return undefined;
  if (record.tenantId !== bound.tenantId) return undefined;
  if (bound.accountId !== undefined && record.accountId !== bound.accountId) return undefined;
  if (bound.interaction !== undefined && record.interaction !== bound.interaction) return undefined;
  if (!(await claimOnce(`webauthn:${challenge}`, record.expiresAt.getTime() - Date.now() + 60_000))) return undefined;
  await WebAuthnChallengeModel.deleteOne({ _id: challenge });
  return challenge;
}

/** Whom a passkey is for: a graduate's account, or a staff member of the review console. */
export interface PasskeyHolder {
  owner: 'account' | 'staff';
  id: string;
  tenantId: string;
  /** The user name the device shows (the mail address) and a display name. */
  userName: string;
  displayName: string;
  /**
   * Kept on the device to be offered at login (a passkey that logs in alone); a student's second
   * factor is not, so it never shows in the graduate login's address field.
   */
  discoverable: boolean;
}

export function accountHolder(account: Account): PasskeyHolder {
  const name = [account.name?.kanji?.family, account.name?.kanji?.given].filter(Boolean).join(' ');
  const id = account._id.toString();
  const displayName = name || account.email;
  return {
    owner: 'account',
    id,
    tenantId: account.tenantId,
    userName: account.email,
    displayName,
    discoverable: account.kind === 'graduate',
  };
}

/** Options for adding a passkey to `holder` (their existing ones excluded, so a device is not added twice). */
export async function registrationOptions(
  site: WebAuthnSite,
  holder: PasskeyHolder,
  rpName: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await PasskeyModel.find({ accountId: holder.id }, { transports: 1 }).lean<Passkey[]>();
  const options = await generateRegistrationOptions({
    rpName,
    rpID: site.rpID,
    userName: holder.userName,
    userID: new TextEncoder().encode(holder.id),
    userDisplayName: holder.displayName,
    timeout: site.timeoutMs,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p._id, transports: p.transports })),
    authenticatorSelection: { residentKey: holder.discoverable ? 'required' : 'discouraged', userVerification: 'required' },
  });
  await keepChallenge(site, options.challenge, 'registration', { tenantId: holder.tenantId, accountId: holder.id });
  return options;
}

/** Verifies a new passkey's response and stores it; its name, or false when anything about it is wrong. */
export async function addPasskey(site: WebAuthnSite, holder: PasskeyHolder, response: RegistrationResponseJSON, name: string) {
  const bound = { tenantId: holder.tenantId, accountId: holder.id };
  const stored = name.trim().slice(0, 60);
  const challenge = await spendChallenge(response?.response?.clientDataJSON, 'registration', bound);
  if (!challenge) return false;
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: site.origin,
    expectedRPID: site.rpID,
    requireUserVerification: true,
  }).catch(() => undefined);
  if (!result?.verified) return false;
  const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
  await PasskeyModel.create({
    _id: credential.id,
    ...bound,
    owner: holder.owner,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? [],
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    name: stored,
  });
  return { name: stored };
}

/** Options for logging in with any passkey of the site (discoverable: the browser offers the person's own). */
export async function authenticationOptions(
  site: WebAuthnSite,
  bound: { tenantId: string; interaction: string },
  /** When the person is known already (a second factor): only their passkeys. */
  accountId?: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const own = accountId ? await PasskeyModel.find({ accountId }, { transports: 1 }).lean<Passkey[]>() : [];
  const allowCredentials = own.map((p) => ({ id: p._id, transports: p.transports }));
  const options = await generateAuthenticationOptions({
    rpID: site.rpID,
    timeout: site.timeoutMs,
    userVerification: 'required',
    ...(accountId ? { allowCredentials } : {}),
  });
  await keepChallenge(site, options.challenge, 'authentication', bound);
  return options;
}

/** What a verified passkey answer proves; `suspended`: its counter did not move forward (see below). */
export interface ProvenPasskey {
  accountId: string;
  credentialId: string;
  suspended?: boolean;
}

/**
 * The account id a passkey login proves, or undefined: an unknown credential, another university's,
 * a spent or foreign challenge, a failed signature or no user verification are refused. The counter
 * and the time of use are kept.
 *
 * A cloned credential is noticed (issue 23, item 10): an authenticator that counts signs with a
 * counter above the stored one every time, so a correctly signed answer whose counter does not move
 * forward means two devices hold the key. The passkey is then suspended (refused from now on, marked
 * on the person's passkey page), audited and the person mailed; the answer proves `suspended`, so the
 * page can say how to continue. Passkeys that do not count (always 0, as synced ones) are left alone.
 * The signature is checked first, so nobody without the key can suspend someone's passkey.
 */
export async function verifyPasskey(
  site: WebAuthnSite,
  response: AuthenticationResponseJSON,
  bound: { tenantId: string; interaction: string; owner: PasskeyHolder['owner'] },
  logger: Logger,
): Promise<ProvenPasskey | undefined> {
  if (typeof response?.id !== 'string' || response.id.length > 1400) return undefined;
  const passkey = await PasskeyModel.findById(response.id).lean<Passkey>();
  if (!passkey || passkey.tenantId !== bound.tenantId || (passkey.owner ?? 'account') !== bound.owner) return undefined;
  const { tenantId, interaction } = bound;
  const challenge = await spendChallenge(response.response?.clientDataJSON, 'authentication', { tenantId, interaction });
  if (!challenge) return undefined;
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: site.origin,
    expectedRPID: site.rpID,
    requireUserVerification: true,
    // The counter is compared below, after the signature: the library would only refuse silently.
    credential: {
      id: passkey._id,
      publicKey: Buffer.from(passkey.publicKey, 'base64url'),
      counter: 0,
      transports: passkey.transports as never,
    },
  }).catch(() => undefined);
  if (!result?.verified) return undefined;
  const proven = { accountId: passkey.accountId, credentialId: passkey._id };
  if (passkey.suspendedAt) return { ...proven, suspended: true };
  const { newCounter, credentialBackedUp } = result.authenticationInfo;
  const stored = passkey.counter ?? 0;
  if ((stored > 0 || newCounter > 0) && newCounter <= stored) {
    await suspendPasskey(passkey, newCounter, logger);
    return { ...proven, suspended: true };
  }
  await PasskeyModel.updateOne(
    { _id: passkey._id },
    { $set: { counter: newCounter, backedUp: credentialBackedUp, lastUsedAt: new Date() } },
  );
  return proven;
}

/** Suspends a passkey whose counter went back or stood still, and tells the audit log and its owner. */
async function suspendPasskey(passkey: Passkey, answered: number, logger: Logger): Promise<void> {
  const claimed = await PasskeyModel.updateOne({ _id: passkey._id, suspendedAt: null }, { $set: { suspendedAt: new Date() } });
  if (claimed.modifiedCount === 0) return; // another answer suspended it a moment ago and told them
  const owner =
    passkey.owner === 'staff'
      ? { staff: passkey.accountId, person: await StaffModel.findById(passkey.accountId, { email: 1 }).lean() }
      : { account: passkey.accountId, person: await findAccount(passkey.accountId) };
  await audit(
    logger,
    {
      event: 'passkey.suspended',
      tenant: passkey.tenantId,
      staff: owner.staff,
      account: owner.account,
      passkey: passkey.name || passkey._id.slice(0, 12),
      stored: passkey.counter ?? 0,
      answered,
    },
    'a passkey answered with a counter that did not move forward: suspended as a possible clone',
    'warn',
  );
  const person = owner.person as { email?: string; locale?: string } | null;
  if (!person?.email) return;
  const lang = person.locale === 'en' ? 'en' : 'ja';
  const template = passkey.owner === 'staff' ? 'passkeySuspendedStaff' : 'passkeySuspended';
  await enqueueMail({
    tenantId: passkey.tenantId,
    to: person.email,
    lang,
    template,
    values: { name: passkey.name || '—', time: formatDateTime(new Date(), lang) },
  });
}

export const listPasskeys = (accountId: string) => PasskeyModel.find({ accountId }).sort({ createdAt: 1 }).lean<Passkey[]>();

/** The passkeys of an account or staff member as their page lists them: name, added, last used. */
export async function passkeyRows(ownerId: string, lang: Lang) {
  const when = (date: Date | null | undefined) => (date ? formatDateTime(date, lang) : '');
  return (await listPasskeys(ownerId)).map((key) => ({
    id: key._id,
    name: key.name || key._id.slice(0, 8),
    created: when(key.createdAt),
    lastUsed: when(key.lastUsedAt),
    suspended: Boolean(key.suspendedAt),
  }));
}

export const hasPasskey = async (accountId: string) => (await PasskeyModel.countDocuments({ accountId })) > 0;

/** Removes every passkey of an account or staff member (a lost device: their second factor reset by an admin). */
export async function removeEveryPasskey(ownerId: string): Promise<number> {
  return (await PasskeyModel.deleteMany({ accountId: ownerId })).deletedCount;
}

/**
 * Removes one of the account's passkeys; false when it is not the account's. Read, then deleted: the
 * embedded database's findAndModify takes no projection (FerretDB 1.24: "fields … not implemented"),
 * which made every removal fail there.
 */
export async function removePasskey(accountId: string, id: string): Promise<{ name: string } | false> {
  const found = await PasskeyModel.findOne({ _id: id, accountId }, { name: 1 }).lean<Passkey>();
  if (!found) return false;
  const { deletedCount } = await PasskeyModel.deleteOne({ _id: id, accountId });
  return deletedCount ? { name: found.name ?? '' } : false;
}
