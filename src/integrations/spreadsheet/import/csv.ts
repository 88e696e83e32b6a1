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

/**
 * The same rows one at a time: a 100k-row file is never all cells at once. Cells are cut out of
 * the text with slice() (not built a character at a time), so reading leaves little garbage.
 */
export function* csvRows(text: string, sep: string): Generator<string[]> {
  const SEP = sep.charCodeAt(0);
  const QUOTE = 34;
  const LF = 10;
  const CR = 13;
  const n = text.length;
  let row: string[] = [];
  let i = 0;
  while (i < n) {
    let cell: string;
    if (text.charCodeAt(i) === QUOTE) {
      // "…" with "" for a quote inside; separators and line breaks are part of the cell.
      let start = i + 1;
      cell = '';
      for (i = start; ; ) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          cell += text.slice(start);
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          cell += text.slice(start, q + 1);
          i = start = q + 2;
          continue;
        }
        cell += text.slice(start, q);
        i = q + 1;
        break;
      }
      // Anything after the closing quote up to the separator belongs to the cell, as Excel reads it.
      const tail = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === SEP || c === LF || c === CR) break;
        i++;
      }
      if (i > tail) cell += text.slice(tail, i);
    } else {
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === SEP || c === LF || c === CR) break;
        i++;
      }
      cell = text.slice(start, i);
    }
    row.push(cell);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    i++;
    if (c === SEP) {
      if (i >= n) row.push('');
      continue;
    }
    if (c === CR && text.charCodeAt(i) === LF) i++;
    yield row;
    row = [];
  }
  if (row.length > 0) yield row;
}
