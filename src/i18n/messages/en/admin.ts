import type { admin as ru } from '../ru/admin.js';

export const admin: Record<keyof typeof ru, string> = {
  'admin.placeholder': 'Administration',
};
