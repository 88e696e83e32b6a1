import { admin } from './ru/admin.js';
import { api } from './ru/api.js';
import { catalog } from './ru/catalog.js';
import { catalogAdmin } from './ru/catalog-admin.js';
import { common } from './ru/common.js';
import { desk } from './ru/desk.js';
import { exchange } from './ru/exchange.js';
import { finance } from './ru/finance.js';
import { invoice } from './ru/invoice.js';
import { limits } from './ru/limits.js';
import { orders } from './ru/orders.js';
import { photos } from './ru/photos.js';
import { quick } from './ru/quick.js';
import { requisites } from './ru/requisites.js';
import { sellerOrders } from './ru/seller-orders.js';
import { sheets } from './ru/sheets.js';
import { variants } from './ru/variants.js';

export const ru = {
  ...common,
  ...admin,
  ...catalog,
  ...photos,
  ...orders,
  ...quick,
  ...exchange,
  ...requisites,
  ...invoice,
  ...finance,
  ...sellerOrders,
  ...variants,
  ...limits,
  ...desk,
  ...api,
  ...sheets,
  ...catalogAdmin,
};
export type MessageKey = keyof typeof ru;
