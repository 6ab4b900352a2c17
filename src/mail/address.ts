import validator from 'validator';

/** Why a typed mail address was refused (each has its own message next to the field). */
export type AddressProblem = 'required' | 'characters' | 'length' | 'format';

export type ParsedAddress = { address: string; problem?: undefined } | { address?: undefined; problem: AddressProblem };

/** RFC 5321's limit on a forward path. */
const MAX_LENGTH = 254;

/**
 * The one reading of a mail address, wherever one enters (forms, CLI, imports, SAML attributes).
 * Full-width characters typed with a Japanese input method become their half-width forms (NFKC),
 * surrounding space goes, and the address is lower-cased. What is left must be printable ASCII: a
 * control or invisible character (NUL, BEL, a bidirectional override, a zero-width space, an
 * inner space) is refused, never stored, since the stored address would not be the mailbox a mail
 * server delivers to. The shape is then checked by validator's isEmail (no display name, no IP
 * domain, a top-level domain required).
 */
export function parseMailAddress(input: string): ParsedAddress {
  const text = input.normalize('NFKC').trim();
  if (!text) return { problem: 'required' };
  if (/[^\x21-\x7e]/.test(text)) return { problem: 'characters' };
  if (text.length > MAX_LENGTH) return { problem: 'length' };
  const shaped = validator.isEmail(text, {
    allow_display_name: false,
    allow_ip_domain: false,
    allow_utf8_local_part: false,
    require_tld: true,
  });
  return shaped ? { address: text.toLowerCase() } : { problem: 'format' };
}
