import type { ClientMetadata } from 'oidc-provider';
import type { Client } from '../db/models/client.ts';

/** Our stored relying party as oidc-provider client metadata. */
export function clientMetadata(client: Client): ClientMetadata {
  return {
    client_id: client._id,
    client_name: client.name,
    ...(client.public
      ? { token_endpoint_auth_method: 'none' }
      : {
          token_endpoint_auth_method: 'client_secret_basic',
          client_secret: client.secretHash ?? undefined,
          // During a rotation's overlap the old secret still works (src/oidc/client-secret.ts).
          ...(client.previousSecretHash && client.previousSecretExpiresAt
            ? {
                previous_secret: client.previousSecretHash,
                previous_secret_expires_at: Math.floor(client.previousSecretExpiresAt.getTime() / 1000),
              }
            : {}),
        }),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.backchannelLogoutUri
      ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    tenant: client.tenantId,
    first_party: client.firstParty,
  };
}
