/**
 * Settlement documents in 1C's sale files: invoices for payment, shipments (Отпуск товара,
 * Реализация, УПД), payments, returns and refunds — every Документ whose ХозОперация is not an
 * order. CommerceML 2.x names them in ХозОперация ("Счет на оплату", "Отпуск товара", "Выплата
 * безналичных денег", "Возврат товара", "Возврат безналичных денег"); CommerceML 3.1 (the
 * 1C-Bitrix module) puts them in the order's Контейнер and names the order in Основание, and
 * marks a refund as a payment with ПризнакВозврата. Typical configurations also write their own
 * document names ("Реализация товаров и услуг", "Поступление безналичных денежных средств"):
 * those are understood too. Read into plain values before anything touches the database.
 */

import { normalizeCurrency, parseRate, ROUBLE, toKopecks } from '../../../catalog/currency.js';
import type { AccountDocumentKind, AccountDocumentStatus } from '../../../db/schema.js';
import { child, children, isTrue, requisites, textOf } from '../xml/node.js';
import type { XmlNode } from '../xml/reader.js';
import { parseExchangeDate, parseKopecks } from './exchange-values.js';
import { DocumentProblem } from './read-order-document.js';

export interface OneCSettlementDocument {
  line: number;
  kind: AccountDocumentKind;
  /** The ХозОперация as written, for messages. */
  operation: string;
  /** 1C's Ид; a stand-in made of kind, number and date when the file has none. */
  externalId: string;
  number: string;
  /** YYYY-MM-DD. */
  date: string;
  dueDate: string | null;
  amount: number;
  status: AccountDocumentStatus;
  /** The order the document belongs to, as 1C names it; '' when it names none. */
  orderRef: string;
  /** The document's file in the package (a path like the catalog's Картинка), '' when none. */
  fileRef: string;
  comment: string;
  buyer: XmlNode | undefined;
}

/** Case, "ё" and runs of spaces do not matter. */
const fold = (text: string) => text.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');

const OPERATIONS: ReadonlyArray<[AccountDocumentKind, readonly string[]]> = [
  ['invoice', ['счет на оплату', 'счет', 'счет покупателю', 'счет на оплату покупателю']],
  [
    'shipment',
    [
      'отпуск товара',
      'реализация',
      'реализация товаров',
      'реализация товаров и услуг',
      'упд',
      'отгрузка',
      'отгрузка товаров',
      'передача товаров',
    ],
  ],
  [
    'payment',
    [
      'выплата безналичных денег',
      'выплата наличных денег',
      'эквайринговая операция',
      'оплата',
      'оплата от покупателя',
      'поступление безналичных денежных средств',
      'поступление на расчетный счет',
      'приходный кассовый ордер',
    ],
  ],
  ['return', ['возврат товара', 'возврат товаров', 'возврат товаров от клиента', 'возврат товаров от покупателя']],
  ['refund', ['возврат безналичных денег', 'возврат наличных денег', 'возврат денежных средств', 'возврат денег']],
];

const KIND_BY_OPERATION = new Map<string, AccountDocumentKind>(
  OPERATIONS.flatMap(([kind, names]) => names.map((n) => [n, kind] as const)),
);

/** The settlement kind of a ХозОперация; null for orders and for operations that move no money. */
export function settlementKind(operation: string): AccountDocumentKind | null {
  return KIND_BY_OPERATION.get(fold(operation)) ?? null;
}

const DUE_REQUISITES = ['Срок оплаты', 'Срок платежа', 'Оплатить до', 'Дата оплаты', 'ДатаПлатежа'];
const ORDER_REQUISITES = ['Основание', 'Номер заказа', 'Заказ', 'Номер заказа на сайте', 'Заказ покупателя'];
const FILE_REQUISITES = ['Файл', 'ФайлДокумента', 'Файл документа', 'Печатная форма'];
// Bounded, and the spaces around the number trimmed after the match: an open-ended group here backtracks polynomially.
const SITE_NUMBER = /\[\s{0,10}Номер документа на сайте\s{0,10}:([^\]]{0,100})\]/i;

