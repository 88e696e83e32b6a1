/**
 * Russian company requisites and their control digits: INN, KPP, OGRN / OGRNIP, BIK, the
 * settlement account and the correspondent account. One module for the config loader (the
 * seller), the admin company forms and the /apply form, so a typo is caught the same way
 * everywhere a person types one. Data that accounting (1C, MoySklad) sends is not checked here:
 * the portal stores what accounting owns.
 *
 * Each check returns null when the value is right, or a problem with a code (for the i18n
 * messages under forms) and an English sentence (for `optovik config check` and logs).
 */

export type RequisiteCode =
  | 'inn_invalid'
  | 'inn_checksum'
  | 'kpp_invalid'
  | 'kpp_person'
  | 'ogrn_invalid'
  | 'ogrn_checksum'
  | 'ogrn_kind'
  | 'bik_invalid'
  | 'account_invalid'
  | 'account_checksum'
  | 'corr_account_invalid'
  | 'corr_account_checksum';

export interface RequisiteProblem {
  readonly code: RequisiteCode;
  readonly message: string;
}

const problem = (code: RequisiteCode, message: string): RequisiteProblem => ({ code, message });

const digitsOf = (text: string) => Array.from(text, Number);

/** Σ digit × weight, the first step of every check below. */
function weighted(digits: readonly number[], weights: readonly number[]): number {
  return weights.reduce((sum, weight, i) => sum + weight * (digits[i] ?? 0), 0);
}

/** A typed value in a message: quoted, and cut when someone pasted a page into the field. */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
}

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/** The INN's control digit for these leading digits: (Σ mod 11) mod 10. */
const innDigit = (digits: readonly number[], weights: readonly number[]) => (weighted(digits, weights) % 11) % 10;

/**
 * INN: 10 digits for an organisation (one control digit), 12 for a sole proprietor or a person
 * (two). `kind` narrows it when only one of them makes sense.
 */
export function checkInn(inn: string, kind: 'any' | 'organisation' | 'person' = 'any'): RequisiteProblem | null {
  const lengths = kind === 'organisation' ? [10] : kind === 'person' ? [12] : [10, 12];
  if (!/^\d+$/.test(inn) || !lengths.includes(inn.length)) {
    const what =
      kind === 'organisation'
        ? '10 digits'
        : kind === 'person'
          ? '12 digits'
          : '10 digits (organisation) or 12 digits (sole proprietor)';
    return problem('inn_invalid', `INN ${shown(inn)} must be ${what}`);
  }
  const d = digitsOf(inn);
  const ok =
    inn.length === 10
      ? innDigit(d, INN10_WEIGHTS) === d[9]
      : innDigit(d, INN12_WEIGHTS_11) === d[10] && innDigit(d, INN12_WEIGHTS_12) === d[11];
  return ok ? null : problem('inn_checksum', `INN ${inn}: the control digit does not match, there is a typo in it`);
}

/** KPP: 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits. It has no control digit. */
export function checkKpp(kpp: string): RequisiteProblem | null {
  return /^\d{4}[\dA-Z]{2}\d{3}$/.test(kpp)
    ? null
    : problem('kpp_invalid', `KPP ${shown(kpp)} must be 9 characters, e.g. 771301001`);
}

/**
 * OGRN (13 digits, an organisation) or OGRNIP (15, a sole proprietor): the last digit is the
 * first 12 (14) taken as a number, mod 11 (13), mod 10.
 */
export function checkOgrn(ogrn: string): RequisiteProblem | null {
  if (!/^(\d{13}|\d{15})$/.test(ogrn)) {
    return problem(
      'ogrn_invalid',
      `OGRN ${shown(ogrn)} must be 13 digits (OGRN of an organisation) or 15 (OGRNIP of a sole proprietor)`,
    );
  }
  const body = BigInt(ogrn.slice(0, -1));
  const modulus = ogrn.length === 13 ? 11n : 13n;
  const expected = Number((body % modulus) % 10n);
  return expected === Number(ogrn.at(-1))
    ? null
    : problem(
        'ogrn_checksum',
        `${ogrn.length === 13 ? 'OGRN' : 'OGRNIP'} ${ogrn}: the control digit does not match, there is a typo in it`,
      );
}

/**
 * BIK: 9 digits; a bank's starts with 04 (the country code), a Federal Treasury office's (since 2021)
 * with 00. Only a bank's BIK keys the accounts below: treasury accounts follow rules of their own.
 */
export function checkBik(bik: string): RequisiteProblem | null {
  return /^0[04]\d{7}$/.test(bik)
    ? null
    : problem('bik_invalid', `BIK ${shown(bik)} must be 9 digits starting with 04 (a bank) or 00 (the Federal Treasury)`);
}

