import mongoose from 'mongoose';
import { trackChanges } from '../change-stamp.ts';

/**
 * A relying party of one tenant. `secretHash` is the SHA-256 of a 256-bit random secret: the secret
 * is shown once at registration and never stored (see src/oidc/client-secret.ts).
 */
const clientSchema = new mongoose.Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true, index: true },
    /** Its name as Japanese pages show it, and as English ones do (empty: the same). */
    name: { type: String, required: true },
    nameEn: { type: String, default: '' },
    public: { type: Boolean, default: false },
    firstParty: { type: Boolean, default: true },
    secretHash: { type: String },
    /** After a rotation with an overlap: the old secret's digest, accepted until the time below. */
    previousSecretHash: { type: String },
    previousSecretExpiresAt: { type: Date },
    /** Stopped by the university: unknown to the provider (no login, no token) until enabled. */
    disabled: { type: Boolean, default: false },
    redirectUris: { type: [String], required: true },
    postLogoutRedirectUris: { type: [String], default: [] },
    /** Its home page: the account pages lead back there ("Back to <name>"). */
    homeUrl: { type: String },
    /** Told (OpenID Connect Back-Channel Logout) when a session it took part in ends. */
    backchannelLogoutUri: { type: String },
  },
  { timestamps: true, versionKey: false },
);

trackChanges(clientSchema);

export type Client = mongoose.InferSchemaType<typeof clientSchema>;
export const ClientModel = mongoose.model('Client', clientSchema, 'clients');

/** A relying party's name in the page's language ("← <name>へ戻る", the signed-in devices). */
export const clientName = (client: Pick<Client, 'name' | 'nameEn'>, lang: 'ja' | 'en'): string =>
  lang === 'en' && client.nameEn ? client.nameEn : client.name;
