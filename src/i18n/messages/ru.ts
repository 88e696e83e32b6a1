import { admin } from './ru/admin.js';
import { common } from './ru/common.js';

export const ru = { ...common, ...admin };
export type MessageKey = keyof typeof ru;
