import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_catalog.js';
import * as m0003 from './0003_orders.js';
import * as m0004 from './0004_jobs.js';
import * as m0005 from './0005_exchange.js';
import * as m0006 from './0006_order_origin.js';
import * as m0008 from './0008_api.js';
import * as m0009 from './0009_order_desk.js';
import * as m0014 from './0014_relationship.js';
import * as m0015 from './0015_moysklad.js';
import * as m0018 from './0018_currencies.js';
import * as m0019 from './0019_moysklad_images.js';
import * as m0020 from './0020_mapped_fields.js';

/**
 * Every migration, in order. Append only: a migration that has run on someone's database is
 * never edited or removed. A static list (no folder scan) works the same under tsx and in tests.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_catalog': m0002,
  '0003_orders': m0003,
  '0004_jobs': m0004,
  '0005_exchange': m0005,
  '0006_order_origin': m0006,
  '0008_api': m0008,
  '0009_order_desk': m0009,
  '0014_relationship': m0014,
  '0015_moysklad': m0015,
  '0018_currencies': m0018,
  '0019_moysklad_images': m0019,
  '0020_mapped_fields': m0020,
};
