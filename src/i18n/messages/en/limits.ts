import type { limits as ru } from '../ru/limits.js';

/** Strings of the limits that protect the portal from oversized or hostile input. */
export const limits: Record<keyof typeof ru, string> = {
  'limits.tooManyColumns': 'The file "{file}" has more than {max} columns. Keep the columns you need and upload it again.',
  'limits.tooLargeUnpacked':
    'The file "{file}" is too large unpacked. Keep only the sheet and columns you need, or save it as CSV.',
  'limits.uploadsBusy':
    'Too many uploaded files are waiting for their columns to be chosen right now. Please try again in a few minutes.',
  'limits.applyTooMany': 'Several requests have already been sent from this address. Please try again in {minutes} min.',
};
