import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

export function newTotpSecret(): string {
  return generateSecret();
}

/** The enrolment QR code (a data: URL) for authenticator apps. */
export function totpQrCode(issuer: string, label: string, secret: string): Promise<string> {
  return QRCode.toDataURL(generateURI({ issuer, label, secret }), { margin: 1, width: 220 });
}

/**
 * The time step of a valid code, or undefined. One period either side is accepted for clock drift;
 * a step at or before `afterStep` (a code already used) is refused.
 */
export async function verifyTotp(secret: string, code: string, afterStep: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epochTolerance: 30, afterTimeStep: afterStep > 0 ? afterStep : undefined });
  return result.valid && 'timeStep' in result ? (result.timeStep as number) : undefined;
}
