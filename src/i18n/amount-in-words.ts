/**
 * A sum of money in words, as on a Russian invoice ("сумма прописью"): the roubles in words,
 * the kopecks in two digits, both nouns declined for their number, the first letter capital:
 * "Семьдесят шесть тысяч восемьсот восемьдесят один рубль 22 копейки". 1C writes it this way.
 */
import type { Locale } from '../config/types.js';

/** Which of the three Russian noun forms a number takes: 1 рубль, 2 рубля, 5 рублей (11–14: рублей). */
export function russianPluralIndex(n: number): 0 | 1 | 2 {
  const lastTwo = n % 100;
  const last = n % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return 2;
  if (last === 1) return 0;
  if (last >= 2 && last <= 4) return 1;
  return 2;
}

type Forms = readonly [string, string, string];

const RU_UNITS_MASCULINE = ['', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'];
const RU_UNITS_FEMININE = ['', 'одна', 'две', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'];
const RU_TEENS = [
  'десять',
  'одиннадцать',
  'двенадцать',
  'тринадцать',
  'четырнадцать',
  'пятнадцать',
  'шестнадцать',
  'семнадцать',
  'восемнадцать',
  'девятнадцать',
];
const RU_TENS = ['', '', 'двадцать', 'тридцать', 'сорок', 'пятьдесят', 'шестьдесят', 'семьдесят', 'восемьдесят', 'девяносто'];
const RU_HUNDREDS = ['', 'сто', 'двести', 'триста', 'четыреста', 'пятьсот', 'шестьсот', 'семьсот', 'восемьсот', 'девятьсот'];

/** Thousands are feminine (одна тысяча, две тысячи); the larger scales and the rouble masculine. */
const RU_SCALES: readonly { forms: Forms; feminine: boolean }[] = [
  { forms: ['', '', ''], feminine: false },
  { forms: ['тысяча', 'тысячи', 'тысяч'], feminine: true },
  { forms: ['миллион', 'миллиона', 'миллионов'], feminine: false },
  { forms: ['миллиард', 'миллиарда', 'миллиардов'], feminine: false },
  { forms: ['триллион', 'триллиона', 'триллионов'], feminine: false },
];

const RU_ROUBLE: Forms = ['рубль', 'рубля', 'рублей'];
const RU_KOPECK: Forms = ['копейка', 'копейки', 'копеек'];

/** 0–999 in words; empty for 0. */
function russianTriad(n: number, feminine: boolean): string[] {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds) words.push(RU_HUNDREDS[hundreds] as string);
  if (rest >= 10 && rest < 20) words.push(RU_TEENS[rest - 10] as string);
  else {
    if (rest >= 20) words.push(RU_TENS[Math.floor(rest / 10)] as string);
    const unit = rest % 10;
    if (unit) words.push((feminine ? RU_UNITS_FEMININE : RU_UNITS_MASCULINE)[unit] as string);
  }
  return words;
}

/** Walks a number's groups of three digits from the highest: the words of each non-zero group (with its scale word). */
function spellTriads(n: number, spell: (triad: number, scale: number) => string[]): string {
  const triads: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 1000)) triads.push(rest % 1000);
  const words: string[] = [];
  for (let scale = triads.length - 1; scale >= 0; scale--) {
    const triad = triads[scale] as number;
    if (triad !== 0) words.push(...spell(triad, scale));
  }
  return words.join(' ');
}

/** A whole number in Russian words, masculine ("двадцать один"); 0 is "ноль". */
export function russianNumber(n: number): string {
  if (n === 0) return 'ноль';
  return spellTriads(n, (triad, scale) => {
    const { forms, feminine } = RU_SCALES[scale] as { forms: Forms; feminine: boolean };
    const words = russianTriad(triad, feminine);
    if (scale > 0) words.push(forms[russianPluralIndex(triad)]);
    return words;
  });
}

const EN_SMALL = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const EN_SCALES = ['', 'thousand', 'million', 'billion', 'trillion'];

function englishTriad(n: number): string[] {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds) words.push(EN_SMALL[hundreds] as string, 'hundred');
  if (rest >= 20) words.push(EN_TENS[Math.floor(rest / 10)] + (rest % 10 ? `-${EN_SMALL[rest % 10]}` : ''));
  else if (rest > 0) words.push(EN_SMALL[rest] as string);
  return words;
}

export function englishNumber(n: number): string {
  if (n === 0) return 'zero';
  return spellTriads(n, (triad, scale) =>
    scale > 0 ? [...englishTriad(triad), EN_SCALES[scale] as string] : englishTriad(triad),
  );
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Integer kopecks in words: "Один миллион рублей 99 копеек", "One million roubles 99 kopecks".
 * Up to Number.MAX_SAFE_INTEGER kopecks (about 90 trillion roubles); a negative or fractional
 * amount is a bug upstream and throws.
 */
export function amountInWords(kopecks: number, locale: Locale): string {
  if (!Number.isSafeInteger(kopecks) || kopecks < 0)
    throw new RangeError(`amount must be non-negative integer kopecks, got ${kopecks}`);
  const roubles = Math.floor(kopecks / 100);
  const cents = kopecks % 100;
  const twoDigits = String(cents).padStart(2, '0');
  if (locale === 'ru') {
    return capitalise(
      `${russianNumber(roubles)} ${RU_ROUBLE[russianPluralIndex(roubles)]} ${twoDigits} ${RU_KOPECK[russianPluralIndex(cents)]}`,
    );
  }
  return capitalise(
    `${englishNumber(roubles)} ${roubles === 1 ? 'rouble' : 'roubles'} ${twoDigits} ${cents === 1 ? 'kopeck' : 'kopecks'}`,
  );
}
