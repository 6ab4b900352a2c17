import { DOMParser } from '@xmldom/xmldom';

/**
 * What makes inbound SAML XML unsafe before it is parsed: a document type declaration (external
 * entities, XXE) and, in messages, comments (canonicalization drops them, so one can split a signed
 * NameID without breaking the signature). IdP metadata may carry comments; messages may not.
 */
export function xmlHazard(xml: string, options: { comments: boolean }): string | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return 'document type declarations are refused (XXE)';
  if (!options.comments && xml.includes('<!--')) return 'comments are refused (NameID truncation)';
  return undefined;
}

/**
 * Parses inbound XML after the hazard check; a hazard or a well-formedness error throws what
 * `refusal` makes of its description (the caller's own refusal type, reason `malformed`).
 */
export function parseSafely(xml: string, options: { comments: boolean }, refusal: (detail: string) => Error): Document {
  const hazard = xmlHazard(xml, options);
  if (hazard) throw refusal(hazard);
  const fail = (message: string) => {
    throw refusal(`not well-formed XML: ${message}`);
  };
  return new DOMParser({ errorHandler: { warning: () => {}, error: fail, fatalError: fail } }).parseFromString(
    xml,
    'text/xml',
  ) as unknown as Document;
}
