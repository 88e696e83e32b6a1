/**
 * The buyer's relationship with the seller from spreadsheets, for a distributor whose accounting
 * is an office manager's Excel: `balances` (per legal entity: balance, overdue, credit limit,
 * payment terms), `documents` (invoices, shipments, payments, returns with their numbers, dates,
 * amounts and orders) and `rates` (currency rates). The same rules as the buyers' kinds
 * (buyers.ts): found by header, every problem with its row and column, a file with problems
 * changes nothing, the rest in ONE transaction writing only what differs.
 */
import type { Kysely } from 'kysely';
import { normalizeCurrency, parseRate, ROUBLE } from '../../../catalog/currency.js';
import { setRates } from '../../../catalog/currency-rates.js';
import type { AccountDocumentKind, DB } from '../../../db/schema.js';
import { localDate } from '../../../finance/dates.js';
import { type AccountTermsInput, recordAccountDocument, setAccountTerms } from '../../../finance/ledger.js';
import { type BuyersResult, cells, describeHeader, findHeader, inTransaction, norm } from './buyers.js';
import { type Problem, parseNumber } from './sheet.js';

export type RelationshipKind = 'balances' | 'documents' | 'rates';

const ENTITY_SYNONYMS: Record<string, string> = {
  инн: 'inn',
  inn: 'inn',
  'инн покупателя': 'inn',
  'инн контрагента': 'inn',
  кпп: 'kpp',
  kpp: 'kpp',
};

const BALANCE_SYNONYMS: Record<string, string> = {
  ...ENTITY_SYNONYMS,
  задолженность: 'balance',
  долг: 'balance',
  сальдо: 'balance',
  баланс: 'balance',
  'сумма долга': 'balance',
  balance: 'balance',
  просрочено: 'overdue',
  'просроченная задолженность': 'overdue',
  'просроченный долг': 'overdue',
  overdue: 'overdue',
  'кредитный лимит': 'credit_limit',
  'лимит задолженности': 'credit_limit',
  лимит: 'credit_limit',
  'credit limit': 'credit_limit',
  отсрочка: 'payment_days',
  'отсрочка платежа': 'payment_days',
  'отсрочка, дней': 'payment_days',
  'дней отсрочки': 'payment_days',
  'payment days': 'payment_days',
  'payment terms': 'payment_days',
  дата: 'date',
  'на дату': 'date',
  date: 'date',
};

const DOCUMENT_SYNONYMS: Record<string, string> = {
  ...ENTITY_SYNONYMS,
  документ: 'kind',
  'вид документа': 'kind',
  'тип документа': 'kind',
  document: 'kind',
  kind: 'kind',
  номер: 'number',
  '№': 'number',
  'номер документа': 'number',
  number: 'number',
  дата: 'date',
  'дата документа': 'date',
  date: 'date',
  сумма: 'amount',
  'сумма, руб.': 'amount',
  amount: 'amount',
  'срок оплаты': 'due',
  'оплатить до': 'due',
  due: 'due',
  'due date': 'due',
  заказ: 'order',
  'номер заказа': 'order',
  order: 'order',
  комментарий: 'comment',
  comment: 'comment',
};

const RATE_SYNONYMS: Record<string, string> = {
  валюта: 'currency',
  currency: 'currency',
  курс: 'rate',
  'курс, руб.': 'rate',
  rate: 'rate',
  дата: 'date',
  date: 'date',
};

const KIND_WORDS: ReadonlyArray<[AccountDocumentKind, readonly string[]]> = [
  ['refund', ['возврат денег', 'возврат оплаты', 'возврат денежных средств', 'refund']],
  ['invoice', ['счет', 'счет на оплату', 'invoice']],
  ['shipment', ['отгрузка', 'реализация', 'упд', 'накладная', 'отпуск товара', 'shipment']],
  ['payment', ['оплата', 'платеж', 'поступление', 'payment']],
  ['return', ['возврат', 'возврат товара', 'return']],
];

/** "Счёт", "УПД", "Оплата" … → the document's kind; null for a word we do not know. */
function documentKind(text: string): AccountDocumentKind | null {
  const word = norm(text).replace(/ё/g, 'е');
  for (const [kind, words] of KIND_WORDS) if (words.includes(word)) return kind;
  return null;
}

