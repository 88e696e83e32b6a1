/**
 * Credit terms in a 1C counterparty: CommerceML has no element for them, so they travel as the
 * counterparty's ЗначенияРеквизитов (docs/1c-exchange.md, "Balance and credit terms"), under the
 * names typical configurations use for them — УТ 11's "Допустимая сумма задолженности" and
 * "Допустимое число дней задолженности", or plainly "Кредитный лимит", "Отсрочка платежа",
 * "Задолженность", "Просроченная задолженность". A requisite that is there but empty clears the
 * value (no limit); one that is not there leaves the stored value alone.
 */
import type { AccountTermsInput } from '../../../finance/ledger.js';
import { decimal, requisites } from '../xml/node.js';
import type { XmlNode } from '../xml/reader.js';
import { parseExchangeDate, parseKopecks } from './exchange-values.js';

/** Letters and digits only, lower case, ё → е: "Кредитный лимит" and "КредитныйЛимит" are one name. */
const key = (name: string) =>
  name
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, '');

const NAMES: Record<keyof AccountTermsInput, readonly string[]> = {
  creditLimit: ['Кредитный лимит', 'Лимит задолженности', 'Допустимая сумма задолженности', 'Лимит кредита'],
  paymentDays: [
    'Отсрочка платежа',
    'Отсрочка платежа (дней)',
    'Допустимое число дней задолженности',
    'Срок оплаты (дней)',
    'Дней отсрочки',
  ],
  balance: ['Задолженность', 'Сумма задолженности', 'Текущая задолженность', 'Долг', 'Сальдо', 'Баланс'],
  overdue: ['Просроченная задолженность', 'Просрочено', 'Просроченный долг'],
  balanceDate: ['Дата задолженности', 'Задолженность на дату', 'Дата сальдо'],
};

/** config.yml's counterparty_fields name where this 1C keeps the limit and the terms; the balance names are fixed. */
function fieldsByKey(map: {
  creditLimit: readonly string[];
  paymentDays: readonly string[];
}): Map<string, keyof AccountTermsInput> {
  const names: Record<keyof AccountTermsInput, readonly string[]> = {
    ...NAMES,
    creditLimit: map.creditLimit,
    paymentDays: map.paymentDays,
  };
  return new Map(
    (Object.entries(names) as [keyof AccountTermsInput, readonly string[]][]).flatMap(([field, list]) =>
      list.map((n) => [key(n), field] as const),
    ),
  );
}

const DEFAULT_FIELDS = fieldsByKey(NAMES);

export interface CreditTermsReading {
  terms: AccountTermsInput;
  /** Requisites that name a term but whose value is not one; the term is left as it was. */
  problems: string[];
}

/**
 * The terms a Контрагент states. `madeOn` (YYYY-MM-DD, the file's date) dates a balance that
 * comes without a date of its own.
 */
export function readCreditTerms(
  counterparty: XmlNode,
  madeOn: string,
  map?: { creditLimit: readonly string[]; paymentDays: readonly string[] },
): CreditTermsReading {
  const fields = map ? fieldsByKey(map) : DEFAULT_FIELDS;
  const terms: AccountTermsInput = {};
  const problems: string[] = [];
  for (const [name, raw] of requisites(counterparty)) {
    const field = fields.get(key(name));
    if (!field) continue;
    const value = raw.trim();
    if (field === 'balanceDate') {
      const date = value ? parseExchangeDate(value) : '';
      if (value && !date) problems.push(`requisite "${name}" = "${value}" is not a date`);
      else terms.balanceDate = date || null;
    } else if (field === 'paymentDays') {
      const days = decimal(value);
      if (value && (!Number.isInteger(days) || days < 0 || days > 3650))
        problems.push(`requisite "${name}" = "${value}" is not a number of days`);
      else terms.paymentDays = value ? days : null;
    } else {
      const kopecks = value ? parseKopecks(value) : null;
      if (value && kopecks === null) problems.push(`requisite "${name}" = "${value}" is not an amount`);
      else if (field === 'creditLimit' && kopecks !== null && kopecks < 0)
        problems.push(`requisite "${name}" = "${value}" is below zero`);
      else terms[field] = kopecks;
    }
  }
  if ((terms.balance !== undefined || terms.overdue !== undefined) && terms.balanceDate === undefined) terms.balanceDate = madeOn;
  return { terms, problems };
}
