/**
 * The buyers' spreadsheets: `companies` (name, INN, KPP, legal name, address, price type,
 * discount, manager's e-mail) and `special prices` (company INN, SKU, price). Columns are found
 * by header like the catalog's (sheet.ts); every problem names its row and column; a file with
 * problems changes nothing; the rest is applied in ONE transaction, writing only what differs
 * (an identical re-run changes nothing), or counted and rolled back for a dry run.
 *
 * Companies are matched by the INN of a legal entity; a new INN makes a company with that
 * primary legal entity (no users: invitations stay the admin's). Empty cells keep what is stored.
 * Special prices are per company and product; with "hide absent" (a full list) the special
 * prices of the companies in the file that the file does not name are removed.
 */
import type { Kysely, Transaction } from 'kysely';
import { checkInn, checkKpp } from '../../../accounts/requisites.js';
import { normalizeSku } from '../../../catalog/sku.js';
import type { DB } from '../../../db/schema.js';
import { columnLetter, type Problem, parseNumber } from './sheet.js';

export type BuyerKind = 'companies' | 'special-prices';

const COMPANY_SYNONYMS: Record<string, string> = {
  наименование: 'name',
  название: 'name',
  покупатель: 'name',
  контрагент: 'name',
  компания: 'name',
  клиент: 'name',
  name: 'name',
  company: 'name',
  customer: 'name',
  инн: 'inn',
  inn: 'inn',
  'инн покупателя': 'inn',
  'инн компании': 'inn',
  'company inn': 'inn',
  кпп: 'kpp',
  kpp: 'kpp',
  'юридическое наименование': 'legal_name',
  'полное наименование': 'legal_name',
  'юр. наименование': 'legal_name',
  'юр. лицо': 'legal_name',
  'legal name': 'legal_name',
  адрес: 'address',
  'юридический адрес': 'address',
  'юр. адрес': 'address',
  address: 'address',
  'legal address': 'address',
  'тип цен': 'price_type',
  'вид цен': 'price_type',
  'price type': 'price_type',
  скидка: 'discount',
  'скидка, %': 'discount',
  'скидка %': 'discount',
  discount: 'discount',
  'discount, %': 'discount',
  менеджер: 'manager',
  'email менеджера': 'manager',
  'e-mail менеджера': 'manager',
  'почта менеджера': 'manager',
  manager: 'manager',
  'manager email': 'manager',
  'manager e-mail': 'manager',
};

const SPECIAL_SYNONYMS: Record<string, string> = {
  инн: 'inn',
  inn: 'inn',
  'инн покупателя': 'inn',
  'инн компании': 'inn',
  'company inn': 'inn',
  артикул: 'sku',
  код: 'sku',
  sku: 'sku',
  article: 'sku',
  цена: 'price',
  'специальная цена': 'price',
  спеццена: 'price',
  'особая цена': 'price',
  price: 'price',
  'special price': 'price',
};

export const norm = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

export interface Header {
  row: number;
  columns: Map<number, string>;
  headers: string[];
}

export function findHeader(
  rows: readonly (readonly string[])[],
  synonyms: Record<string, string>,
  required: readonly string[],
): Header | null {
  for (let r = 0; r < Math.min(rows.length, 30); r++) {
    const row = rows[r] ?? [];
    const columns = new Map<number, string>();
    row.forEach((cell, c) => {
      const field = synonyms[norm(cell)];
      if (field && ![...columns.values()].includes(field)) columns.set(c, field);
    });
    if (required.every((f) => [...columns.values()].includes(f))) return { row: r, columns, headers: row.map((c) => c.trim()) };
  }
  return null;
}

