/**
 * What config.yml names in words (the organization, the store, the states, the price types),
 * found in MoySklad by name or id once and kept by the MoySklad service for the process. A name
 * that MoySklad does not know is an error naming the config key and what MoySklad does have.
 */
import type { Config } from '../../config/types.js';
import type { OrderStatus } from '../../db/schema.js';
import type { MoySkladClient } from './client.js';
import type { MsOrganization, MsPriceType, MsState, MsStore, Named } from './wire.js';

export interface Directory {
  organization: MsOrganization;
  /** Where a new order reserves from; null: none named and none listed. */
  orderStore: MsStore | null;
  /** Stores whose stock counts (config stores, or all). */
  stockStores: MsStore[];
  states: MsState[];
  newOrderState: MsState | null;
  /** MoySklad state id → portal status. */
  stateStatus: Map<string, OrderStatus>;
  priceTypes: MsPriceType[];
}

export class DirectoryError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`integrations.moysklad.${key}: ${message}`);
    this.name = 'DirectoryError';
  }
}

function fold(text: string): string {
  return text.trim().toLowerCase().replace(/ё/g, 'е');
}

function find<T extends Named>(rows: readonly T[], wanted: string, extra?: (row: T) => string | undefined): T | undefined {
  const w = fold(wanted);
  return rows.find((r) => r.id === wanted.trim() || fold(r.name) === w || (extra !== undefined && extra(r) === wanted.trim()));
}

const names = (rows: readonly Named[]) => rows.map((r) => `"${r.name}"`).join(', ') || 'none';

export async function loadDirectory(client: MoySkladClient, config: Config['integrations']['moysklad']): Promise<Directory> {
  const [organizations, stores, metadata, priceTypes] = await Promise.all([
    client.all<MsOrganization>('/entity/organization'),
    client.all<MsStore>('/entity/store'),
    client.get<{ states?: MsState[] }>('/entity/customerorder/metadata'),
    client.get<MsPriceType[]>('/context/companysettings/pricetype'),
  ]);
  const states = metadata.states ?? [];

  let organization: MsOrganization | undefined;
  if (config.organization !== '') {
    organization = find(organizations, config.organization, (o) => o.inn);
    if (!organization)
      throw new DirectoryError(
        'organization',
        `MoySklad has no legal entity "${config.organization}"; it has ${names(organizations)}`,
      );
  } else {
    if (organizations.length !== 1) {
      throw new DirectoryError(
        'organization',
        `MoySklad has ${organizations.length === 0 ? 'no legal entity' : `several legal entities (${names(organizations)})`}: name the one orders are placed for`,
      );
    }
    organization = organizations[0];
  }

  const stockStores: MsStore[] = [];
  for (const [index, wanted] of config.stores.entries()) {
    const store = find(stores, wanted);
    if (!store) throw new DirectoryError(`stores[${index}]`, `MoySklad has no store "${wanted}"; it has ${names(stores)}`);
    stockStores.push(store);
  }
  let orderStore: MsStore | null = null;
  if (config.orderStore !== '') {
    orderStore = find(stores, config.orderStore) ?? null;
    if (!orderStore)
      throw new DirectoryError('order_store', `MoySklad has no store "${config.orderStore}"; it has ${names(stores)}`);
  } else {
    orderStore = stockStores[0] ?? (stores.length === 1 ? (stores[0] ?? null) : null);
  }

  let newOrderState: MsState | null = null;
  if (config.newOrderState !== '') {
    newOrderState = find(states, config.newOrderState) ?? null;
    if (!newOrderState)
      throw new DirectoryError(
        'new_order_state',
        `MoySklad's orders have no state "${config.newOrderState}"; they have ${names(states)}`,
      );
  }
  // States the map names that MoySklad does not have are skipped: stock maps name every stock state.
  const stateStatus = new Map<string, OrderStatus>();
  for (const item of config.orderStateMap) {
    const eq = item.lastIndexOf('=');
    const state = find(states, item.slice(0, eq));
    if (state) stateStatus.set(state.id, item.slice(eq + 1).trim() as OrderStatus);
  }
  if (!organization) throw new DirectoryError('organization', 'not found');
  return {
    organization,
    orderStore,
    stockStores: stockStores.length > 0 ? stockStores : stores,
    states,
    newOrderState,
    stateStatus,
    priceTypes,
  };
}
