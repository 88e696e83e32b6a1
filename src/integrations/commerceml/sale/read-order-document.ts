/**
 * What a Документ from 1C says about an order (spec §6.4), read into plain values before
 * anything touches the database. 1C pads numbers and names with spaces and spells some
 * requisites two ways; all of that is settled here.
 */
import type { XmlNode } from '../xml/reader.js';
import { at, child, children, isTrue, requisites, textOf } from '../xml/node.js';
import { parseExchangeDate, parseExchangeDateTime, parseKopecks, parseQuantity, parseVatRate } from './exchange-values.js';

export interface OneCLine {
  /** Товар/Ид: 1C's product (or product#characteristic) Ид, or ours for products not from 1C. */
  productKey: string;
  name: string;
  sku: string;
  unitName: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
  /** Basis points; null = 1C says no VAT ("Без налога"); undefined = 1C says nothing about the rate. */
  vatBp: number | null | undefined;
  /** Null when the line carries no Налоги/Налог НДС. */
  vatAmount: number | null;
  /** УчтеноВСумме of the line's VAT; null when the line says nothing about VAT. */
  vatIncluded: boolean | null;
}

export interface OneCOrderDocument {
  line: number;
  /** The numbers 1C might know the order by, most reliable first: Ид, Номер, the site number in Комментарий. */
  candidates: string[];
  /** How the document is named in reports: its Номер, else its Ид. */
  label: string;
  isOrder: boolean;
  number1c: string;
  date1c: string;
  statusText: string;
  statusCode: string;
  deleted: boolean;
  cancelled: boolean;
  final: boolean;
  posted: boolean;
  paid: { number: string; at: number | null } | null;
  shipped: { number: string; at: number | null } | null;
  /** Null when the document carries no Товары at all: then the lines are not touched. */
  lines: OneCLine[] | null;
  total: number | null;
  buyer: XmlNode | undefined;
}

/** A document we cannot read; says which element and which line of the file. */
export class DocumentProblem extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'DocumentProblem';
  }
}

/** What follows a "[" that starts "[Номер документа на сайте: W-000123]" (any case, any spaces). */
const SITE_NUMBER_LABEL = /\s*Номер документа на сайте\s*:/iy;

/**
 * The site's order number 1C keeps in its comment, or ''. Found "[" by "[" with a sticky
 * pattern: one unanchored pattern with a lazy run and `\s*` around it retried from every
 * position (quadratic on a long comment).
 */
function siteNumberIn(comment: string): string {
  for (let open = comment.indexOf('['); open >= 0; open = comment.indexOf('[', open + 1)) {
    SITE_NUMBER_LABEL.lastIndex = open + 1;
    if (!SITE_NUMBER_LABEL.test(comment)) continue;
    const close = comment.indexOf(']', SITE_NUMBER_LABEL.lastIndex);
    return close < 0 ? '' : comment.slice(SITE_NUMBER_LABEL.lastIndex, close).trim();
  }
  return '';
}

function firstOf(values: Map<string, string>, ...names: string[]): string {
  for (const name of names) {
    const v = values.get(name)?.trim();
    if (v) return v;
  }
  return '';
}

export function readOrderDocument(doc: XmlNode): OneCOrderDocument {
  const req = requisites(doc);
  const id = textOf(doc, 'Ид');
  const number = textOf(doc, 'Номер');
  const siteNumber = siteNumberIn(textOf(doc, 'Комментарий'));
  const candidates = [...new Set([id, number, siteNumber].filter(Boolean))];
  const operation = textOf(doc, 'ХозОперация');
  const deleted = isTrue(textOf(doc, 'ПометкаУдаления')) || isTrue(req.get('ПометкаУдаления'));

  const paidNumber = firstOf(req, 'Номер оплаты по 1С');
  const paidDate = firstOf(req, 'Дата оплаты по 1С');
  const shippedNumber = firstOf(req, 'Номер отгрузки по 1С');
  const shippedDate = firstOf(req, 'Дата отгрузки по 1С');
  const totalText = textOf(doc, 'Сумма');
  const total = totalText ? parseKopecks(totalText) : null;
  if (totalText && total === null)
    throw new DocumentProblem(`<Сумма> "${totalText}" is not an amount`, child(doc, 'Сумма')?.line ?? doc.line);

  return {
    line: doc.line,
    candidates,
    label: number || id || siteNumber || `line ${doc.line}`,
    isOrder: operation === '' || operation.toLowerCase() === 'заказ товара',
    number1c: textOf(doc, 'Номер1С') || firstOf(req, 'Номер по 1С'),
    date1c: parseExchangeDate(textOf(doc, 'Дата1С') || firstOf(req, 'Дата по 1С')),
    statusText: firstOf(req, 'Статус заказа'),
    statusCode: firstOf(req, 'Статуса заказа ИД', 'Статус заказа ИД'),
    deleted,
    cancelled: deleted || isTrue(req.get('Отменен')),
    final: isTrue(req.get('Финальный статус')),
    posted: isTrue(req.get('Проведен')),
    paid:
      paidNumber || paidDate || isTrue(req.get('Заказ оплачен'))
        ? { number: paidNumber, at: parseExchangeDateTime(paidDate) }
        : null,
    shipped:
      shippedNumber || shippedDate || isTrue(req.get('Отгружен'))
        ? { number: shippedNumber, at: parseExchangeDateTime(shippedDate) }
        : null,
    lines: child(doc, 'Товары') ? children(child(doc, 'Товары'), 'Товар').map(readLine) : null,
    total,
    buyer: at(doc, 'Контрагенты', 'Контрагент'),
  };
}

function readLine(item: XmlNode): OneCLine {
  const field = (name: string) => child(item, name);
  const amount = (name: string): number => {
    const text = textOf(item, name);
    const value = parseKopecks(text);
    if (value === null) throw new DocumentProblem(`<Товар> <${name}> "${text}" is not an amount`, field(name)?.line ?? item.line);
    return value;
  };
  const productKey = textOf(item, 'Ид');
  if (!productKey) throw new DocumentProblem('<Товар> has no <Ид>', item.line);
  const quantityText = textOf(item, 'Количество');
  const quantity = parseQuantity(quantityText);
  if (quantity === null)
    throw new DocumentProblem(`<Товар> <Количество> "${quantityText}" is not a quantity`, field('Количество')?.line ?? item.line);
  const priceName = field('Цена') ? 'Цена' : 'ЦенаЗаЕдиницу';
  const unitPrice = amount(priceName);
  const lineTotal = field('Сумма') ? amount('Сумма') : Math.round(unitPrice * quantity);
  const tax = children(child(item, 'Налоги'), 'Налог').find((t) => textOf(t, 'Наименование').toUpperCase() === 'НДС');
  const rateText = textOf(at(item, 'СтавкиНалогов', 'СтавкаНалога'), 'Ставка') || textOf(tax, 'Ставка');
  const extra = requisites(item);
  return {
    productKey,
    name: textOf(item, 'Наименование'),
    sku: textOf(item, 'Артикул') || (extra.get('СвойствоКорзины#ARTIKUL') ?? '').trim(),
    unitName: textOf(child(item, 'Единица'), 'НаименованиеКраткое') || textOf(item, 'БазоваяЕдиница'),
    quantity,
    unitPrice,
    lineTotal,
    vatBp: rateText ? parseVatRate(rateText) : undefined,
    vatAmount: tax ? parseKopecks(textOf(tax, 'Сумма')) : null,
    vatIncluded: tax ? isTrue(textOf(tax, 'УчтеноВСумме')) : null,
  };
}
