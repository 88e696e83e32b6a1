/**
 * A 1C counterparty's requisites that fill a portal company's fields, where config.yml's
 * `integrations.commerceml.counterparty_fields` says they are: its price type (by 1C Ид, 1C name
 * as mapped, or the portal's name), its discount in percent and its manager (by e-mail or name).
 * A requisite that is there sets the field, even over an admin's earlier choice (1C is where
 * the seller keeps it); one that is not there leaves the field alone; one that names nothing on
 * the portal is a warning.
 */
import { type Kysely, sql } from 'kysely';
import type { Config } from '../../../config/types.js';
import type { DB } from '../../../db/schema.js';
import { decimal, requisites } from '../xml/node.js';
import type { XmlNode } from '../xml/reader.js';

export interface CompanyFields {
  priceTypeId?: number;
  discountBp?: number;
  managerId?: number;
}

type Settings = Pick<Config['integrations']['commerceml'], 'counterpartyFields' | 'priceTypes'>;

const fold = (text: string) => text.trim().toLowerCase().replace(/ё/g, 'е');

function firstRequisite(reqs: ReadonlyMap<string, string>, names: readonly string[]): { name: string; value: string } | null {
  const byName = new Map([...reqs].map(([n, v]) => [fold(n), { name: n, value: v.trim() }]));
  for (const name of names) {
    const found = byName.get(fold(name));
    if (found && found.value !== '') return found;
  }
  return null;
}

/** "5", "2,5%", "7.5 %" → basis points; null when it is not a percentage from 0 to 100. */
export function parseDiscount(text: string): number | null {
  const match = /^(\d{1,3}(?:[.,]\d{1,2})?)\s*%?$/.exec(text.trim());
  const percent = match ? decimal(match[1] as string) : Number.NaN;
  return Number.isFinite(percent) && percent <= 100 ? Math.round(percent * 100) : null;
}

export async function readCompanyFields(
  db: Kysely<DB>,
  counterparty: XmlNode,
  settings: Settings,
): Promise<{ fields: CompanyFields; problems: string[] }> {
  const reqs = requisites(counterparty);
  const map = settings.counterpartyFields;
  const fields: CompanyFields = {};
  const problems: string[] = [];

  const priceType = firstRequisite(reqs, map.priceType);
  if (priceType) {
    const id = await priceTypeNamed(db, priceType.value, settings.priceTypes);
    if (id === null) problems.push(`requisite "${priceType.name}" = "${priceType.value}" is no price type buyers may have`);
    else fields.priceTypeId = id;
  }
  const discount = firstRequisite(reqs, map.discount);
  if (discount) {
    const bp = parseDiscount(discount.value);
    if (bp === null) problems.push(`requisite "${discount.name}" = "${discount.value}" is not a discount in percent`);
    else fields.discountBp = bp;
  }
  const manager = firstRequisite(reqs, map.manager);
  if (manager) {
    const id = await managerNamed(db, manager.value);
    if (id === null) problems.push(`requisite "${manager.name}" = "${manager.value}" is no manager on the portal`);
    else fields.managerId = id;
  }
  return { fields, problems };
}

/** By 1C Ид, by the portal name 1C's name is mapped to, or by the portal name; never a price type hidden from buyers. */
async function priceTypeNamed(db: Kysely<DB>, value: string, priceTypeMap: readonly string[]): Promise<number | null> {
  const types = await db.selectFrom('price_types').select(['id', 'name', 'external_1c_id', 'hidden']).execute();
  const mapped = priceTypeMap
    .filter((item) => item.includes('=') && fold(item.slice(0, item.lastIndexOf('='))) === fold(value))
    .map((item) => fold(item.slice(item.lastIndexOf('=') + 1)));
  const wanted = new Set([fold(value), ...mapped]);
  const found = types.find((t) => t.external_1c_id === value) ?? types.find((t) => wanted.has(fold(t.name)));
  return found && found.hidden === 0 ? found.id : null;
}

/** A manager or admin, by e-mail or by the name on the portal (1C writes the employee's name). */
async function managerNamed(db: Kysely<DB>, value: string): Promise<number | null> {
  const staff = await db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('role', 'in', ['manager', 'admin'])
    .where('disabled_at', 'is', null)
    .orderBy('id')
    .execute();
  const wanted = fold(value);
  const found = staff.find((u) => fold(u.email) === wanted) ?? staff.find((u) => fold(u.name) === wanted);
  return found?.id ?? null;
}

/** Sets what the requisites said on the company; true when something changed. */
export async function applyCompanyFields(
  db: Kysely<DB>,
  companyId: number,
  fields: CompanyFields,
  now: number,
): Promise<boolean> {
  const set = {
    ...(fields.priceTypeId !== undefined ? { price_type_id: fields.priceTypeId } : {}),
    ...(fields.discountBp !== undefined ? { discount_bp: fields.discountBp } : {}),
    ...(fields.managerId !== undefined ? { manager_id: fields.managerId } : {}),
  };
  if (Object.keys(set).length === 0) return false;
  const differs = Object.keys(set).map((column) => sql`${sql.ref(column)} is not ${set[column as keyof typeof set]}`);
  const result = await db
    .updateTable('companies')
    .set({ ...set, updated_at: now })
    .where('id', '=', companyId)
    .where(sql<boolean>`(${sql.join(differs, sql` or `)})`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
