/**
 * Bytes of the XML documents 1C downloads from us (`mode=query`, `mode=info`). Stock 1C reads
 * windows-1251 reliably; UTF-8 is offered with a BOM, because 1C was reported to fail on UTF-8
 * without one (exchange spec §4.3). Node has no windows-1251 encoder, so one is built here from
 * the decoder the platform does have.
 */
import { TextDecoder } from 'node:util';

export type ExchangeEncoding = 'windows-1251' | 'utf-8';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

let cp1251Table: Map<number, number> | null = null;

/** Unicode code point → windows-1251 byte for the upper half; ASCII maps to itself. */
function cp1251(): Map<number, number> {
  if (cp1251Table) return cp1251Table;
  const decoder = new TextDecoder('windows-1251');
  const table = new Map<number, number>();
  for (let byte = 0x80; byte <= 0xff; byte++) {
    const char = decoder.decode(Uint8Array.of(byte));
    const code = char.codePointAt(0);
    if (code !== undefined && code !== 0xfffd) table.set(code, byte);
  }
  cp1251Table = table;
  return table;
}

/**
 * Encodes a finished XML document. In windows-1251 a character the code page lacks (€ is there,
 * ✓ or emoji are not) becomes a numeric character reference, which XML readers turn back into
 * the character; that is only valid in text and attribute values, which is where our builder
 * puts arbitrary strings (element names are fixed Cyrillic words, all in the code page).
 */
export function encodeXmlText(xml: string, encoding: ExchangeEncoding): Buffer {
  assertDeclarationMatches(xml, encoding);
  if (encoding === 'utf-8') return Buffer.concat([UTF8_BOM, Buffer.from(xml, 'utf8')]);
  const table = cp1251();
  const bytes: number[] = [];
  for (const char of xml) {
    const code = char.codePointAt(0) as number;
    if (code < 0x80) {
      bytes.push(code);
      continue;
    }
    const byte = table.get(code);
    if (byte !== undefined) bytes.push(byte);
    else for (const c of `&#${code};`) bytes.push(c.charCodeAt(0));
  }
  return Buffer.from(bytes);
}

export function contentTypeFor(encoding: ExchangeEncoding): string {
  return `application/xml; charset=${encoding}`;
}

export function xmlDeclaration(encoding: ExchangeEncoding): string {
  return `<?xml version="1.0" encoding="${encoding === 'utf-8' ? 'UTF-8' : 'windows-1251'}"?>`;
}

/** 1C decodes by the declaration: bytes in another encoding would arrive as mojibake. */
function assertDeclarationMatches(xml: string, encoding: ExchangeEncoding): void {
  const declared = /^<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']/.exec(xml)?.[1]?.toLowerCase();
  if (declared !== undefined && declared !== encoding) {
    throw new Error(`the XML declares encoding "${declared}" but is being encoded as ${encoding}`);
  }
}
