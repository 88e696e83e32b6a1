import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Milliseconds since the epoch; every `*_at` column uses it. */
export type Millis = number;

export type Role = 'admin' | 'manager' | 'buyer';

export interface PriceTypeTable {
  id: Generated<number>;
  name: string;
  is_default: Generated<number>;
  external_1c_id: string | null;
  external_ms_id: string | null;
  created_at: Millis;
  /** ISO 4217 code of the currency its prices come in; RUB for roubles. */
  currency: Generated<string>;
  /** Imported with its prices but never shown to buyers (purchase prices): no company buys at it. */
  hidden: Generated<number>;
}

export interface CompanyTable {
  id: Generated<number>;
  name: string;
  price_type_id: number | null;
  /** Discount in basis points: 250 = 2.5 %. */
  discount_bp: Generated<number>;
  manager_id: number | null;
  email: Generated<string>;
  phone: Generated<string>;
  note: Generated<string>;
  external_1c_id: string | null;
  external_ms_id: string | null;
  disabled_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface LegalEntityTable {
  id: Generated<number>;
  company_id: number;
  name: string;
  inn: Generated<string>;
  kpp: Generated<string>;
  ogrn: Generated<string>;
  legal_address: Generated<string>;
  bank_name: Generated<string>;
  bik: Generated<string>;
  account: Generated<string>;
  corr_account: Generated<string>;
  is_primary: Generated<number>;
  external_1c_id: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface CompanyAddressTable {
  id: Generated<number>;
  company_id: number;
  address: string;
  created_at: Millis;
}

export interface UserTable {
  id: Generated<number>;
  email: string;
  name: string;
  role: Role;
  company_id: number | null;
  phone: Generated<string>;
  /** Null until the user sets a password through an invitation link. */
  password_hash: string | null;
  locale: string | null;
  disabled_at: Millis | null;
  last_login_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface SessionTable {
  /** sha256 of the token in the cookie; the token itself is never stored. */
  id: string;
  user_id: number;
  expires_at: Millis;
  created_at: Millis;
  ip: Generated<string>;
  user_agent: Generated<string>;
  /** The company a manager or admin is acting for (catalog prices, cart, orders). */
  acting_company_id: Generated<number | null>;
}

export type OneTimeTokenPurpose = 'invite' | 'reset';

export interface OneTimeTokenTable {
  /** sha256 of the token in the link. */
  id: string;
  user_id: number;
  purpose: OneTimeTokenPurpose;
  expires_at: Millis;
  used_at: Millis | null;
  created_at: Millis;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'declined';

export interface AccessRequestTable {
  id: Generated<number>;
  company_name: string;
  inn: string;
  contact_name: string;
  email: string;
  phone: Generated<string>;
  message: Generated<string>;
  locale: string;
  status: Generated<AccessRequestStatus>;
  company_id: number | null;
  decided_by: number | null;
  decided_at: Millis | null;
  created_at: Millis;
}

export interface SettingTable {
  key: string;
  value: string;
}

export interface UnitTable {
  id: Generated<number>;
  code: string;
  name: string;
  full_name: Generated<string>;
  /** Decimal places a quantity may have: 0 for pieces, up to 3 for kilograms or metres. */
  precision: Generated<number>;
}

export interface CategoryTable {
  id: Generated<number>;
  parent_id: number | null;
  name: string;
  sort: Generated<number>;
  hidden: Generated<number>;
  external_1c_id: string | null;
  external_ms_id: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface ProductTable {
  id: Generated<number>;
  parent_id: number | null;
  variant_name: Generated<string>;
  has_variants: Generated<number>;
  category_id: number | null;
  sku: Generated<string>;
  /** SKU folded for matching: lowercase, no spaces or dashes (see catalog/sku.ts). */
  sku_norm: Generated<string>;
  name: string;
  full_name: Generated<string>;
  description: Generated<string>;
  brand: Generated<string>;
  unit_id: number | null;
  /** VAT in basis points (2000 = 20 %); null = not subject to VAT. */
  vat_bp: number | null;
  min_qty: Generated<number>;
  multiple: Generated<number>;
  stock_total: Generated<number>;
  hidden: Generated<number>;
  external_1c_id: string | null;
  external_ms_id: string | null;
  created_at: Millis;
  updated_at: Millis;
  /** Kilograms and cubic metres of one base unit; null = not known. */
  weight: Generated<number | null>;
  volume: Generated<number | null>;
  /** Country of origin, as accounting names it. */
  country: Generated<string>;
  is_new: Generated<number>;
  is_sale: Generated<number>;
}

export interface ProductBarcodeTable {
  barcode: string;
  product_id: number;
}

export interface ProductPropertyTable {
  product_id: number;
  name: string;
  value: string;
  sort: Generated<number>;
}

export interface WarehouseTable {
  id: Generated<number>;
  name: string;
  external_1c_id: string | null;
  external_ms_id: string | null;
  created_at: Millis;
}

export interface StockTable {
  product_id: number;
  warehouse_id: number;
  quantity: number;
}

export interface PriceTable {
  product_id: number;
  price_type_id: number;
  /** Kopecks. */
  price: number;
}

/** A price as its source stated it, in a currency other than roubles; `prices` holds it in kopecks at the day's rate. */
export interface ForeignPriceTable {
  product_id: number;
  price_type_id: number;
  currency: string;
  /** Minor units of the currency (cents). */
  amount: number;
}

export interface CurrencyRateTable {
  currency: string;
  /** Roubles for one unit of the currency, in millionths of a rouble (92.5 → 92_500_000). */
  rate_micro: number;
  /** YYYY-MM-DD. */
  rate_date: string;
  source: string;
  updated_at: Millis;
}

export interface SpecialPriceTable {
  company_id: number;
  product_id: number;
  /** Kopecks; final, no discount on top. */
  price: number;
}

export interface ProductPhotoTable {
  id: Generated<number>;
  product_id: number;
  file: string;
  width: number;
  height: number;
  bytes: number;
  sort: Generated<number>;
  source: Generated<string>;
  created_at: Millis;
}

export interface CartItemTable {
  company_id: number;
  product_id: number;
  quantity: number;
  price_seen: number | null;
  added_by: number | null;
  added_at: Millis;
  updated_at: Millis;
}

/** A MoySklad good whose images the portal copies (migrations/0019_moysklad_images.ts). */
export interface MoySkladImageTable {
  ms_id: string;
  entity: 'product' | 'variant';
  updated: string;
  synced: string | null;
}

/** Where an order came from: the portal's pages, the REST API, or typed in by the seller in accounting. */
export type OrderOrigin = 'web' | 'api' | '1c' | 'moysklad';

export type OrderStatus = 'new' | 'confirmed' | 'in_progress' | 'shipped' | 'completed' | 'cancelled';

export interface OrderTable {
  id: Generated<number>;
  number: string;
  company_id: number;
  legal_entity_id: number | null;
  buyer_name: string;
  buyer_inn: Generated<string>;
  buyer_kpp: Generated<string>;
  buyer_address: Generated<string>;
  placed_by: number | null;
  manager_id: number | null;
  status: Generated<OrderStatus>;
  delivery_address: Generated<string>;
  /** YYYY-MM-DD. */
  desired_date: string | null;
  po_number: Generated<string>;
  comment: Generated<string>;
  price_type_id: number | null;
  price_type_name: Generated<string>;
  discount_bp: Generated<number>;
  prices_include_vat: number;
  subtotal: number;
  discount_total: number;
  vat_total: number;
  total: number;
  line_count: number;
  idempotency_key: string;
  external_1c_id: string | null;
  /** 1C's own number for the order (Номер1С), shown next to ours. */
  external_number: string | null;
  /** 1C's own date for the order (Дата1С), YYYY-MM-DD. */
  external_date: string | null;
  paid_at: Millis | null;
  shipped_at: Millis | null;
  /** When 1C confirmed it has the order as it was at that moment; re-sent when updated_at is later. */
  exported_at: Millis | null;
  origin: Generated<OrderOrigin>;
  /** MoySklad's id of the customerorder, once pushed (or when MoySklad made it). */
  external_ms_id: string | null;
  /** The order's own UUID, given by a trigger on insert: the syncId of its MoySklad customerorder. */
  uuid: string | null;
  /** Kopecks the order went over the credit limit when placed; null = within it. */
  credit_excess: Generated<number | null>;
  /** Overdue debt of the buyer when the order was placed; null = none. */
  credit_overdue: Generated<number | null>;
  /** Why a manager let the order through credit control, and who (a user id). */
  credit_override_reason: Generated<string | null>;
  credit_override_by: Generated<number | null>;
  /** Moves whenever the order's document (lines, totals) changes: the cached PDF is per revision. */
  revision: Generated<number>;
  /** sha256 of the API request that placed it: the same Idempotency-Key with another body is refused. */
  request_hash: Generated<string | null>;
  created_at: Millis;
  updated_at: Millis;
}

export interface OrderLineTable {
  id: Generated<number>;
  order_id: number;
  line_no: number;
  product_id: number | null;
  sku: Generated<string>;
  name: string;
  unit_name: Generated<string>;
  product_1c_id: string | null;
  product_ms_id: string | null;
  quantity: number;
  list_price: number | null;
  unit_price: number;
  discount_bp: Generated<number>;
  line_total: number;
  vat_bp: number | null;
  vat_amount: Generated<number>;
  /** Set when the line was priced from a price in another currency: that currency, the price in it (minor units), the rate and its day. */
  currency: string | null;
  currency_price: number | null;
  rate_micro: number | null;
  rate_date: string | null;
}

export interface OrderStatusHistoryTable {
  id: Generated<number>;
  order_id: number;
  status: OrderStatus;
  note: Generated<string>;
  source: Generated<string>;
  changed_by: number | null;
  created_at: Millis;
}

/** One thing that happened to an order (src/orders/events.ts says what `data` holds per kind). */
export interface OrderEventTable {
  id: Generated<number>;
  order_id: number;
  kind: string;
  /** 'portal', 'api', '1c', 'moysklad', … */
  source: Generated<string>;
  actor_id: number | null;
  actor_name: Generated<string>;
  /** JSON. */
  data: Generated<string>;
  created_at: Millis;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** JSON. */
  payload: string;
  run_after: Millis;
  attempts: Generated<number>;
  last_error: string | null;
  done_at: Millis | null;
  failed_at: Millis | null;
  created_at: Millis;
}

export interface SentMailTable {
  job_id: number;
  recipient: string;
  message_id: Generated<string>;
  with_attachment: Generated<number>;
  sent_at: Millis;
}

export type ExchangeRunKind = 'catalog' | 'sale' | 'upload';
/** The accounting system of a run. */
export type ExchangeRunSource = '1c' | 'moysklad' | 'spreadsheet';
export type ExchangeRunStatus = 'running' | 'success' | 'failed' | 'abandoned';

export interface ExchangeRunTable {
  id: Generated<number>;
  kind: ExchangeRunKind;
  status: ExchangeRunStatus;
  source: Generated<ExchangeRunSource>;
  /** JSON: [{ name, bytes }]. */
  files: Generated<string>;
  /** JSON: { products_created: 3, ... }. */
  counts: Generated<string>;
  message: Generated<string>;
  error_file: string | null;
  error_line: number | null;
  started_at: Millis;
  finished_at: Millis | null;
}

/** How a settlement document moves what the buyer owes: see finance/ledger.ts. */
export type AccountDocumentKind = 'invoice' | 'shipment' | 'payment' | 'return' | 'refund';
export type AccountDocumentStatus = 'active' | 'deleted' | 'draft';

export interface AccountTermsTable {
  legal_entity_id: number;
  /** Kopecks; null = no limit known. */
  credit_limit: number | null;
  payment_days: number | null;
  /** Stated by accounting, kopecks owed (negative = prepaid) as of balance_date; null = work it out from documents. */
  balance: number | null;
  overdue: number | null;
  /** YYYY-MM-DD. */
  balance_date: string | null;
  source: string;
  updated_at: Millis;
}

export interface AccountDocumentTable {
  id: Generated<number>;
  company_id: number;
  legal_entity_id: number;
  kind: AccountDocumentKind;
  status: Generated<AccountDocumentStatus>;
  number: string;
  /** YYYY-MM-DD. */
  date: string;
  due_date: string | null;
  /** Kopecks, never negative. */
  amount: number;
  order_id: number | null;
  order_ref: Generated<string>;
  comment: Generated<string>;
  /** Relative to data_dir. */
  file_path: string | null;
  file_name: string | null;
  source: string;
  external_id: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface ProductCharacteristicTable {
  product_id: number;
  name: string;
  value: string;
  sort: Generated<number>;
}

export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** sha256 of the token; the token itself is shown once and never stored. */
  token_hash: string;
  token_prefix: string;
  /** Space-separated scopes: "read", "order". */
  scopes: string;
  created_at: Millis;
  last_used_at: Millis | null;
  last_used_ip: Generated<string>;
  revoked_at: Millis | null;
  revoked_by: number | null;
}

export interface WebhookEndpointTable {
  id: Generated<number>;
  company_id: number;
  url: string;
  /** Standard Webhooks secret, "whsec_" + base64. */
  secret: string;
  /** Space-separated event types. */
  events: string;
  created_by: number | null;
  created_at: Millis;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface WebhookDeliveryTable {
  id: Generated<number>;
  endpoint_id: number;
  message_id: string;
  event: string;
  order_id: number | null;
  /** The exact JSON body sent with every attempt. */
  payload: string;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  response_status: number | null;
  response_body: Generated<string>;
  error: Generated<string>;
  created_at: Millis;
  last_attempt_at: Millis | null;
  delivered_at: Millis | null;
}

export interface ApiProductChangeTable {
  product_id: number;
  fingerprint: string;
  changed_at: Millis;
}

export interface DB {
  foreign_prices: ForeignPriceTable;
  currency_rates: CurrencyRateTable;
  price_types: PriceTypeTable;
  companies: CompanyTable;
  legal_entities: LegalEntityTable;
  company_addresses: CompanyAddressTable;
  users: UserTable;
  sessions: SessionTable;
  one_time_tokens: OneTimeTokenTable;
  access_requests: AccessRequestTable;
  settings: SettingTable;
  units: UnitTable;
  categories: CategoryTable;
  products: ProductTable;
  product_barcodes: ProductBarcodeTable;
  product_properties: ProductPropertyTable;
  warehouses: WarehouseTable;
  stock: StockTable;
  prices: PriceTable;
  special_prices: SpecialPriceTable;
  product_photos: ProductPhotoTable;
  cart_items: CartItemTable;
  orders: OrderTable;
  order_lines: OrderLineTable;
  order_status_history: OrderStatusHistoryTable;
  order_events: OrderEventTable;
  jobs: JobTable;
  sent_mails: SentMailTable;
  exchange_runs: ExchangeRunTable;
  account_terms: AccountTermsTable;
  account_documents: AccountDocumentTable;
  product_characteristics: ProductCharacteristicTable;
  api_tokens: ApiTokenTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  api_product_changes: ApiProductChangeTable;
  moysklad_images: MoySkladImageTable;
}

export type PriceTypeRow = Selectable<PriceTypeTable>;
export type CompanyRow = Selectable<CompanyTable>;
export type NewCompany = Insertable<CompanyTable>;
export type CompanyUpdate = Updateable<CompanyTable>;
export type LegalEntityRow = Selectable<LegalEntityTable>;
export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type AccessRequestRow = Selectable<AccessRequestTable>;
export type UnitRow = Selectable<UnitTable>;
export type CategoryRow = Selectable<CategoryTable>;
export type ProductRow = Selectable<ProductTable>;
export type WarehouseRow = Selectable<WarehouseTable>;
export type ProductPhotoRow = Selectable<ProductPhotoTable>;
export type OrderRow = Selectable<OrderTable>;
export type OrderLineRow = Selectable<OrderLineTable>;
export type JobRow = Selectable<JobTable>;

export type ExchangeRunRow = Selectable<ExchangeRunTable>;
export type AccountTermsRow = Selectable<AccountTermsTable>;
export type AccountDocumentRow = Selectable<AccountDocumentTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
