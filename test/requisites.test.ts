import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkBik,
  checkCorrespondentAccount,
  checkInn,
  checkKpp,
  checkOgrn,
  checkRequisites,
  checkSettlementAccount,
} from '../src/accounts/requisites.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { Browser, makeCompany, makeUser, startTestApp, type TestApp, tempDir } from './helpers.js';

// Real requisites published by Sberbank (its INN, OGRN, BIK and correspondent account): the check
// digits below are computed the way banks and the tax service do, so these must pass as they are.
const SBER = { inn: '7707083893', ogrn: '1027700132195', bik: '044525225', corr: '30101810400000000225' };
const ACCOUNT = '40702810938000000001'; // a settlement account whose key digit (9th, "9") fits BIK 044525225

/** The same string with the digit at `index` changed (a typo). */
const typo = (text: string, index: number) => text.slice(0, index) + String((Number(text[index]) + 1) % 10) + text.slice(index + 1);

describe('control digits', () => {
  it('accepts real requisites and refuses each with one digit mistyped', () => {
    expect(checkInn(SBER.inn)).toBeNull();
    expect(checkInn('500100732259')).toBeNull(); // a 12-digit INN: two control digits
    expect(checkOgrn(SBER.ogrn)).toBeNull();
    expect(checkOgrn('304500116000157')).toBeNull(); // OGRNIP, 15 digits
    expect(checkBik(SBER.bik)).toBeNull();
    expect(checkCorrespondentAccount(SBER.corr, SBER.bik)).toBeNull();
    expect(checkSettlementAccount(ACCOUNT, SBER.bik)).toBeNull();
    for (let i = 0; i < 10; i++) expect(checkInn(typo(SBER.inn, i))?.code, `INN digit ${i}`).toBe('inn_checksum');
    for (let i = 0; i < 12; i++) expect(checkInn(typo('500100732259', i))?.code, `12-digit INN digit ${i}`).toBe('inn_checksum');
    expect(checkOgrn(typo(SBER.ogrn, 12))?.code).toBe('ogrn_checksum');
    expect(checkOgrn(typo('304500116000157', 3))?.code).toBe('ogrn_checksum');
    expect(checkCorrespondentAccount(typo(SBER.corr, 10), SBER.bik)?.code).toBe('corr_account_checksum');
    // Another bank's correspondent account does not fit this BIK.
    expect(checkCorrespondentAccount('30101810145250000974', SBER.bik)?.code).toBe('corr_account_checksum');
  });

  it('refuses a settlement account with any one digit wrong, or that belongs to another BIK', () => {
    for (let i = 0; i < 20; i++) {
      expect(checkSettlementAccount(typo(ACCOUNT, i), SBER.bik)?.code, `account digit ${i}`).toBe('account_checksum');
    }
    expect(checkSettlementAccount(ACCOUNT, '044525974')?.code).toBe('account_checksum');
    expect(checkSettlementAccount(ACCOUNT, '044525974')?.message).toBe(
      `account ${ACCOUNT} does not match BIK 044525974 (its key digit is wrong): check both for a typo`,
    );
    // An account held at the Bank of Russia (BIK ending in 000-002) is keyed with the BIK's 5th-6th digits.
    expect(checkSettlementAccount('40102810545370000003', '044525000')).toBeNull();
    expect(checkSettlementAccount(typo('40102810545370000003', 8), '044525000')?.code).toBe('account_checksum');
  });

  it('says what the format is when it is not even the right shape', () => {
    expect(checkInn('123')?.code).toBe('inn_invalid');
    expect(checkInn('77070838931')?.code).toBe('inn_invalid'); // 11 digits
    expect(checkInn(SBER.inn, 'person')?.code).toBe('inn_invalid');
    expect(checkKpp('77360100')?.code).toBe('kpp_invalid');
    expect(checkKpp('7736AB001')).toBeNull(); // the reason code may be letters
    expect(checkOgrn('12345')?.code).toBe('ogrn_invalid');
    expect(checkBik('144525225')?.code).toBe('bik_invalid');
    expect(checkBik('004525988')).toBeNull(); // a Federal Treasury office
    expect(checkSettlementAccount('4070281093800000000', SBER.bik)?.code).toBe('account_invalid');
    expect(checkCorrespondentAccount('40702810938000000001', SBER.bik)?.code).toBe('corr_account_invalid');
  });

  it('checks the pieces against each other: KPP and OGRN of the INN’s kind, accounts with the BIK', () => {
    expect(checkRequisites({ inn: '500100732259', kpp: '500101001' })).toEqual([{ field: 'kpp', problem: expect.objectContaining({ code: 'kpp_person' }) }]);
    expect(checkRequisites({ inn: SBER.inn, ogrn: '304500116000157' })).toEqual([{ field: 'ogrn', problem: expect.objectContaining({ code: 'ogrn_kind' }) }]);
    expect(checkRequisites({ account: ACCOUNT })).toEqual([{ field: 'account', problem: expect.objectContaining({ code: 'account_checksum' }) }]);
    expect(checkRequisites({ inn: SBER.inn, kpp: '773601001', ogrn: SBER.ogrn, bik: SBER.bik, account: ACCOUNT, corrAccount: SBER.corr })).toEqual([]);
    expect(checkRequisites({ inn: '', kpp: ' ', bik: '' })).toEqual([]); // empty is "not filled in yet"
  });
});

