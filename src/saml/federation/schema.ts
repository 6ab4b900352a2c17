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

/** 64 KiB WebAssembly pages: libxml2's streaming validator holds the file and one entity at a time. */
const PAGE = 65_536;

/**
 * Validates metadata against the SAML 2.0 metadata schema with libxml2 (xmllint compiled to
 * WebAssembly, in a worker thread, so the event loop keeps serving while a large aggregate is checked).
 * Streaming (`--stream`, libxml2's xmlReader): no tree of the whole aggregate is built.
 * Returns the errors; none means valid.
 */
export async function schemaErrors(xml: Uint8Array | string): Promise<string[]> {
  const { main, preload } = loadSchemas();
  const size = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.byteLength;
  const pages = Math.min(65_536, 256 + Math.ceil((size * 2) / PAGE));
  const result = await validateXML({
    xml: [{ fileName: 'aggregate.xml', contents: xml }],
    schema: [{ fileName: 'saml-schema-metadata-2.0.xsd', contents: main }],
    preload,
    stream: true,
    maxMemoryPages: pages,
  });
  return result.valid ? [] : result.errors.map((error) => error.message);
}
