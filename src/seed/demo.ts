import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createGraduate, parseName, parseStudentId } from '../admin/accounts.ts';
import { registerClient, resetClientSecret } from '../admin/clients.ts';
import { createStaff } from '../admin/staff.ts';
import { configureTenant, createTenant } from '../admin/tenants.ts';
import { addressInUse } from '../db/identities.ts';
import { ClientModel } from '../db/models/client.ts';
import { StaffModel } from '../db/models/staff.ts';
import { TenantModel } from '../db/models/tenant.ts';
import { hashClientSecret } from '../oidc/client-secret.ts';
import type { SecretHasher } from '../security/secrets.ts';

export const DEMO = {
  tenantId: 'demo-univ',
  clientId: 'demo-certificate-frontend',
  email: 'taro.yamada@example.com',
  password: 'DemoPass2026',
  secondPassword: 'Second2026',
  staffEmail: 'staff@example.com',
  staffPassword: 'DemoStaff2026',
} as const;

const label = (ja: string, en: string) => ({ ja, en });
const DEMO_CATALOGUE = [
  ['let-jpn', label('文学部', 'Faculty of Letters'), label('日本文学科', 'Japanese Literature')],
  ['let-his', label('文学部', 'Faculty of Letters'), label('史学科', 'History')],
  ['sci-phy', label('理学部', 'Faculty of Science'), label('物理学科', 'Physics')],
  ['eng-mec', label('工学部', 'Faculty of Engineering'), label('機械工学科', 'Mechanical Engineering')],
  ['grad-let', label('大学院文学研究科', 'Graduate School of Letters'), label('日本文学専攻', 'Japanese Literature')],
] as const;

const DEMO_TERMS = {
  ja: '第1条（目的）本規約は、デモ大学証明書発行サービス（以下「本サービス」）の利用条件を定めるものです。\n第2条（本人確認）利用者は、本人確認のため大学が求める書類を提出するものとします。\n第3条（禁止事項）他人になりすまして本サービスを利用してはなりません。',
  en: 'Article 1 (Purpose) These terms set out the conditions for using the Demo University certificate issuance service (the "Service").\nArticle 2 (Identification) Users submit the documents the university requires to confirm their identity.\nArticle 3 (Prohibited acts) Users must not use the Service in the name of another person.',
};

export interface DemoCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  email: string;
  password: string;
  secondPassword: string;
  /** Where the demo's mail can be read. */
  mailbox: string;
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
export async function seedDemo(
  hasher: SecretHasher,
  redirectUris: string[],
  credentialsFile: string,
  mailbox: string,
): Promise<DemoCredentials> {
  if (!(await TenantModel.exists({ _id: DEMO.tenantId }))) {
    await createTenant({
      id: DEMO.tenantId,
      nameJa: 'デモ大学',
      nameEn: 'Demo University',
      inquiryJa: 'デモ大学 教務課 証明書担当（03-0000-0000、平日 9:00〜17:00）',
      inquiryEn: 'Demo University Academic Affairs, certificates desk (03-0000-0000, weekdays 9:00-17:00)',
    });
    await configureTenant(DEMO.tenantId, {
      terms: DEMO_TERMS,
      catalogue: DEMO_CATALOGUE.map(([id, department, subject]) => ({
        id,
        university: label('デモ大学', 'Demo University'),
        department,
        subject,
      })),
    });
  }
  if (!(await StaffModel.exists({ tenantId: DEMO.tenantId, email: DEMO.staffEmail }))) {
    await createStaff(hasher, {
      tenantId: DEMO.tenantId,
      email: DEMO.staffEmail,
      name: 'デモ 職員',
      password: DEMO.staffPassword,
    });
  }
  const client = await ClientModel.findById(DEMO.clientId).lean();
  let clientSecret = readSavedSecret(credentialsFile);
  if (!client) {
    clientSecret = (
      await registerClient({
        tenantId: DEMO.tenantId,
        id: DEMO.clientId,
        name: 'デモ証明書発行サービス',
        nameEn: 'Demo certificate front end',
        redirectUris,
        postLogoutRedirectUris: redirectUris.map((uri) => new URL('/', uri).href),
      })
    ).clientSecret;
  } else if (!clientSecret || hashClientSecret(clientSecret) !== client.secretHash) {
    clientSecret = await resetClientSecret(DEMO.clientId);
  }
  if (!(await addressInUse(DEMO.tenantId, DEMO.email))) {
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
    mailbox,
  };
  mkdirSync(dirname(credentialsFile), { recursive: true });
  writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

/**
 * Lets the demo front end, wherever it listens, use the demo client (callback, logout, back channel),
 * and makes it the demo university's certificate service: "log in here" in the approval mail and every
 * "done" page lead there, so a first login ends at its printing destination page (issue 28 item 1).
 */
export async function registerDemoFrontend(frontendUrl: string): Promise<void> {
  await configureTenant(DEMO.tenantId, { loginUrl: `${frontendUrl}/login` });
  await ClientModel.updateOne(
    { _id: DEMO.clientId },
    {
      $addToSet: { redirectUris: `${frontendUrl}/callback`, postLogoutRedirectUris: `${frontendUrl}/` },
      $set: { backchannelLogoutUri: `${frontendUrl}/backchannel-logout`, homeUrl: `${frontendUrl}/destination` },
    },
  );
}

export function describeDemo(
  issuer: string,
  demo: DemoCredentials,
  frontendUrl?: string,
  idp?: { url: string; username: string; password: string },
): string {
  return [
    '',
    'Demo data (development only):',
    ...(frontendUrl ? [`  front end      ${frontendUrl}  (the demo certificate service: log in there)`] : []),
    `  discovery      ${issuer}/.well-known/openid-configuration`,
    `  client_id      ${demo.clientId}`,
    `  client_secret  ${demo.clientSecret}`,
    `  redirect_uri   ${demo.redirectUris.join('  ')}`,
    '  scopes         openid email profile university offline_access',
    `  graduate       ${demo.email}`,
    `  password       ${demo.password}`,
    `  2nd password   ${demo.secondPassword}`,
    `  apply          ${issuer}/t/${demo.tenantId}/apply`,
    `  staff console  ${issuer}/t/${demo.tenantId}/staff  (${DEMO.staffEmail} / ${DEMO.staffPassword}; TOTP enrolled at first login)`,
    `  mail           ${demo.mailbox}`,
    ...(idp
      ? [`  student        ${idp.username} / ${idp.password} at the university sign-in (${idp.url}, SimpleSAMLphp)`]
      : [
          '  student        for a demo university sign-in: sudo apt-get install -y simplesamlphp php-cli php-xml php-mbstring, then npm start',
        ]),
    '',
  ].join('\n');
}
