/**
 * The parts of MoySklad's JSON that the portal reads and writes (API 1.2; docs/moysklad.md).
 * Optional fields are left out by MoySklad rather than sent as null, so every one is optional here.
 */
export interface Meta {
  href: string;
  type: string;
  mediaType?: string;
}

export interface Ref {
  meta: Meta;
}

export interface Named {
  meta: Meta;
  id: string;
  name: string;
  updated?: string;
  archived?: boolean;
  externalCode?: string;
}

export interface MsPriceType extends Named {}

export interface MsState extends Named {
  stateType?: string;
}

export interface MsOrganization extends Named {
  inn?: string;
}

export interface MsStore extends Named {}

export interface MsCounterparty extends Named {
  companyType?: 'legal' | 'entrepreneur' | 'individual';
  legalTitle?: string;
  inn?: string;
  kpp?: string;
  ogrn?: string;
  legalAddress?: string;
  actualAddress?: string;
  email?: string;
  phone?: string;
  tags?: string[];
  priceType?: { id: string; name: string };
  discounts?: { personalDiscount?: number; accumulationDiscount?: number }[];
}

export interface MsOrderPosition {
  id?: string;
  quantity: number;
  price: number;
  discount?: number;
  vat?: number;
  vatEnabled?: boolean;
  assortment: Ref;
}

export interface MsCustomerOrder {
  meta: Meta;
  id: string;
  name: string;
  updated: string;
  moment?: string;
  created?: string;
  syncId?: string;
  externalCode?: string;
  description?: string;
  agent: Ref;
  state?: Ref;
  sum?: number;
  vatSum?: number;
  vatIncluded?: boolean;
  payedSum?: number;
  shippedSum?: number;
}

/** The last segment of an href (`…/entity/product/<id>?expand=x` → `<id>`). */
export function idOf(ref: Ref | Meta | undefined): string | null {
  const href = ref === undefined ? undefined : 'meta' in ref ? ref.meta.href : ref.href;
  if (!href) return null;
  const path = href.split('?')[0] ?? '';
  return path.slice(path.lastIndexOf('/') + 1) || null;
}

/** The URL without its trailing slashes (a loop, not a regex: no backtracking on hostile input). */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  return url.slice(0, end);
}

/** A reference to send: `{meta: {href, type, mediaType}}`, href under the configured base URL. */
export function refTo(baseUrl: string, path: string, type: string, id: string): Ref {
  return { meta: { href: `${withoutTrailingSlashes(baseUrl)}/${path}/${id}`, type, mediaType: 'application/json' } };
}

const MSK_OFFSET_MS = 3 * 3600_000;

/** Moscow time (UTC+3, no DST) as MoySklad writes it: `2026-05-21 11:40:27.114`. */
export function toMsk(ms: number): string {
  return new Date(ms + MSK_OFFSET_MS).toISOString().replace('T', ' ').replace('Z', '');
}

/** MoySklad's Moscow time (with or without ms or seconds) to milliseconds since the epoch; NaN when unreadable. */
export function fromMsk(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const [, date, hm, ss = '00', ms = '0'] = m;
  return Date.parse(`${date}T${hm}:${ss}.${ms.padEnd(3, '0')}Z`) - MSK_OFFSET_MS;
}
