import { importIdp } from '../admin/saml-idps.ts';
import { configureTenant } from '../admin/tenants.ts';
import { STUDENTS, simpleSamlPhpInstalled, startSimpleSamlPhp } from '../dev/simplesamlphp.ts';

/**
 * Development only: when SimpleSAMLphp is installed, the demo university gets a university sign-in
 * of its own (a SimpleSAMLphp IdP on loopback, imported like a real one), so a student login can be
 * tried at once. Returns what to print, and how to stop it.
 */
export async function startDemoIdp(issuer: string, tenantId: string) {
  if (!simpleSamlPhpInstalled()) return undefined;
  const ssp = await startSimpleSamlPhp();
  try {
    await configureTenant(tenantId, { loginMethods: { graduate: true, student: true } });
    await importIdp({
      tenantId,
      slug: 'campus',
      nameJa: 'デモ大学 統合認証',
      nameEn: 'Demo University SSO',
      metadataUrl: ssp.metadataUrl,
    });
    ssp.registerSp(tenantId, await (await fetch(`${issuer}/t/${tenantId}/saml/metadata`)).text());
  } catch (error) {
    await ssp.stop();
    throw error;
  }
  const [student] = STUDENTS;
  return { url: ssp.baseUrl, username: student?.username ?? '', password: student?.password ?? '', stop: () => ssp.stop() };
}
