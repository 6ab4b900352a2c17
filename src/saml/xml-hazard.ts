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