const isBankBik = (bik: string) => /^04\d{7}$/.test(bik);

const ACCOUNT_WEIGHTS = Array.from({ length: 23 }, (_, i) => [7, 1, 3][i % 3] as number);

/** The Bank of Russia's key rule: 3 digits from the BIK, then the 20-digit account; Σ × 7,1,3… ends in 0. */
function accountKeyOk(prefix: string, account: string): boolean {
  return weighted(digitsOf(prefix + account), ACCOUNT_WEIGHTS) % 10 === 0;
}

/**
 * The settlement account (расчётный счёт, 20 digits) of a client of the bank with this BIK.
 * Its key digit (the 9th) is computed together with the BIK's last three digits; for an account
 * held at the Bank of Russia itself (BIK ending in 000, 001 or 002) with "0" and the BIK's 5th and 6th.
 */
export function checkSettlementAccount(account: string, bik: string): RequisiteProblem | null {
  if (!/^\d{20}$/.test(account)) return problem('account_invalid', `account ${shown(account)} must be 20 digits`);
  if (!isBankBik(bik)) return null; // a wrong BIK is reported for the BIK; a treasury account has no key to check
  const atCentralBank = ['000', '001', '002'].includes(bik.slice(6));
  const prefix = atCentralBank ? `0${bik.slice(4, 6)}` : bik.slice(6);
  return accountKeyOk(prefix, account)
    ? null
    : problem('account_checksum', `account ${account} does not match BIK ${bik} (its key digit is wrong): check both for a typo`);
}

/**
 * The bank's correspondent account (корр. счёт, 20 digits, starting 301): its key digit is
 * computed with "0" and the BIK's 5th and 6th digits, and it ends with the BIK's last three.
 */
export function checkCorrespondentAccount(account: string, bik: string): RequisiteProblem | null {
  if (!/^301\d{17}$/.test(account)) {
    return problem('corr_account_invalid', `correspondent account ${shown(account)} must be 20 digits starting with 301`);
  }
  if (!isBankBik(bik)) return null;
  const ok = account.endsWith(bik.slice(6)) && accountKeyOk(`0${bik.slice(4, 6)}`, account);
  return ok
    ? null
    : problem(
        'corr_account_checksum',
        `correspondent account ${account} does not belong to the bank with BIK ${bik}: check both for a typo`,
      );
}

export interface RequisitesInput {
  inn?: string;
  kpp?: string;
  ogrn?: string;
  bik?: string;
  account?: string;
  corrAccount?: string;
}

export type RequisiteField = keyof RequisitesInput;

/**
 * Every problem of a set of requisites, empty fields skipped (they are optional until a document
 * needs them), in the order a form shows them. Besides each value's own check: a KPP belongs to an
 * organisation (10-digit INN), and an OGRN's length must match the INN's kind.
 */
export function checkRequisites(input: RequisitesInput): { field: RequisiteField; problem: RequisiteProblem }[] {
  const found: { field: RequisiteField; problem: RequisiteProblem }[] = [];
  const add = (field: RequisiteField, p: RequisiteProblem | null) => {
    if (p) found.push({ field, problem: p });
  };
  const inn = input.inn?.trim() ?? '';
  const kpp = input.kpp?.trim() ?? '';
  const ogrn = input.ogrn?.trim() ?? '';
  const bik = input.bik?.trim() ?? '';
  const account = input.account?.trim() ?? '';
  const corr = input.corrAccount?.trim() ?? '';
  if (inn) add('inn', checkInn(inn));
  if (kpp) {
    const own = checkKpp(kpp);
    add(
      'kpp',
      own ?? (inn.length === 12 ? problem('kpp_person', 'a sole proprietor (12-digit INN) has no KPP: leave it empty') : null),
    );
  }
  if (ogrn) {
    const own = checkOgrn(ogrn);
    const mismatch =
      (inn.length === 10 && ogrn.length !== 13) || (inn.length === 12 && ogrn.length !== 15)
        ? problem(
            'ogrn_kind',
            inn.length === 10
              ? 'an organisation (10-digit INN) has a 13-digit OGRN'
              : 'a sole proprietor (12-digit INN) has a 15-digit OGRNIP',
          )
        : null;
    add('ogrn', own ?? mismatch);
  }
  if (bik) add('bik', checkBik(bik));
  if (account)
    add(
      'account',
      checkSettlementAccount(account, bik) ??
        (bik ? null : problem('account_checksum', 'the account can only be checked together with the BIK: fill in the BIK')),
    );
  if (corr)
    add(
      'corrAccount',
      checkCorrespondentAccount(corr, bik) ??
        (bik
          ? null
          : problem(
              'corr_account_checksum',
              'the correspondent account can only be checked together with the BIK: fill in the BIK',
            )),
    );
  return found;
}
