import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGraduate, parseName, parseStudentId } from '../admin/accounts.ts';
import { registerClient, resetClientSecret } from '../admin/clients.ts';
import { createTenant } from '../admin/tenants.ts';
import { AccountModel } from '../db/models/account.ts';
import { ClientModel } from '../db/models/client.ts';
import { TenantModel } from '../db/models/tenant.ts';
import { hashClientSecret } from '../oidc/client-secret.ts';
import type { SecretHasher } from '../security/secrets.ts';

export const DEMO = {
  tenantId: 'demo-univ',
  clientId: 'demo-certificate-frontend',
  email: 'taro.yamada@example.com',
  password: 'DemoPass2026',
  secondPassword: 'Second2026',
} as const;

export interface DemoCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  email: string;
  password: string;
  secondPassword: string;
}

function readSavedSecret(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { clientSecret?: string }).clientSecret;
  } catch {
    return undefined;
  }
}

/**
 * Creates the demo university, relying party and graduate when missing (development only). The
 * client secret is kept in the git-ignored data folder so each start can print it again.
 */
export async function seedDemo(hasher: SecretHasher, redirectUris: string[], credentialsFile: string): Promise<DemoCredentials> {
  if (!(await TenantModel.exists({ _id: DEMO.tenantId }))) {
    await createTenant({
      id: DEMO.tenantId,
      nameJa: 'デモ大学',
      nameEn: 'Demo University',
      inquiryJa: 'デモ大学 教務課 証明書担当（03-0000-0000、平日 9:00〜17:00）',
      inquiryEn: 'Demo University Academic Affairs, certificates desk (03-0000-0000, weekdays 9:00-17:00)',
    });
  }
  const client = await ClientModel.findById(DEMO.clientId).lean();
  let clientSecret = readSavedSecret(credentialsFile);
  if (!client) {
    clientSecret = (
      await registerClient({
        tenantId: DEMO.tenantId,
        id: DEMO.clientId,
        name: 'Demo certificate front end',
        redirectUris,
        postLogoutRedirectUris: redirectUris.map((uri) => new URL('/', uri).href),
      })
    ).clientSecret;
  } else if (!clientSecret || hashClientSecret(clientSecret) !== client.secretHash) {
    clientSecret = await resetClientSecret(DEMO.clientId);
  }
  if (!(await AccountModel.exists({ tenantId: DEMO.tenantId, email: DEMO.email }))) {
    await createGraduate(hasher, {
      tenantId: DEMO.tenantId,
      email: DEMO.email,
      password: DEMO.password,
      secondPassword: DEMO.secondPassword,
      name: {
        kanji: parseName('山田 太郎', 'name'),
        kana: parseName('ヤマダ タロウ', 'name'),
        roman: parseName('YAMADA Taro', 'name'),
      },
      birthdate: '1998-04-02',
      studentIds: [parseStudentId('20A1234:Demo University:Faculty of Letters:Japanese Literature:2021-03:graduated')],
    });
  }
  const credentials: DemoCredentials = {
    tenantId: DEMO.tenantId,
    clientId: DEMO.clientId,
    clientSecret: clientSecret as string,
    redirectUris: client?.redirectUris ?? redirectUris,
    email: DEMO.email,
    password: DEMO.password,
    secondPassword: DEMO.secondPassword,
  };
  mkdirSync(dirname(credentialsFile), { recursive: true });
  writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

export function describeDemo(issuer: string, demo: DemoCredentials): string {
  return [
    '',
    'Demo data (development only):',
    `  discovery      ${issuer}/.well-known/openid-configuration`,
    `  client_id      ${demo.clientId}`,
    `  client_secret  ${demo.clientSecret}`,
    `  redirect_uri   ${demo.redirectUris.join('  ')}`,
    '  scopes         openid email profile university offline_access',
    `  graduate       ${demo.email}`,
    `  password       ${demo.password}`,
    `  2nd password   ${demo.secondPassword}`,
    '',
  ].join('\n');
}
