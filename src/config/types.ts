/**
 * The validated, typed configuration. Built once from config.yml (or defaults in demo mode)
 * by loadConfig(); frozen, so nothing can change it at run time.
 * YAML keys are snake_case; these fields are their camelCase twins.
 */
export type Locale = 'ru' | 'en';
export type SmtpSecurity = 'starttls' | 'tls' | 'none';
export type StockDisplay = 'exact' | 'ranges' | 'yes_no';
export type CreditControl = 'off' | 'warn' | 'block';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** Absolute path of the file the config came from; null in demo mode (no file). */
  readonly file: string | null;
  /** True when no config file exists: demo data is seeded and demo logins are shown. */
  readonly demo: boolean;
  /** Absolute path; the SQLite file, backups, mail and uploads live here. */
  readonly dataDir: string;
  readonly server: {
    readonly host: string;
    readonly port: number;
    /** Base URL used in links sent by mail, without a trailing slash. */
    readonly publicUrl: string;
    readonly trustProxy: boolean;
    /** With trustProxy: the proxies (addresses, CIDR ranges) whose X-Forwarded-* headers are believed. */
    readonly trustedProxies: readonly string[];
    /** With trustProxy: when above 0, believe exactly this many proxy hops instead of trustedProxies. */
    readonly proxyHops: number;
    /** Cookies get the Secure flag; defaults to true when publicUrl is https. */
    readonly secureCookies: boolean;
  };
  readonly site: {
    readonly name: string;
    readonly defaultLocale: Locale;
  };
  readonly database: {
    readonly busyTimeoutMs: number;
    readonly backupBeforeMigrate: boolean;
    readonly keepBackups: number;
  };
  readonly auth: {
    readonly sessionDays: number;
    readonly passwordMinLength: number;
    readonly maxFailuresPerAccount: number;
    readonly maxFailuresPerIp: number;
    readonly lockoutMinutes: number;
    readonly resetLinkHours: number;
    readonly inviteLinkDays: number;
  };
  readonly smtp: {
    /** Empty: no SMTP; mails are written as .eml files to <dataDir>/mail. */
    readonly host: string;
    readonly port: number;
    readonly security: SmtpSecurity;
    readonly username: string;
    readonly password: string;
    readonly from: string;
    readonly replyTo: string;
  };
  readonly catalog: {
    /** exact: the quantity; ranges: many / few / none; yes_no: in stock or not. */
    readonly stockDisplay: StockDisplay;
    /** With ranges: below this quantity (and above 0) stock shows as "few". */
    readonly stockFewBelow: number;
    /** Names or external ids of the warehouses whose stock counts; empty = all warehouses. */
    readonly stockWarehouses: readonly string[];
    /** Let buyers order more than is in stock. */
    readonly allowBackorder: boolean;
    /** Prices from accounting already include VAT (the usual case in Russia). */
    readonly pricesIncludeVat: boolean;
    /** "USD = 92.50" items: fixed roubles for one unit of a currency, applied at start. */
    readonly currencyRates: readonly string[];
    /** Show a foreign price's own amount next to its rouble price. */
    readonly showOriginalCurrency: boolean;
    /** Rows per catalog page. */
    readonly pageSize: number;
    /** Hand edits on the admin catalog pages: auto = only what no accounting system owns. */
    readonly handEdits: 'auto' | 'always' | 'never';
  };
  readonly photos: {
    /** Largest upload accepted, in megabytes. */
    readonly maxUploadMb: number;
    readonly maxPerProduct: number;
    /** Total disk space all stored photos may take, in megabytes. */
    readonly quotaMb: number;
    /** Longest side of the stored photo, in pixels. */
    readonly maxPx: number;
    /** Longest side of the thumbnail, in pixels. */
    readonly thumbPx: number;
    /** Keep the uploaded original next to the resized copies. */
    readonly keepOriginals: boolean;
  };
  readonly orders: {
    /** Text before every order number: W- gives W-000123. */
    readonly numberPrefix: string;
    /** Buyers may cancel an order themselves while it is still new. */
    readonly allowCancel: boolean;
    /** The seller's order inboxes: every new order is mailed there with its PDF. */
    readonly sellerEmails: readonly string[];
    /** Checkout against the credit limit and overdue debt: off, warn, or block (managers may override). */
    readonly creditControl: CreditControl;
    /**
     * Whether staff move orders through statuses, mark them paid/shipped and change their lines on
     * the order desk: auto = only when no accounting exchange (1C, MoySklad) is configured.
     */
    readonly staffStatusChanges: 'auto' | 'always' | 'never';
  };
  /** The seller's requisites on order documents and invoices (control digits checked when loaded). */
  readonly seller: {
    readonly name: string;
    readonly inn: string;
    readonly kpp: string;
    readonly ogrn: string;
    /** The legal address. */
    readonly address: string;
    readonly postalAddress: string;
    readonly phone: string;
    readonly email: string;
    readonly bankName: string;
    readonly bik: string;
    readonly correspondentAccount: string;
    readonly settlementAccount: string;
    readonly director: string;
    readonly chiefAccountant: string;
    /** Days to pay an invoice; 0 = no deadline printed. */
    readonly paymentDays: number;
    /** Absolute paths of images, checked when loaded; '' = none. */
    readonly logo: string;
    readonly stamp: string;
    readonly signature: string;
    readonly accountantSignature: string;
    readonly footer: string;
  };
  readonly documents: {
    /** Empty: auto-detect /usr/bin/chromium-headless-shell, then /usr/bin/chromium. */
    readonly chromiumPath: string;
    readonly pdfTimeoutMs: number;
    readonly pdfConcurrency: number;
    /** Attach the invoice for payment to every new order's mail. */
    readonly invoice: boolean;
  };
  readonly jobs: {
    readonly maxAttempts: number;
    readonly concurrency: number;
  };
  /** The buyers' REST API under /api/v1. */
  readonly api: {
    /** Requests per second per token; 0 = no limit. */
    readonly rateLimit: number;
    readonly maxBodyKb: number;
    readonly webhooks: {
      /** Allow private, loopback and link-local targets (a receiver in the seller's own LAN). */
      readonly allowPrivate: boolean;
      readonly timeoutSeconds: number;
    };
  };
  readonly integrations: {
    /** The 1C "exchange with site" endpoint (/1c_exchange); off while login is empty. */
    readonly commerceml: {
      readonly login: string;
      readonly password: string;
      readonly priceTypes: readonly string[];
      readonly defaultPriceType: string;
      /** "1C name or Ид = portal name" items: the names buyers see for 1C's warehouses. */
      readonly warehouses: readonly string[];
      readonly brandProperties: readonly string[];
      /** Where each product field is in this 1C database: property (ЗначенияСвойств) or requisite (ЗначенияРеквизитов) names, tried in order. */
      readonly fields: CommerceMlFields;
      /** Price types imported with their prices but never shown to buyers (purchase prices): 1C or portal names or Ид. */
      readonly hiddenPriceTypes: readonly string[];
      /** Requisite names in a 1C counterparty that fill a company's fields, tried in order. */
      readonly counterpartyFields: {
        readonly priceType: readonly string[];
        readonly discount: readonly string[];
        readonly manager: readonly string[];
        readonly creditLimit: readonly string[];
        readonly paymentDays: readonly string[];
      };
      /** "portal status = 1C status name" items: what the orders document says in Статус заказа. */
      readonly outgoingStatuses: readonly string[];
      readonly fractionalUnits: readonly string[];
      readonly fileLimitMb: number;
      readonly zip: boolean;
      readonly maxPackageMb: number;
      readonly sliceSeconds: number;
      readonly orderSchema: '2.05' | '3.1';
      readonly orderEncoding: 'windows-1251' | 'utf-8';
      /** "1C status = portal status" items, checked when the config is loaded. */
      readonly statusMap: readonly string[];
    };
    /** MoySklad's JSON API 1.2 (docs/moysklad.md); off while token is empty. */
    readonly moysklad: {
      readonly token: string;
      readonly baseUrl: string;
      readonly pollSeconds: number;
      readonly timeoutSeconds: number;
      /** Requests in any 3 seconds. */
      readonly requestBudget: number;
      readonly maxParallel: number;
      /** "MoySklad name = portal name" items, checked when the config is loaded. */
      readonly priceTypes: readonly string[];
      readonly defaultPriceType: string;
      readonly stores: readonly string[];
      readonly organization: string;
      readonly orderStore: string;
      readonly newOrderState: string;
      /** "state = portal status" items, checked when the config is loaded. */
      readonly orderStateMap: readonly string[];
      readonly webhookSecret: string;
      readonly brandAttribute: string;
      /** Where each product field is among MoySklad's custom attributes (and packs: a pack's quantity), tried in order. */
      readonly fields: {
        readonly multiple: { readonly attribute: readonly string[]; readonly unit: readonly string[] };
        readonly minQty: { readonly attribute: readonly string[]; readonly unit: readonly string[] };
        readonly country: { readonly attribute: readonly string[] };
        readonly new: { readonly attribute: readonly string[] };
        readonly sale: { readonly attribute: readonly string[] };
        readonly visible: { readonly attribute: readonly string[] };
      };
      readonly vatIncluded: boolean;
      readonly images: boolean;
      readonly imagesPerSync: number;
      /** Hosts picture downloads may be redirected to; `*.` prefixes allow subdomains. */
      readonly imageHosts: readonly string[];
    };
    /** Price lists and buyer lists from CSV/XLSX files (docs/admin-guide.md "Catalog from spreadsheets"). */
    readonly spreadsheet: {
      /** "header text or column letter = field" items per kind, checked when the config is loaded. */
      readonly columns: {
        readonly catalog: readonly string[];
      };
      /** A folder whose new files are imported as they arrive; empty: none. */
      readonly watchDir: string;
      readonly watchSeconds: number;
      /** Files from the watched folder are whole price lists: products not in them are hidden. */
      readonly watchHideAbsent: boolean;
    };
  };
  readonly log: {
    readonly level: LogLevel;
  };
}

/** A product field's place in an accounting file: the names to look for, the first found wins. */
export interface FieldSource {
  readonly property: readonly string[];
  readonly requisite: readonly string[];
}

/** A quantity may also be a unit ratio: the Коэффициент of the Пересчет to one of these units. */
export interface QuantitySource extends FieldSource {
  readonly unit: readonly string[];
}

/** The product fields config.yml maps, one source each (docs/configuration.md, "The map of accounting fields"). */
export interface CommerceMlFields {
  readonly multiple: QuantitySource;
  readonly minQty: QuantitySource;
  readonly brand: FieldSource;
  readonly description: FieldSource;
  readonly country: FieldSource;
  readonly weight: FieldSource;
  readonly volume: FieldSource;
  readonly vat: FieldSource;
  readonly new: FieldSource;
  readonly sale: FieldSource;
  readonly visible: FieldSource;
  /** Units ordered in fractions (short name or OKEI code). */
  readonly fractional: { readonly unit: readonly string[] };
}
