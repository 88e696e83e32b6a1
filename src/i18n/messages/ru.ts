import { admin } from './ru/admin.js';
import { catalog } from './ru/catalog.js';
import { common } from './ru/common.js';
import { orders } from './ru/orders.js';
import { photos } from './ru/photos.js';

export const ru = { ...common, ...admin, ...catalog, ...photos, ...orders };
export type MessageKey = keyof typeof ru;
