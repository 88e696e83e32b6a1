import type { requisites as ru } from '../ru/requisites.js';

export const requisites: Record<keyof typeof ru, string> = {
  'error.innChecksum': 'The INN’s control digit does not match: there is probably a typo. Compare it with the documents.',
  'error.kppPerson': 'A sole proprietor (12-digit INN) has no KPP: leave it empty.',
  'error.ogrnInvalid': 'OGRN is 13 digits (organisation), OGRNIP 15 digits (sole proprietor).',
  'error.ogrnChecksum': 'The OGRN’s control digit does not match: there is probably a typo.',
  'error.ogrnKind': 'An organisation (10-digit INN) has a 13-digit OGRN, a sole proprietor (12-digit INN) a 15-digit OGRNIP.',
  'error.bikInvalid': 'BIK is 9 digits starting with 04 (a bank) or 00 (the Federal Treasury).',
  'error.accountInvalid': 'The settlement account is 20 digits.',
  'error.accountChecksum':
    'The settlement account does not match the BIK (its key digit): check both for a typo (or fill in the BIK).',
  'error.corrAccountInvalid': 'The correspondent account is 20 digits starting with 301.',
  'error.corrAccountChecksum':
    'The correspondent account does not belong to the bank with this BIK: check both for a typo (or fill in the BIK).',
};
