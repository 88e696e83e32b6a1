/**
 * A small builder for the XML we send to 1C. Every string that comes from data goes through
 * escapeXml here, so no caller can forget it; element trees are rendered with indentation so a
 * person reading a failed exchange can follow the document.
 */
import { type ExchangeEncoding, xmlDeclaration } from './encoding.js';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly content: string | readonly XmlElement[];
}

type Child = XmlElement | null | undefined | false | '';

/** An element holding text. */
export function leaf(name: string, value: string | number, attrs: Record<string, string> = {}): XmlElement {
  return { name, attrs, content: String(value) };
}

/** An element holding elements; null/false children are left out, which keeps optional parts inline. */
export function branch(name: string, children: readonly Child[], attrs: Record<string, string> = {}): XmlElement {
  return { name, attrs, content: children.filter((c): c is XmlElement => Boolean(c)) };
}

/** ЗначенияРеквизитов/ЗначениеРеквизита pairs, the way CommerceML carries free-form fields. */
export function requisiteList(pairs: readonly (readonly [string, string] | null)[]): XmlElement {
  return branch(
    'ЗначенияРеквизитов',
    pairs
      .filter((p): p is readonly [string, string] => p !== null)
      .map(([name, value]) => branch('ЗначениеРеквизита', [leaf('Наименование', name), leaf('Значение', value)])),
  );
}

/**
 * XML 1.0 forbids control characters, U+FFFE/U+FFFF and lone surrogates even as character
 * references; one of them would make 1C refuse the whole document, so they are dropped.
 */
function withoutForbidden(value: string): string {
  let clean = true;
  for (let i = 0; i < value.length && clean; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code >= 0xd800) clean = false;
  }
  if (clean) return value;
  let result = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    const control = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    const loneSurrogate = code >= 0xd800 && code <= 0xdfff;
    if (!control && !loneSurrogate && code !== 0xfffe && code !== 0xffff) result += char;
  }
  return result;
}

export function escapeXml(value: string): string {
  return withoutForbidden(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function render(element: XmlElement, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(element.attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (typeof element.content === 'string') {
    out.push(`${pad}<${element.name}${attrs}>${escapeXml(element.content)}</${element.name}>`);
    return;
  }
  if (element.content.length === 0) {
    out.push(`${pad}<${element.name}${attrs}></${element.name}>`);
    return;
  }
  out.push(`${pad}<${element.name}${attrs}>`);
  for (const c of element.content) render(c, depth + 1, out);
  out.push(`${pad}</${element.name}>`);
}

/** The whole document as text, declaration first; encodeXmlText turns it into bytes. */
export function renderXmlDocument(root: XmlElement, encoding: ExchangeEncoding): string {
  const out = [xmlDeclaration(encoding)];
  render(root, 0, out);
  return `${out.join('\n')}\n`;
}