/** "2026-12-01", "01.12.2026" or an Excel day number → YYYY-MM-DD; null otherwise. */
export function parseSheetDate(text: string): string | null {
  const t = text.trim();
  let y: number;
  let m: number;
  let d: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
  const ru = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (ru) [y, m, d] = [Number(ru[3]), Number(ru[2]), Number(ru[1])];
  else if (/^\d{5}$/.test(t)) {
    // Excel counts days from 1899-12-30.
    const date = new Date(Date.UTC(1899, 11, 30) + Number(t) * 86_400_000);
    [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  } else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** An amount in roubles with kopecks → kopecks; null when it is not one. */
function kopecks(text: string): number | null {
  const value = parseNumber(text);
  return value === null ? null : Math.round(value * 100);
}

/** Which of these kinds a sheet's header says it is, or null. */
export function detectRelationshipKind(rows: readonly (readonly string[])[]): RelationshipKind | null {
  if (findHeader(rows, RATE_SYNONYMS, ['currency', 'rate'])) return 'rates';
  if (findHeader(rows, DOCUMENT_SYNONYMS, ['inn', 'kind', 'number', 'amount'])) return 'documents';
  for (const field of ['balance', 'credit_limit', 'overdue', 'payment_days'])
    if (findHeader(rows, BALANCE_SYNONYMS, ['inn', field])) return 'balances';
  return null;
}

type Options = { dryRun: boolean; now: number };

/** Legal entities by INN (and INN/KPP, for a buyer with branches). */
async function entities(db: Kysely<DB>) {
  const rows = await db
    .selectFrom('legal_entities')
    .select(['id', 'company_id', 'inn', 'kpp'])
    .orderBy('is_primary', 'desc')
    .execute();
  return (inn: string, kpp: string) => rows.find((e) => e.inn === inn && (kpp === '' || e.kpp === kpp));
}

export async function importBalances(
  db: Kysely<DB>,
  rows: readonly (readonly string[])[],
  options: Options,
): Promise<BuyersResult> {
  const header =
    ['balance', 'credit_limit', 'overdue', 'payment_days']
      .map((field) => findHeader(rows, BALANCE_SYNONYMS, ['inn', field]))
      .find((h) => h !== null) ?? null;
  if (!header)
    return {
      problems: [
        {
          row: 1,
          column: '',
          message: 'no header row with an INN (ИНН) and a balance (Задолженность), credit limit or payment terms column',
        },
      ],
      rows: 0,
      mapping: [],
      tally: null,
    };
  const find = await entities(db);
  const problems: Problem[] = [];
  const wanted: Array<{ entityId: number; terms: AccountTermsInput }> = [];
  const seen = new Map<number, number>();
  for (const { rowNo, get, column } of cells(rows, header)) {
    const at = (field: string, message: string) => problems.push({ row: rowNo, column: column(field), message });
    const inn = get('inn').replace(/\s/g, '');
    const entity = inn === '' ? undefined : find(inn, get('kpp').replace(/\s/g, ''));
    if (inn === '') at('inn', 'the INN is empty');
    else if (!entity) at('inn', `no buyer with INN ${inn}${get('kpp') ? ` and KPP ${get('kpp')}` : ''}`);
    const terms: AccountTermsInput = {};
    for (const field of ['balance', 'overdue', 'credit_limit'] as const) {
      const text = get(field);
      if (text === '') continue;
      const value = kopecks(text);
      if (value === null || (field !== 'balance' && value < 0)) at(field, `«${text}» is not an amount`);
      else terms[field === 'credit_limit' ? 'creditLimit' : field] = value;
    }
    const days = get('payment_days');
    if (days !== '') {
      const value = parseNumber(days);
      if (value === null || !Number.isInteger(value) || value < 0 || value > 3650)
        at('payment_days', `«${days}» is not a number of days`);
      else terms.paymentDays = value;
    }
    const dateText = get('date');
    const date = dateText === '' ? localDate(options.now) : parseSheetDate(dateText);
    if (date === null) at('date', `«${dateText}» is not a date (ДД.ММ.ГГГГ)`);
    else if (terms.balance !== undefined || terms.overdue !== undefined) terms.balanceDate = date;
    if (!entity) continue;
    const first = seen.get(entity.id);
    if (first !== undefined) at('inn', `this buyer is already on row ${first}`);
    seen.set(entity.id, rowNo);
    wanted.push({ entityId: entity.id, terms });
  }
  const base = { rows: wanted.length, mapping: describeHeader(header) };
  if (problems.length > 0) return { ...base, problems, tally: null };
  const tally = await inTransaction(db, options.dryRun, async (trx) => {
    let changed = 0;
    for (const w of wanted) if (await setAccountTerms(trx, w.entityId, w.terms, 'spreadsheet', options.now)) changed++;
    return { balances_changed: changed };
  });
  return { ...base, problems: [], tally };
}

export async function importDocuments(
  db: Kysely<DB>,
  rows: readonly (readonly string[])[],
  options: Options,
): Promise<BuyersResult> {
  const header = findHeader(rows, DOCUMENT_SYNONYMS, ['inn', 'kind', 'number', 'amount']);
  if (!header)
    return {
      problems: [
        {
          row: 1,
          column: '',
          message: 'no header row with an INN (ИНН), a document kind (Документ), a number (Номер) and an amount (Сумма) column',
        },
      ],
      rows: 0,
      mapping: [],
      tally: null,
    };
  const find = await entities(db);
  const problems: Problem[] = [];
  const parsed: Array<Parameters<typeof recordAccountDocument>[1]> = [];
  const seen = new Map<string, number>();
  for (const { rowNo, get, column } of cells(rows, header)) {
    const at = (field: string, message: string) => problems.push({ row: rowNo, column: column(field), message });
    const inn = get('inn').replace(/\s/g, '');
    const entity = inn === '' ? undefined : find(inn, get('kpp').replace(/\s/g, ''));
    if (inn === '') at('inn', 'the INN is empty');
    else if (!entity) at('inn', `no buyer with INN ${inn}`);
    const kind = documentKind(get('kind'));
    if (kind === null) at('kind', `«${get('kind')}» is not a document kind (счёт, отгрузка/УПД, оплата, возврат)`);
    const number = get('number');
    if (number === '') at('number', 'the number is empty');
    const date = parseSheetDate(get('date'));
    if (date === null) at('date', `«${get('date')}» is not a date (ДД.ММ.ГГГГ)`);
    const amount = kopecks(get('amount'));
    if (amount === null || amount < 0) at('amount', `«${get('amount')}» is not an amount`);
    const dueText = get('due');
    const due = dueText === '' ? null : parseSheetDate(dueText);
    if (dueText !== '' && due === null) at('due', `«${dueText}» is not a date (ДД.ММ.ГГГГ)`);
    if (!entity || kind === null || number === '' || date === null || amount === null || amount < 0) continue;
    const externalId = `${inn}/${kind}/${number}/${date}`;
    const first = seen.get(externalId);
    if (first !== undefined) {
      at('number', `this document is already on row ${first}`);
      continue;
    }
    seen.set(externalId, rowNo);
    parsed.push({
      source: 'spreadsheet',
      externalId,
      companyId: entity.company_id,
      legalEntityId: entity.id,
      kind,
      status: 'active',
      number,
      date,
      dueDate: due,
      amount,
      orderId: null,
      orderRef: get('order'),
      comment: get('comment'),
      file: null,
    });
  }
  const base = { rows: parsed.length, mapping: describeHeader(header) };
  if (problems.length > 0) return { ...base, problems, tally: null };
  const tally = await inTransaction(db, options.dryRun, async (trx) => {
    const counts = { documents_created: 0, documents_updated: 0 };
    for (const doc of parsed) {
      // The order it belongs to: the portal's number or the one accounting gave it, of that buyer only.
      const order = doc.orderRef
        ? await trx
            .selectFrom('orders')
            .select('id')
            .where('company_id', '=', doc.companyId)
            .where((eb) => eb.or([eb('number', '=', doc.orderRef), eb('external_number', '=', doc.orderRef)]))
            .executeTakeFirst()
        : undefined;
      const outcome = await recordAccountDocument(trx, { ...doc, orderId: order?.id ?? null }, options.now);
      if (outcome === 'created') counts.documents_created++;
      else if (outcome === 'updated') counts.documents_updated++;
    }
    return counts;
  });
  return { ...base, problems: [], tally };
}

export async function importRates(db: Kysely<DB>, rows: readonly (readonly string[])[], options: Options): Promise<BuyersResult> {
  const header = findHeader(rows, RATE_SYNONYMS, ['currency', 'rate']);
  if (!header)
    return {
      problems: [{ row: 1, column: '', message: 'no header row with a currency (Валюта) and a rate (Курс) column' }],
      rows: 0,
      mapping: [],
      tally: null,
    };
  const problems: Problem[] = [];
  const rates: Array<{ currency: string; rateMicro: number; date?: string }> = [];
  const seen = new Map<string, number>();
  for (const { rowNo, get, column } of cells(rows, header)) {
    const at = (field: string, message: string) => problems.push({ row: rowNo, column: column(field), message });
    const currency = normalizeCurrency(get('currency'));
    if (currency === null || currency === ROUBLE || !/^[A-Z]{3}$/.test(currency))
      at('currency', `«${get('currency')}» is not a foreign currency (USD, EUR, CNY …)`);
    const rateMicro = parseRate(get('rate'));
    if (rateMicro === null) at('rate', `«${get('rate')}» is not a rate (roubles for one unit, e.g. 92,50)`);
    const dateText = get('date');
    const date = dateText === '' ? undefined : (parseSheetDate(dateText) ?? null);
    if (date === null) at('date', `«${dateText}» is not a date (ДД.ММ.ГГГГ)`);
    if (currency === null || rateMicro === null || date === null) continue;
    const first = seen.get(currency);
    if (first !== undefined) at('currency', `${currency} is already on row ${first}`);
    seen.set(currency, rowNo);
    rates.push({ currency, rateMicro, ...(date ? { date } : {}) });
  }
  const base = { rows: rates.length, mapping: describeHeader(header) };
  if (problems.length > 0) return { ...base, problems, tally: null };
  if (options.dryRun) return { ...base, problems: [], tally: { rates: rates.length } };
  // setRates re-prices the catalog in its own transaction: buyers see the old prices or the new ones.
  const changed = await setRates(db, rates, 'spreadsheet', options.now);
  return { ...base, problems: [], tally: { rates: rates.length, prices_changed: changed } };
}
