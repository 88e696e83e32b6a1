import { admin } from './en/admin.js';
import { common } from './en/common.js';

export const en = { ...common, ...admin };
