import type { Config } from '../../config/types.js';

export type AccountingSystem = '1c' | 'moysklad';
const NAMES: Record<AccountingSystem, string> = { '1c': '1C', moysklad: 'MoySklad' };

/** The accounting systems this portal exchanges orders with, as config.yml sets them up. */
export function accountingExchanges(config: Config): AccountingSystem[] {
  const systems: AccountingSystem[] = [];
  if (config.integrations.commerceml.login !== '') systems.push('1c');
  // MoySklad's order states then drive the statuses.
  if (config.integrations.moysklad.token !== '') systems.push('moysklad');
  return systems;
}

export type StaffChangesPolicy =
  | { allowed: true }
  | { allowed: false; reason: 'never' }
  | { allowed: false; reason: 'exchange'; systems: AccountingSystem[] };

/**
 * Whether staff may change orders on the order desk (statuses, paid/shipped marks, lines), per
 * orders.staff_status_changes. With an accounting exchange the statuses are accounting's: two
 * places moving one order would fight, so `auto` leaves them to accounting.
 */
export function staffChangesPolicy(config: Config): StaffChangesPolicy {
  const setting = config.orders.staffStatusChanges;
  if (setting === 'always') return { allowed: true };
  if (setting === 'never') return { allowed: false, reason: 'never' };
  const systems = accountingExchanges(config);
  return systems.length === 0 ? { allowed: true } : { allowed: false, reason: 'exchange', systems };
}

/** Thrown by a desk action the policy forbids; the page says why and which setting changes it. */
export class StaffChangesRefused extends Error {
  constructor(readonly policy: Exclude<StaffChangesPolicy, { allowed: true }>) {
    super(
      policy.reason === 'exchange'
        ? `orders are worked in ${policy.systems.map((s) => NAMES[s]).join(' and ')}; set orders.staff_status_changes: always in config.yml to change them on the desk as well`
        : 'orders.staff_status_changes is never in config.yml: the order desk only shows orders',
    );
    this.name = 'StaffChangesRefused';
  }
}

export function assertStaffChangesAllowed(config: Config): void {
  const policy = staffChangesPolicy(config);
  if (!policy.allowed) throw new StaffChangesRefused(policy);
}