/** Which buyers' kind a sheet's header says it is, or null (a catalog). */
export function detectBuyerKind(rows: readonly (readonly string[])[]): BuyerKind | null {
  if (findHeader(rows, SPECIAL_SYNONYMS, ['inn', 'sku', 'price'])) return 'special-prices';
  const companies = findHeader(rows, COMPANY_SYNONYMS, ['inn', 'name']);
  if (companies) {
    // A catalog with a "Наименование" column and an SKU is not a list of buyers.
    const row = rows[companies.row] ?? [];
    if (!row.some((cell) => ['артикул', 'sku', 'article', 'код'].includes(norm(cell)))) return 'companies';
  }
  return null;
}

export interface BuyersResult {
  readonly problems: Problem[];
  readonly rows: number;
  readonly mapping: Array<{ column: string; header: string; field: string }>;
  readonly tally: Record<string, number> | null;
}

/** Thrown to roll a dry run back once its counts are known. */
class DryRun extends Error {}

export async function inTransaction(
  db: Kysely<DB>,
  dryRun: boolean,
  fn: (trx: Transaction<DB>) => Promise<Record<string, number>>,
) {
  let tally: Record<string, number> = {};
  try {
    await db.transaction().execute(async (trx) => {
      tally = await fn(trx);
      if (dryRun) throw new DryRun();
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
  return tally;
}

export function cells(rows: readonly (readonly string[])[], header: Header) {
  const out: Array<{ rowNo: number; get: (f: string) => string; column: (f: string) => string }> = [];
  const column = (field: string) => {
    const c = [...header.columns].find(([, f]) => f === field)?.[0] ?? 0;
    return header.headers[c] || columnLetter(c);
  };
  for (let r = header.row + 1; r < rows.length; r++) {
    const row = rows[r] ?? [];
    if (row.every((c) => c.trim() === '')) continue;
    const get = (field: string) => {
      for (const [c, f] of header.columns) if (f === field) return (row[c] ?? '').trim();
      return '';
    };
    out.push({ rowNo: r + 1, get, column });
  }
  return out;
}

export function describeHeader(header: Header) {
  return [...header.columns].map(([c, field]) => ({ column: columnLetter(c), header: header.headers[c] ?? '', field }));
}

export async function importCompanies(
  db: Kysely<DB>,
  rows: readonly (readonly string[])[],
  options: { dryRun: boolean; now: number },
): Promise<BuyersResult> {
  const header = findHeader(rows, COMPANY_SYNONYMS, ['inn', 'name']);
  if (!header)
    return {
      problems: [{ row: 1, column: '', message: 'no header row with a name (Наименование) and an INN (ИНН) column' }],
      rows: 0,
      mapping: [],
      tally: null,
    };
  const problems: Problem[] = [];
  const types = await db.selectFrom('price_types').select(['id', 'name']).execute();
  const managers = await db.selectFrom('users').select(['id', 'email', 'role']).execute();
  const seen = new Map<string, number>();
  const parsed: Array<{
    inn: string;
    name: string;
    kpp: string;
    legalName: string;
    address: string;
    priceTypeId: number | null | undefined;
    discountBp: number | undefined;
    managerId: number | null | undefined;
  }> = [];
  for (const { rowNo, get, column } of cells(rows, header)) {
    const inn = get('inn').replace(/\s/g, '');
    const name = get('name');
    const at = (field: string, message: string) => problems.push({ row: rowNo, column: column(field), message });
    if (inn === '') {
      at('inn', 'the INN is empty');
      continue;
    }
    const innProblem = checkInn(inn);
    if (innProblem) at('inn', innProblem.message);
    const first = seen.get(inn);
    if (first !== undefined) {
      at('inn', `INN ${inn} is already on row ${first}`);
      continue;
    }
    seen.set(inn, rowNo);
    if (name === '') at('name', 'the name is empty');
    const kpp = get('kpp').replace(/\s/g, '');
    if (kpp !== '') {
      const kppProblem = checkKpp(kpp);
      if (kppProblem) at('kpp', kppProblem.message);
      else if (inn.length === 12) at('kpp', 'a sole proprietor (12-digit INN) has no KPP');
    }
    const typeName = get('price_type');
    let priceTypeId: number | null | undefined;
    if (typeName !== '') {
      priceTypeId = types.find((t) => norm(t.name) === norm(typeName))?.id;
      if (priceTypeId === undefined) at('price_type', `unknown price type «${typeName}»`);
    }
    const discountText = get('discount').replace(/%$/, '');
    let discountBp: number | undefined;
    if (discountText !== '') {
      const value = parseNumber(discountText);
      if (value === null || value < 0 || value > 100) at('discount', `«${get('discount')}» is not a discount from 0 to 100 %`);
      else discountBp = Math.round(value * 100);
    }
    const managerEmail = get('manager').toLowerCase();
    let managerId: number | null | undefined;
    if (managerEmail !== '') {
      const manager = managers.find((m) => m.email.toLowerCase() === managerEmail);
      if (!manager) at('manager', `no user with the e-mail ${managerEmail}`);
      else if (manager.role !== 'manager') at('manager', `${managerEmail} is not a manager`);
      else managerId = manager.id;
    }
    parsed.push({ inn, name, kpp, legalName: get('legal_name'), address: get('address'), priceTypeId, discountBp, managerId });
  }
  const base = { rows: parsed.length, mapping: describeHeader(header) };
  if (problems.length > 0) return { ...base, problems, tally: null };
  const tally = await inTransaction(db, options.dryRun, async (trx) => {
    const counts = { companies_created: 0, companies_updated: 0 };
    for (const p of parsed) {
      const entity = await trx
        .selectFrom('legal_entities')
        .innerJoin('companies', 'companies.id', 'legal_entities.company_id')
        .select([
          'legal_entities.id as entity_id',
          'legal_entities.name as legal_name',
          'legal_entities.kpp',
          'legal_entities.legal_address',
          'companies.id',
          'companies.name',
          'companies.price_type_id',
          'companies.discount_bp',
          'companies.manager_id',
        ])
        .where('legal_entities.inn', '=', p.inn)
        .orderBy('legal_entities.is_primary', 'desc')
        .executeTakeFirst();
      if (!entity) {
        const company = await trx
          .insertInto('companies')
          .values({
            name: p.name,
            price_type_id: p.priceTypeId ?? null,
            discount_bp: p.discountBp ?? 0,
            manager_id: p.managerId ?? null,
            external_1c_id: null,
            external_ms_id: null,
            disabled_at: null,
            created_at: options.now,
            updated_at: options.now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('legal_entities')
          .values({
            company_id: company.id,
            name: p.legalName || p.name,
            inn: p.inn,
            kpp: p.kpp,
            legal_address: p.address,
            is_primary: 1,
            external_1c_id: null,
            created_at: options.now,
            updated_at: options.now,
          })
          .execute();
        counts.companies_created++;
        continue;
      }
      const company = {
        name: p.name,
        price_type_id: p.priceTypeId === undefined ? entity.price_type_id : p.priceTypeId,
        discount_bp: p.discountBp ?? entity.discount_bp,
        manager_id: p.managerId === undefined ? entity.manager_id : p.managerId,
      };
      const legal = {
        name: p.legalName || entity.legal_name,
        kpp: p.kpp || entity.kpp,
        legal_address: p.address || entity.legal_address,
      };
      const companyChanged =
        company.name !== entity.name ||
        company.price_type_id !== entity.price_type_id ||
        company.discount_bp !== entity.discount_bp ||
        company.manager_id !== entity.manager_id;
      const legalChanged =
        legal.name !== entity.legal_name || legal.kpp !== entity.kpp || legal.legal_address !== entity.legal_address;
      if (companyChanged)
        await trx
          .updateTable('companies')
          .set({ ...company, updated_at: options.now })
          .where('id', '=', entity.id)
          .execute();
      if (legalChanged)
        await trx
          .updateTable('legal_entities')
          .set({ ...legal, updated_at: options.now })
          .where('id', '=', entity.entity_id)
          .execute();
      if (companyChanged || legalChanged) counts.companies_updated++;
    }
    return counts;
  });
  return { ...base, problems: [], tally };
}

export async function importSpecialPrices(
  db: Kysely<DB>,
  rows: readonly (readonly string[])[],
  options: { dryRun: boolean; hideAbsent: boolean },
): Promise<BuyersResult> {
  const header = findHeader(rows, SPECIAL_SYNONYMS, ['inn', 'sku', 'price']);
  if (!header)
    return {
      problems: [{ row: 1, column: '', message: 'no header row with an INN (ИНН), an SKU (Артикул) and a price (Цена) column' }],
      rows: 0,
      mapping: [],
      tally: null,
    };
  const problems: Problem[] = [];
  const companies = new Map<string, number>();
  for (const e of await db.selectFrom('legal_entities').select(['inn', 'company_id']).orderBy('is_primary', 'asc').execute())
    if (e.inn) companies.set(e.inn, e.company_id);
  // Variants may share their product's SKU: the product itself (no parent), the lowest id first.
  const products = new Map<string, number>();
  for (const p of await db
    .selectFrom('products')
    .select(['id', 'sku_norm', 'parent_id'])
    .orderBy('parent_id', 'desc')
    .orderBy('id', 'desc')
    .execute())
    if (p.sku_norm) products.set(p.sku_norm, p.id);
  const seen = new Map<string, number>();
  const wanted: Array<{ companyId: number; productId: number; price: number }> = [];
  for (const { rowNo, get, column } of cells(rows, header)) {
    const at = (field: string, message: string) => problems.push({ row: rowNo, column: column(field), message });
    const inn = get('inn').replace(/\s/g, '');
    const sku = get('sku');
    const priceText = get('price');
    const companyId = companies.get(inn);
    if (inn === '') at('inn', 'the INN is empty');
    else if (companyId === undefined) at('inn', checkInn(inn)?.message ?? `no company with INN ${inn}`);
    const productId = products.get(normalizeSku(sku));
    if (sku === '') at('sku', 'the SKU is empty');
    else if (productId === undefined) at('sku', `no product with SKU «${sku}»`);
    const value = parseNumber(priceText);
    if (value === null || value < 0) at('price', `«${priceText}» is not a price`);
    const key = `${inn}|${normalizeSku(sku)}`;
    const first = seen.get(key);
    if (first !== undefined) at('sku', `SKU «${sku}» for INN ${inn} is already on row ${first}`);
    seen.set(key, rowNo);
    if (companyId !== undefined && productId !== undefined && value !== null && value >= 0 && first === undefined)
      wanted.push({ companyId, productId, price: Math.round(value * 100) });
  }
  const base = { rows: wanted.length, mapping: describeHeader(header) };
  if (problems.length > 0) return { ...base, problems, tally: null };
  const tally = await inTransaction(db, options.dryRun, async (trx) => {
    const counts = { special_prices_changed: 0, special_prices_removed: 0 };
    for (const w of wanted) {
      const result = await trx
        .insertInto('special_prices')
        .values({ company_id: w.companyId, product_id: w.productId, price: w.price })
        .onConflict((oc) =>
          oc.columns(['company_id', 'product_id']).doUpdateSet({ price: w.price }).where('special_prices.price', '<>', w.price),
        )
        .executeTakeFirst();
      counts.special_prices_changed += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    if (options.hideAbsent) {
      const byCompany = new Map<number, number[]>();
      for (const w of wanted) byCompany.set(w.companyId, [...(byCompany.get(w.companyId) ?? []), w.productId]);
      for (const [companyId, productIds] of byCompany) {
        const removed = await trx
          .deleteFrom('special_prices')
          .where('company_id', '=', companyId)
          .where('product_id', 'not in', productIds)
          .executeTakeFirst();
        counts.special_prices_removed += Number(removed.numDeletedRows);
      }
    }
    return counts;
  });
  return { ...base, problems: [], tally };
}
