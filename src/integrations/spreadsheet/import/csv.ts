/**
 * CSV files as rows of cells: UTF-8 (with or without BOM) or windows-1251 (chosen when the bytes
 * are not valid UTF-8), separated by `;`, `,` or tab (the one the header line has most of),
 * fields in double quotes may hold separators, quotes ("") and line breaks.
 */
export function decodeCsv(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1251').decode(bytes);
  }
}

export function detectSeparator(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  let best = ';';
  let bestCount = -1;
  for (const sep of [';', ',', '\t']) {
    const count = first.split(sep).length - 1;
    if (count > bestCount) {
      best = sep;
      bestCount = count;
    }
  }
  return best;
}

/** Rows of cells; a blank line is an empty row (kept so row numbers match the file). */
export function parseCsv(text: string, sep: string): string[][] {
  return [...csvRows(text, sep)];
}

/** The same rows one at a time: a 100k-row file is never all cells at once. */
export function* csvRows(text: string, sep: string): Generator<string[]> {
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === sep) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      yield row;
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    yield row;
  }
}
