/** Small readers over collected CommerceML elements; every value is trimmed (1C pads). */
import type { XmlNode } from './reader.js';

export function child(node: XmlNode, name: string): XmlNode | undefined {
  for (const c of node.children) if (c.name === name) return c;
  return undefined;
}

export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  return node ? node.children.filter((c) => c.name === name) : [];
}

/** Text of the first child called `name`, trimmed; '' when absent. */
export function textOf(node: XmlNode | undefined, name: string): string {
  if (!node) return '';
  const c = child(node, name);
  return c ? c.text.trim() : '';
}

/** Follows a path of child names, e.g. at(doc, 'Контрагенты', 'Контрагент'). */
export function at(node: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  let current = node;
  for (const name of names) {
    if (!current) return undefined;
    current = child(current, name);
  }
  return current;
}

/** ЗначенияРеквизитов/ЗначениеРеквизита as Наименование → Значение (first value wins). */
export function requisites(node: XmlNode): Map<string, string> {
  const result = new Map<string, string>();
  for (const r of children(child(node, 'ЗначенияРеквизитов'), 'ЗначениеРеквизита')) {
    const name = textOf(r, 'Наименование');
    if (name && !result.has(name)) result.set(name, textOf(r, 'Значение'));
  }
  return result;
}

/** 1C booleans: "true"/"false", sometimes "Да"/"Нет" or "1"/"0". */
export function isTrue(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  return v === 'true' || v === 'да' || v === '1' || v === 'истина';
}

/** A 1C decimal: "1 234,50", "1234.50", "-3" → number; NaN when it is not a number. */
export function decimal(value: string): number {
  const cleaned = value.replace(/[\s\u00a0]/g, '').replace(',', '.');
  if (cleaned === '' || !/^-?(?:\d+(?:\.\d+)?|\.\d+)$/.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}
