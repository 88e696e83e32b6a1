import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDate, formatMoney, formatPercentBp, localeFromAcceptLanguage, translator } from '../src/i18n/index.js';
import { en } from '../src/i18n/messages/en.js';
import { ru } from '../src/i18n/messages/ru.js';
import { Browser, makeUser, startTestApp, type TestApp } from './helpers.js';

const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatting', () => {
  it('formats integer kopecks as roubles per locale', () => {
    expect(plain(formatMoney(123450, 'ru'))).toBe('1 234,50 ₽');
    expect(plain(formatMoney(-5, 'ru'))).toBe('-0,05 ₽');
    expect(formatMoney(123450, 'en')).toMatch(/1,234\.50/);
    expect(() => formatMoney(1.5, 'ru')).toThrow(/integer kopecks/);
  });

  it('formats percents and dates in the distributor time zone', () => {
    expect(plain(formatPercentBp(250, 'ru'))).toBe('2,5 %');
    expect(formatPercentBp(250, 'en')).toBe('2.5%');
    // 22:30 UTC is already the next day in Moscow.
    expect(formatDate(Date.UTC(2026, 2, 7, 22, 30), 'ru')).toBe('08.03.2026');
    expect(formatDate(Date.UTC(2026, 2, 7, 22, 30), 'en')).toBe('08/03/2026');
  });

  it('fills placeholders and picks a language from Accept-Language', () => {
    expect(translator('ru')('auth.lockedOut', { minutes: 3 })).toBe('Слишком много неудачных попыток. Попробуйте снова через 3 мин.');
    expect(localeFromAcceptLanguage('en-US,en;q=0.9,ru;q=0.8', 'ru')).toBe('en');
    expect(localeFromAcceptLanguage('de-DE,fr;q=0.5', 'ru')).toBe('ru');
    expect(localeFromAcceptLanguage('de;q=1,ru;q=0.4,en;q=0.6', 'ru')).toBe('en');
  });
});

describe('catalogs', () => {
  it('ru and en have the same keys, no empty text and the same placeholders', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
    for (const [key, text] of Object.entries(ru)) {
      const other = (en as Record<string, string>)[key] ?? '';
      expect(text.trim(), key).not.toBe('');
      expect(other.trim(), key).not.toBe('');
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(other), key).toEqual(names(text));
    }
  });

  it('every message key used in templates and code exists', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(eta|ts)$/.test(name)) files.push(path);
      }
    };
    walk(join(import.meta.dirname, '..', 'templates'));
    walk(join(import.meta.dirname, '..', 'src'));
    const used = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z0-9]+)'/g)) used.add(m[1] ?? '');
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((key) => !(key in ru));
    expect(missing).toEqual([]);
  });
});

describe('switching the language', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('follows the browser for visitors, then their choice', async () => {
    const browser = new Browser(t.app);
    expect((await browser.get('/login')).body).toContain('<h1>Вход</h1>');
    expect((await browser.get('/login', { 'accept-language': 'en-GB,en;q=0.9' })).body).toContain('<h1>Log in</h1>');
    const switched = await browser.post('/locale', { locale: 'en', next: '/forgot-password' });
    expect(switched.location).toBe('/forgot-password');
    const page = await browser.get('/forgot-password');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('Reset your password');
  });

  it('remembers a signed-in user choice on the account, across devices', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const laptop = new Browser(t.app);
    await laptop.login(user.email);
    await laptop.post('/locale', { locale: 'en', next: '/account' });
    const stored = await t.ctx.db.selectFrom('users').select('locale').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.locale).toBe('en');

    const phone = new Browser(t.app);
    await phone.login(user.email);
    const account = await phone.get('/account');
    expect(account.body).toContain('Interface language');
    expect(account.body).toContain('Log out');
  });

  it('ignores an unknown language', async () => {
    const browser = new Browser(t.app);
    await browser.post('/locale', { locale: 'xx', next: '/login' });
    expect((await browser.get('/login')).body).toContain('<html lang="ru">');
  });
});
