/**
 * The text of a CSV file as universities save it: UTF-8 with or without a BOM, or Shift_JIS (Excel's
 * "CSV" in Japan). Anything that is not valid UTF-8 is read as Shift_JIS.
 */
export function decodeCsv(bytes: Uint8Array): string {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('shift_jis').decode(body);
  }
}

/** A row that cannot be taken, by its line in the file, with why (a message id under console.form.rows or console.register.rows). */
export interface RowProblem {
  line: number;
  key: string;
  values?: Record<string, string>;
}
