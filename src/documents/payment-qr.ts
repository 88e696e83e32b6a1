/**
 * The payment QR code of ГОСТ Р 56042-2014 ("Стандарты финансовых операций. Двумерные символы
 * штрихового кода для осуществления платежей физических лиц"), the one every Russian banking app
 * scans to fill in a transfer.
 *
 * The text: "ST0001" (format and version), "2" (the encoding: UTF-8; 1 would be windows-1251,
 * 3 KOI8-R), then "|"-separated Name=value fields, the five required ones first in the standard's
 * order (Name, PersonalAcc, BankName, BIC, CorrespAcc), then optional ones (Sum in kopecks, Purpose,
 * PayeeINN, KPP). The symbol is a QR code in byte mode (the UTF-8 bytes, no ECI header, which some
 * apps stumble on) with error correction level M, as the standard's examples and the banks use.
 */
import QRCode from 'qrcode';

export interface PaymentDetails {
  /** The payee's name, e.g. ООО «Оптовик». */
  readonly name: string;
  /** The payee's settlement account, 20 digits. */
  readonly personalAcc: string;
  readonly bankName: string;
  readonly bic: string;
  /** The bank's correspondent account; empty for none (the standard then wants "0"). */
  readonly correspAcc: string;
  readonly payeeInn: string;
  /** Empty for a sole proprietor: the field is then left out. */
  readonly kpp: string;
  /** Integer kopecks. */
  readonly sum: number;
  readonly purpose: string;
}

/** The standard's maximum lengths; a longer value is cut (a bank looks the bank up by its BIC anyway). */
const MAX_LENGTH = { Name: 160, PersonalAcc: 20, BankName: 45, BIC: 9, CorrespAcc: 20, Sum: 18, Purpose: 210, PayeeINN: 12, KPP: 9 } as const;

/**
 * A value as the format allows it: one line, and no "|" (it separates the fields; the standard lets a
 * document pick another separator, but apps expect this one, so a "|" in a name becomes "/").
 */
function clean(value: string, max: number): string {
  return Array.from(value.replace(/\|/g, '/').replace(/\s+/g, ' ').trim()).slice(0, max).join('');
}

/** The ST00012 text of a payment. */
export function paymentQrText(details: PaymentDetails): string {
  if (!Number.isSafeInteger(details.sum) || details.sum < 0) throw new RangeError(`sum must be integer kopecks, got ${details.sum}`);
  const fields: [keyof typeof MAX_LENGTH, string][] = [
    ['Name', details.name],
    ['PersonalAcc', details.personalAcc],
    ['BankName', details.bankName],
    ['BIC', details.bic],
    ['CorrespAcc', details.correspAcc || '0'],
    ['PayeeINN', details.payeeInn],
    ['KPP', details.kpp],
    ['Sum', String(details.sum)],
    ['Purpose', details.purpose],
  ];
  const parts = fields.map(([key, value]) => [key, clean(value, MAX_LENGTH[key])] as const).filter(([key, value]) => value !== '' || key === 'Name');
  return ['ST00012', ...parts.map(([key, value]) => `${key}=${value}`)].join('|');
}

/**
 * The QR symbol as an SVG document (scales without blur to any print size), with the 4-module quiet
 * zone QR readers need around it. Byte mode is forced: the automatic mode would cut digits and Latin
 * capitals into segments of other modes, which the standard does not foresee.
 */
export async function paymentQrSvg(text: string): Promise<string> {
  return QRCode.toString([{ data: new Uint8Array(Buffer.from(text, 'utf8')), mode: 'byte' }], {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 4,
    color: { dark: '#000000', light: '#ffffff' },
  });
}
