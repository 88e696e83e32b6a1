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

export interface DB {
  price_types: PriceTypeTable;
  companies: CompanyTable;
  legal_entities: LegalEntityTable;
  company_addresses: CompanyAddressTable;
  users: UserTable;
  sessions: SessionTable;
  one_time_tokens: OneTimeTokenTable;
  access_requests: AccessRequestTable;
  settings: SettingTable;
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