describe('the seller in config.yml', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  function configFile(yaml: string, files: Record<string, Buffer | string> = {}): string {
    const dir = tempDir('optovik-seller-');
    dirs.push(dir);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'config.yml'), yaml);
    return join(dir, 'config.yml');
  }
  const seller = (fields: Record<string, string>) =>
    `seller:\n${Object.entries(fields)
      .map(([k, v]) => `  ${k}: "${v}"`)
      .join('\n')}\n`;
  const GOOD = { name: 'ООО «Оптовик-Трейд»', inn: SBER.inn, kpp: '773601001', ogrn: SBER.ogrn, bank_name: 'ПАО Сбербанк, г. Москва', bik: SBER.bik, correspondent_account: SBER.corr, settlement_account: ACCOUNT };
  const problemsOf = (file: string) => {
    try {
      loadConfig({ file, env: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('the config loaded');
  };

  it('loads valid requisites', () => {
    const config = loadConfig({ file: configFile(`${seller(GOOD)}documents:\n  invoice: true\n`), env: {} });
    expect(config.seller).toMatchObject({ inn: SBER.inn, settlementAccount: ACCOUNT, paymentDays: 5, logo: '', stamp: '' });
    expect(config.documents.invoice).toBe(true);
  });

  it('names the key of every mistake, the settlement account included', () => {
    const bad = { ...GOOD, inn: typo(SBER.inn, 3), ogrn: typo(SBER.ogrn, 12), settlement_account: typo(ACCOUNT, 15), correspondent_account: '30101810145250000974' };
    expect(problemsOf(configFile(seller(bad)))).toEqual([
      `config.yml: seller.inn: INN ${bad.inn}: the control digit does not match, there is a typo in it`,
      `config.yml: seller.ogrn: OGRN ${bad.ogrn}: the control digit does not match, there is a typo in it`,
      `config.yml: seller.correspondent_account: correspondent account 30101810145250000974 does not belong to the bank with BIK ${SBER.bik}: check both for a typo`,
      `config.yml: seller.settlement_account: account ${bad.settlement_account} does not match BIK ${SBER.bik} (its key digit is wrong): check both for a typo`,
    ]);
    expect(problemsOf(configFile(seller({ ...GOOD, inn: '500100732259' })))).toEqual([
      'config.yml: seller.kpp: a sole proprietor (12-digit INN) has no KPP: leave it empty',
      'config.yml: seller.ogrn: a sole proprietor (12-digit INN) has a 15-digit OGRNIP',
    ]);
  });

  it('refuses documents.invoice without the bank details it needs', () => {
    expect(problemsOf(configFile(`${seller({ name: 'ООО «Ромашка»', inn: SBER.inn })}documents:\n  invoice: true\n`))).toEqual([
      "config.yml: documents.invoice: the invoice needs the seller's requisites: fill in seller.bank_name, seller.bik, seller.settlement_account",
    ]);
  });

  it('checks the images when the config is loaded: there, and an image', () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a2dd9a9e0000000049454e44ae426082', 'hex');
    const file = configFile(`seller:\n  logo: logo.png\n  stamp: stamp.txt\n  signature: missing.png\n`, { 'logo.png': png, 'stamp.txt': 'not an image' });
    const dir = resolve(file, '..');
    expect(problemsOf(file)).toEqual([
      `config.yml: seller.stamp: ${join(dir, 'stamp.txt')} is not a PNG, JPEG, GIF, WebP or SVG image`,
      `config.yml: seller.signature: file not found: ${join(dir, 'missing.png')}`,
    ]);
    const ok = loadConfig({ file: configFile('seller:\n  logo: logo.png\n', { 'logo.png': png }), env: {} });
    expect(ok.seller.logo).toMatch(/logo\.png$/);
    expect(ok.seller.stamp).toBe('');
  });

  it('fills the demo with requisites that pass every check and say they are made up', () => {
    const demo = loadConfig({ cwd: tempDir(), env: {} });
    dirs.push(demo.dataDir.replace(/\/data$/, ''));
    expect(demo.demo).toBe(true);
    expect(demo.documents.invoice).toBe(true);
    const s = demo.seller;
    expect(checkRequisites({ inn: s.inn, kpp: s.kpp, ogrn: s.ogrn, bik: s.bik, account: s.settlementAccount, corrAccount: s.correspondentAccount })).toEqual([]);
    expect(s.name).toContain('ДЕМО');
    expect(s.bankName).toContain('ДЕМО');
    // Outside demo mode nothing is made up.
    expect(loadConfig({ file: configFile('site:\n  name: Склад\n'), env: {} }).seller.inn).toBe('');
  });

  it('`optovik config check` prints the key of the mistake and fails', async () => {
    const file = configFile(seller({ ...GOOD, settlement_account: typo(ACCOUNT, 19) }));
    const bin = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');
    const result = await new Promise<{ code: number | null; output: string }>((done) => {
      const child = spawn(process.execPath, [bin, 'config', 'check', '--config', file], { env: { ...process.env, OPTOVIK_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => done({ code, output }));
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`seller.settlement_account: account ${typo(ACCOUNT, 19)} does not match BIK ${SBER.bik}`);
  });
});

describe('forms where people type an INN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('/apply refuses an INN whose control digit is wrong, and says so', async () => {
    const res = await new Browser(t.app).post('/apply', { company_name: 'Одуванчик', inn: typo(SBER.inn, 9), contact_name: 'Ирина', email: 'irina@oduvanchik.test' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('ИНН не сходится по контрольной цифре');
    expect(res.body).toContain(`value="${typo(SBER.inn, 9)}"`);
    const stored = await t.ctx.db.selectFrom('access_requests').select('id').execute();
    expect(stored).toEqual([]);
  });

  it('the admin company forms refuse a wrong INN, and a settlement account that does not fit the BIK', async () => {
    const admin = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(admin.email);
    const badInn = await browser.post('/admin/companies', { name: 'Ромашка', legal_name: 'ООО «Ромашка»', inn: typo(SBER.inn, 0), discount: '0' });
    expect(badInn.status).toBe(422);
    expect(badInn.body).toContain('ИНН не сходится по контрольной цифре');

    const company = await makeCompany(t.ctx, { name: 'Сирень' });
    const base = `/admin/companies/${company.id}`;
    const entity = { legal_name: 'ООО «Сирень»', inn: SBER.inn, bik: SBER.bik, corr_account: SBER.corr };
    const badAccount = await browser.post(`${base}/legal-entities`, { ...entity, account: typo(ACCOUNT, 12) });
    expect(badAccount.status).toBe(422);
    expect(badAccount.body).toContain('Расчётный счёт не сходится с БИК по контрольному ключу');
    expect(badAccount.body).toContain(`value="${typo(ACCOUNT, 12)}"`);
    const badOgrn = await browser.post(`${base}/legal-entities`, { ...entity, account: ACCOUNT, ogrn: typo(SBER.ogrn, 5) });
    expect(badOgrn.body).toContain('ОГРН не сходится по контрольной цифре');
    const good = await browser.post(`${base}/legal-entities`, { ...entity, account: ACCOUNT, ogrn: SBER.ogrn });
    expect(good.location).toBe(`${base}?notice=admin.legalEntityAdded`);
    const english = new Browser(t.app);
    await english.login(admin.email);
    await english.post('/locale', { locale: 'en', next: '/' });
    const badEn = await english.post(`${base}/legal-entities`, { ...entity, account: typo(ACCOUNT, 12) });
    expect(badEn.body).toContain('The settlement account does not match the BIK');
  });
});
