import { admin } from './en/admin.js';
import { api } from './en/api.js';
import { catalog } from './en/catalog.js';
import { catalogAdmin } from './en/catalog-admin.js';
import { common } from './en/common.js';
import { desk } from './en/desk.js';
import { exchange } from './en/exchange.js';
import { finance } from './en/finance.js';
import { invoice } from './en/invoice.js';
import { limits } from './en/limits.js';
import { orders } from './en/orders.js';
import { photos } from './en/photos.js';
import { quick } from './en/quick.js';
import { requisites } from './en/requisites.js';
import { sellerOrders } from './en/seller-orders.js';
import { sheets } from './en/sheets.js';
import { variants } from './en/variants.js';

export const en = {
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