function firstOf(values: Map<string, string>, names: readonly string[]): string {
  for (const name of names) {
    const v = values.get(name)?.trim();
    if (v) return v;
  }
  return '';
}

/** The buyer among the document's counterparties: the one in the buyer's or payer's role, else the first. */
function buyerOf(doc: XmlNode): XmlNode | undefined {
  const all = children(child(doc, 'Контрагенты'), 'Контрагент');
  return all.find((c) => ['покупатель', 'плательщик'].includes(fold(textOf(c, 'Роль')))) ?? all[0];
}

/** Reads a settlement document of a known kind; DocumentProblem when its number, date or sum cannot be read. */
/**
 * The currency and rate a 1C document states (`Валюта`, `Курс`): null for roubles, 'missing' for
 * a foreign currency without a usable rate.
 */
export function documentRate(doc: XmlNode): { currency: string; rateMicro: number } | 'missing' | null {
  const currency = normalizeCurrency(textOf(doc, 'Валюта'));
  if (currency === null || currency === ROUBLE) return null;
  const rateMicro = parseRate(textOf(doc, 'Курс'));
  return rateMicro === null ? 'missing' : { currency, rateMicro };
}

export function readSettlementDocument(doc: XmlNode, kind: AccountDocumentKind): OneCSettlementDocument {
  const req = requisites(doc);
  const operation = textOf(doc, 'ХозОперация');
  const number = textOf(doc, 'Номер1С') || textOf(doc, 'Номер');
  if (!number) throw new DocumentProblem(`Документ "${operation}" has no <Номер>`, doc.line);
  const dateText = textOf(doc, 'Дата1С') || textOf(doc, 'Дата');
  const date = parseExchangeDate(dateText);
  if (!date)
    throw new DocumentProblem(`Документ ${number}: <Дата> "${dateText}" is not a date`, child(doc, 'Дата')?.line ?? doc.line);
  const sumText = textOf(doc, 'Сумма');
  const sum = parseKopecks(sumText);
  if (sum === null || sum < 0)
    throw new DocumentProblem(`Документ ${number}: <Сумма> "${sumText}" is not an amount`, child(doc, 'Сумма')?.line ?? doc.line);
  // A document in dollars is kept in roubles at the rate 1C gives it, never taken as roubles.
  const rate = documentRate(doc);
  if (rate === 'missing')
    throw new DocumentProblem(
      `Документ ${number}: it is in ${textOf(doc, 'Валюта')} without a <Курс>; its sum cannot be told in roubles`,
      child(doc, 'Валюта')?.line ?? doc.line,
    );
  const amount = rate === null ? sum : toKopecks(sum, rate.rateMicro);
  const dueText = textOf(doc, 'СрокПлатежа') || firstOf(req, DUE_REQUISITES);
  const deleted = isTrue(textOf(doc, 'ПометкаУдаления')) || isTrue(req.get('ПометкаУдаления'));
  const postedText = (req.get('Проведен') ?? '').trim().toLowerCase();
  const refund = kind === 'payment' && isTrue(req.get('ПризнакВозврата'));
  const id = textOf(doc, 'Ид');
  return {
    line: doc.line,
    kind: refund ? 'refund' : kind,
    operation,
    externalId: id || `${kind}:${number}:${date}`,
    number,
    date,
    dueDate: dueText ? parseExchangeDate(dueText) || null : null,
    amount,
    // A document not posted in 1C does not count yet; one marked for deletion never again.
    status: deleted ? 'deleted' : postedText === 'false' || postedText === 'нет' ? 'draft' : 'active',
    orderRef:
      textOf(doc, 'Основание') ||
      firstOf(req, ORDER_REQUISITES) ||
      (SITE_NUMBER.exec(textOf(doc, 'Комментарий'))?.[1]?.trim() ?? ''),
    fileRef: textOf(doc, 'Файл') || firstOf(req, FILE_REQUISITES),
    comment: textOf(doc, 'Комментарий'),
    buyer: buyerOf(doc),
  };
}
