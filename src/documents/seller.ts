/**
 * The seller as order documents and invoices print it: config.seller, with its images read into
 * data: URLs (a PDF is rendered from a string and may fetch nothing).
 */
import { readFileSync } from 'node:fs';
import { sniffImage } from '../config/images.js';
import type { Config } from '../config/types.js';
import type { Translate } from '../i18n/index.js';

export interface SellerDetails {
  /** The legal name; site.name when none is configured. */
  readonly name: string;
  readonly inn: string;
  readonly kpp: string;
  readonly ogrn: string;
  /** A 12-digit INN: a sole proprietor (OGRNIP, "Индивидуальный предприниматель" signs). */
  readonly isProprietor: boolean;
  readonly address: string;
  readonly postalAddress: string;
  readonly phone: string;
  readonly email: string;
  readonly bankName: string;
  readonly bik: string;
  readonly correspondentAccount: string;
  readonly settlementAccount: string;
  readonly director: string;
  /** The chief accountant, or the director when none is configured. */
  readonly accountant: string;
  readonly footer: string;
  /** data: URLs, '' for none. */
  readonly logo: string;
  readonly stamp: string;
  readonly signature: string;
  /** The accountant's signature; the director's when the director signs for both. */
  readonly accountantSignature: string;
}

/**
 * Whether the seller's requisites are complete enough for an invoice for payment: the keys of
 * INVOICE_REQUIRES (src/config/schema.ts), which documents.invoice demands when the config is loaded.
 */
export function invoiceAvailable(config: Pick<Config, 'seller'>): boolean {
  const { name, inn, bankName, bik, settlementAccount } = config.seller;
  return [name, inn, bankName, bik, settlementAccount].every((value) => value !== '');
}

/**
 * The seller in one line, as documents name a party: "ООО «Оптовик», ИНН …, КПП …, ОГРН …, address,
 * тел. …"; with `bank`, the bank details follow ("р/с … в …, БИК …, к/с …"). Empty parts are left out.
 */
export function sellerLine(seller: SellerDetails, t: Translate, opts: { bank?: boolean } = {}): string {
  const parts = [
    seller.name,
    seller.inn && `${t('orders.inn')} ${seller.inn}`,
    seller.kpp && `${t('orders.kpp')} ${seller.kpp}`,
    seller.ogrn && `${t(seller.isProprietor ? 'invoice.ogrnip' : 'invoice.ogrn')} ${seller.ogrn}`,
    seller.address,
    seller.postalAddress && `${t('invoice.postalAddress')}: ${seller.postalAddress}`,
    seller.phone && `${t('invoice.phone')} ${seller.phone}`,
    seller.email && `${t('invoice.email')} ${seller.email}`,
  ];
  if (opts.bank && seller.settlementAccount) {
    parts.push(
      `${t('invoice.settlementAccount')} ${seller.settlementAccount}${seller.bankName ? ` ${t('invoice.inBank')} ${seller.bankName}` : ''}`,
      seller.bik && `${t('invoice.bik')} ${seller.bik}`,
      seller.correspondentAccount && `${t('invoice.correspondentAccount')} ${seller.correspondentAccount}`,
    );
  }
  return parts.filter(Boolean).join(', ');
}

/** The buyer of an order in one line, from what the order recorded when it was placed. */
export function buyerLine(order: { buyer_name: string; buyer_inn: string; buyer_kpp: string; buyer_address: string }, t: Translate): string {
  return [order.buyer_name, order.buyer_inn && `${t('orders.inn')} ${order.buyer_inn}`, order.buyer_kpp && `${t('orders.kpp')} ${order.buyer_kpp}`, order.buyer_address]
    .filter(Boolean)
    .join(', ');
}

const images = new Map<string, string>();

/**
 * The image as a data: URL, read once per process. The loader checked the file at start; when it
 * has gone since, the error names the key, so the admin knows what to fix.
 */
function imageUrl(path: string, key: string): string {
  if (path === '') return '';
  const cached = images.get(path);
  if (cached) return cached;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`${key}: cannot read ${path}: ${(error as Error).message}`);
  }
  const type = sniffImage(bytes.subarray(0, 512));
  if (!type) throw new Error(`${key}: ${path} is no longer a PNG, JPEG, GIF, WebP or SVG image`);
  const url = `data:${type};base64,${bytes.toString('base64')}`;
  images.set(path, url);
  return url;
}

export function sellerDetails(config: Pick<Config, 'seller' | 'site'>): SellerDetails {
  const s = config.seller;
  const signature = imageUrl(s.signature, 'seller.signature');
  return {
    name: s.name || config.site.name,
    inn: s.inn,
    kpp: s.kpp,
    ogrn: s.ogrn,
    isProprietor: s.inn.length === 12,
    address: s.address,
    postalAddress: s.postalAddress,
    phone: s.phone,
    email: s.email,
    bankName: s.bankName,
    bik: s.bik,
    correspondentAccount: s.correspondentAccount,
    settlementAccount: s.settlementAccount,
    director: s.director,
    accountant: s.chiefAccountant || s.director,
    footer: s.footer,
    logo: imageUrl(s.logo, 'seller.logo'),
    stamp: imageUrl(s.stamp, 'seller.stamp'),
    signature,
    accountantSignature: s.accountantSignature ? imageUrl(s.accountantSignature, 'seller.accountant_signature') : s.chiefAccountant ? '' : signature,
  };
}
