import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

// The OASIS SAML 2.0 metadata schema and what it imports, as published by OASIS and W3C
// (schemas/saml/). Federation extensions (mdui, shibmd, mdattr, mdrpi) sit in md:Extensions,
// which the schema checks laxly.
const DIR = new URL('../../../schemas/saml/', import.meta.url);
const FILES = ['xmldsig-core-schema.xsd', 'xenc-schema.xsd', 'xml.xsd', 'saml-schema-assertion-2.0.xsd'];
let schemas: { main: string; preload: Array<{ fileName: string; contents: string }> } | undefined;

function loadSchemas() {
  schemas ??= {
    main: readFileSync(new URL('saml-schema-metadata-2.0.xsd', DIR), 'utf8'),
    preload: FILES.map((fileName) => ({ fileName, contents: readFileSync(new URL(fileName, DIR), 'utf8') })),
  };
  return schemas;
}

/** 64 KiB WebAssembly pages: room for libxml2's tree of an aggregate about 1/20 of this size. */
const PAGE = 65_536;

/**
 * Validates metadata against the SAML 2.0 metadata schema with libxml2 (xmllint compiled to
 * WebAssembly, in a worker thread, so the event loop keeps serving while a large aggregate is checked).
 * Returns the errors; none means valid.
 */
export async function schemaErrors(xml: string): Promise<string[]> {
  const { main, preload } = loadSchemas();
  const pages = Math.min(65_536, Math.max(256, Math.ceil((Buffer.byteLength(xml) * 20) / PAGE)));
  const result = await validateXML({
    xml: [{ fileName: 'aggregate.xml', contents: xml }],
    schema: [{ fileName: 'saml-schema-metadata-2.0.xsd', contents: main }],
    preload,
    maxMemoryPages: pages,
  });
  return result.valid ? [] : result.errors.map((error) => error.message);
}
