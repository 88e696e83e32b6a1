import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY } from '../src/clock.js';
import { Browser, linkIn, makeCompany, makeUser, savedMails, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

async function loggedIn(role: 'admin' | 'manager' | 'buyer', fields: Parameters<typeof makeUser>[2] = {}) {
  const user = await makeUser(t.ctx, role, fields);
  const browser = new Browser(t.app);
  expect((await browser.login(user.email)).status).toBe(303);
  return { user, browser };
}

async function priceType(name: string, isDefault = 0) {
  return t.ctx.db
    .insertInto('price_types')
    .values({ name, is_default: isDefault, external_1c_id: null, external_ms_id: null, created_at: t.clock.now() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Mails leave through the job worker (accounts/mail-jobs.ts): run what is due, then read them. */
async function mailsTo(email: string) {
  await t.worker.runDue();
  return (await savedMails(t.dataDir)).filter((m) => m.to.includes(email));
}

/** Sets a password through an invitation link in a fresh browser, as the invited person would. */
async function acceptInvite(path: string, password = 'a long enough password') {
  const browser = new Browser(t.app);
  const page = await browser.get(path);
  const res = await browser.post(path, { password, password_repeat: password }, { csrfFrom: path });
  return { browser, page, res };
}

describe('who may open the admin screens', () => {
  it('refuses buyers everywhere and anonymous visitors go to the login page', async () => {
    const { browser } = await loggedIn('buyer');
    for (const url of ['/admin/users', '/admin/companies', '/admin/access-requests', '/admin/companies/new']) {
      const res = await browser.get(url);
      expect(res.status, url).toBe(403);
      expect(res.body).toContain('Доступ запрещён');
    }
    const anonymous = await new Browser(t.app).get('/admin/companies');
    expect(anonymous.status).toBe(302);
    expect(anonymous.location).toBe('/login?next=%2Fadmin%2Fcompanies');
  });

  it('lets a manager see only their own companies, read-only', async () => {
    const { user: manager, browser } = await loggedIn('manager');
    const other = await makeUser(t.ctx, 'manager');
    const mine = await makeCompany(t.ctx, { name: 'Моя Ромашка', managerId: manager.id });
    const theirs = await makeCompany(t.ctx, { name: 'Чужой Василёк', managerId: other.id });
    const nobodys = await makeCompany(t.ctx, { name: 'Ничейный Лютик' });

    const list = await browser.get('/admin/companies');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Моя Ромашка');
    expect(list.body).not.toContain('Чужой Василёк');
    expect(list.body).not.toContain('Ничейный Лютик');
    expect(list.body).not.toContain('href="/admin/companies/new"');

    const own = await browser.get(`/admin/companies/${mine.id}`);
    expect(own.status).toBe(200);
    expect(own.body).toContain('Только просмотр');
    expect(own.body).not.toContain(`action="/admin/companies/${mine.id}"`);
    expect(own.body).not.toContain('/legal-entities');
    expect(own.body).not.toContain('/disable');

    expect((await browser.get(`/admin/companies/${theirs.id}`)).status).toBe(404);
    expect((await browser.get(`/admin/companies/${nobodys.id}`)).status).toBe(404);
    expect((await browser.get('/admin/companies/999999')).status).toBe(404);

    expect((await browser.get('/admin/users')).status).toBe(403);
    expect((await browser.get('/admin/access-requests')).status).toBe(403);
    const edit = await browser.post(`/admin/companies/${mine.id}`, { name: 'Переименовано', discount: '50' });
    expect(edit.status).toBe(403);
    expect((await browser.post(`/admin/companies/${mine.id}/disable`, {})).status).toBe(403);
    expect((await browser.post(`/admin/companies/${mine.id}/users`, { name: 'X', email: 'x@x.test' })).status).toBe(403);
    expect((await browser.post('/admin/companies', { name: 'Новая' })).status).toBe(403);
    const after = await t.ctx.db.selectFrom('companies').select(['name', 'disabled_at']).where('id', '=', mine.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ name: 'Моя Ромашка', disabled_at: null });
  });
});

describe('companies', () => {
  it('creates a company and finds it by name and by INN', async () => {
    const { browser } = await loggedIn('admin');
    const manager = await makeUser(t.ctx, 'manager', { name: 'Ольга Менеджер' });
    const wholesale = await priceType('Оптовая');
    const form = await browser.get('/admin/companies/new');
    expect(form.status).toBe(200);
    expect(form.body).toContain('Оптовая');
    expect(form.body).toContain('Ольга Менеджер');

    const res = await browser.post('/admin/companies', {
      name: 'Ёлочка и партнёры',
      legal_name: 'ООО «Ёлочка»',
      inn: '7812345675',
      kpp: '781201001',
      price_type_id: String(wholesale.id),
      discount: '2,5',
      manager_id: String(manager.id),
      email: 'zakaz@elochka.test',
      phone: '+7 812 000-00-00',
      note: 'Платит вовремя',
    });
    expect(res.status).toBe(303);
    const match = /^\/admin\/companies\/(\d+)\?notice=common\.saved$/.exec(res.location ?? '');
    expect(match).not.toBeNull();
    const id = Number(match?.[1]);
    const company = await t.ctx.db.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(company).toMatchObject({ name: 'Ёлочка и партнёры', discount_bp: 250, price_type_id: wholesale.id, manager_id: manager.id });
    const entity = await t.ctx.db.selectFrom('legal_entities').selectAll().where('company_id', '=', id).executeTakeFirstOrThrow();
    expect(entity).toMatchObject({ name: 'ООО «Ёлочка»', inn: '7812345675', kpp: '781201001', is_primary: 1 });

    const page = await browser.get(res.location ?? '');
    expect(page.body).toContain('Сохранено.');
    expect(page.body).toContain('Ёлочка и партнёры');
    expect(page.body).toMatch(/2,5\s?%/);

    await makeCompany(t.ctx, { name: 'Другая фирма' });
    const byName = await browser.get(`/admin/companies?q=${encodeURIComponent('елочка')}`);
    expect(byName.body).toContain('Ёлочка и партнёры');
    expect(byName.body).not.toContain('Другая фирма');
    const byInn = await browser.get('/admin/companies?q=7812');
    expect(byInn.body).toContain('Ёлочка и партнёры');
    expect(byInn.body).not.toContain('Другая фирма');
    const none = await browser.get('/admin/companies?q=nothing-like-it');
    expect(none.body).toContain('Ничего не найдено.');
  });

  it('shows the same form again with the error and the values', async () => {
    const { browser } = await loggedIn('admin');
    const badInn = await browser.post('/admin/companies', { name: 'Ромашка', legal_name: 'ООО «Ромашка»', inn: '123', discount: '0' });
    expect(badInn.status).toBe(422);
    expect(badInn.body).toContain('ИНН — 10 цифр (организация) или 12 цифр (ИП).');
    expect(badInn.body).toContain('value="Ромашка"');
    expect(badInn.body).toContain('value="123"');

    const badDiscount = await browser.post('/admin/companies', { name: 'Ромашка', discount: 'много' });
    expect(badDiscount.status).toBe(422);
    expect(badDiscount.body).toContain('Скидка — число от 0 до 100.');
    expect((await browser.post('/admin/companies', { name: 'Ромашка', discount: '100,5' })).status).toBe(422);

    const noName = await browser.post('/admin/companies', { name: '  ', discount: '' });
    expect(noName.status).toBe(422);
    expect(noName.body).toContain('Заполните это поле.');
    const count = await t.ctx.db.selectFrom('companies').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('edits a company, its legal entities and addresses, and disables it', async () => {
    const { browser } = await loggedIn('admin');
    const company = await makeCompany(t.ctx, { name: 'Сирень' });
    const base = `/admin/companies/${company.id}`;

    const edit = await browser.post(base, { name: 'Сирень и Ко', discount: '5.25', price_type_id: '', manager_id: '', email: '', phone: '', note: '' });
    expect(edit.location).toBe(`${base}?notice=common.saved`);
    const edited = await t.ctx.db.selectFrom('companies').selectAll().where('id', '=', company.id).executeTakeFirstOrThrow();
    expect(edited.discount_bp).toBe(525);

    const badManager = await browser.post(base, { name: 'Сирень и Ко', discount: '0', manager_id: '999' });
    expect(badManager.status).toBe(422);
    expect(badManager.body).toContain('Выберите менеджера из списка.');

    const badKpp = await browser.post(`${base}/legal-entities`, { legal_name: 'ИП Сиренев', inn: '781234567870', kpp: 'abc' });
    expect(badKpp.status).toBe(422);
    expect(badKpp.body).toContain('КПП — 9 символов');
    expect(badKpp.body).toContain('value="ИП Сиренев"');
    const added = await browser.post(`${base}/legal-entities`, { legal_name: 'ИП Сиренев', inn: '781234567870', bik: '044525225' });
    expect(added.location).toBe(`${base}?notice=admin.legalEntityAdded`);
    const entities = await t.ctx.db.selectFrom('legal_entities').selectAll().where('company_id', '=', company.id).orderBy('id').execute();
    expect(entities).toHaveLength(2);
    const second = entities[1];
    if (!second) throw new Error('no second entity');
    const updated = await browser.post(`${base}/legal-entities/${second.id}`, { legal_name: 'ИП Сиренев А. А.', inn: '781234567870', bank_name: 'Сбербанк' });
    expect(updated.status).toBe(303);
    const page = await browser.get(base);
    expect(page.body).toContain('ИП Сиренев А. А.');
    expect(page.body).toContain('Сбербанк');

    const other = await makeCompany(t.ctx);
    const foreign = await t.ctx.db.selectFrom('legal_entities').select('id').where('company_id', '=', other.id).executeTakeFirstOrThrow();
    expect((await browser.post(`${base}/legal-entities/${foreign.id}`, { legal_name: 'Захват' })).status).toBe(404);

    expect((await browser.post(`${base}/addresses`, { address: ' ' })).status).toBe(422);
    expect((await browser.post(`${base}/addresses`, { address: 'СПб, Невский пр., 1' })).location).toBe(`${base}?notice=admin.addressAdded`);
    const address = await t.ctx.db.selectFrom('company_addresses').select('id').where('company_id', '=', company.id).executeTakeFirstOrThrow();
    expect((await browser.get(base)).body).toContain('СПб, Невский пр., 1');
    await browser.post(`${base}/addresses/${address.id}/delete`, {});
    expect((await browser.get(base)).body).toContain('Адресов доставки пока нет.');

    expect((await browser.post(`${base}/disable`, {})).location).toBe(`${base}?notice=admin.companyDisabled`);
    const list = await browser.get('/admin/companies');
    expect(list.body).toContain('badge off');
    await browser.post(`${base}/enable`, {});
    const enabled = await t.ctx.db.selectFrom('companies').select('disabled_at').where('id', '=', company.id).executeTakeFirstOrThrow();
    expect(enabled.disabled_at).toBeNull();
  });

  it('pages the list 50 at a time', async () => {
    const { browser } = await loggedIn('admin');
    for (let i = 0; i < 55; i++) await makeCompany(t.ctx, { name: `Фирма ${String(i).padStart(2, '0')}` });
    const first = await browser.get('/admin/companies');
    expect(first.body).toContain('Фирма 49');
    expect(first.body).not.toContain('Фирма 50');
    expect(first.body).toContain('Стр. 1 из 2, всего 55');
    expect(first.body).toContain('href="/admin/companies?page=2"');
    const second = await browser.get('/admin/companies?page=2');
    expect(second.body).toContain('Фирма 54');
    expect(second.body).not.toContain('Фирма 49');
    const searched = await browser.get(`/admin/companies?q=${encodeURIComponent('Фирма')}`);
    expect(searched.body).toContain('href="/admin/companies?q=%D0%A4%D0%B8%D1%80%D0%BC%D0%B0&amp;page=2"');
    expect((await browser.get('/admin/companies?page=99999999999999999999')).status).toBe(200);
  });

  it('invites a buyer from the company page', async () => {
    const { browser } = await loggedIn('admin');
    const company = await makeCompany(t.ctx, { name: 'Пион' });
    const res = await browser.post(`/admin/companies/${company.id}/users`, { name: 'Пётр Пионов', email: 'Petr@Pion.test' });
    expect(res.location).toBe(`/admin/companies/${company.id}?notice=admin.inviteSent`);
    const user = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'petr@pion.test').executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: 'buyer', company_id: company.id, password_hash: null });
    expect(await mailsTo('petr@pion.test')).toHaveLength(1);
    const page = await browser.get(`/admin/companies/${company.id}`);
    expect(page.body).toContain('Пётр Пионов');
    expect(page.body).toContain('Приглашён');

    const taken = await browser.post(`/admin/companies/${company.id}/users`, { name: 'Ещё раз', email: 'petr@pion.test' });
    expect(taken.status).toBe(422);
    expect(taken.body).toContain('Пользователь с такой почтой уже есть.');
  });
});

describe('users', () => {
  it('creates a buyer with an invitation whose link works once', async () => {
    const { browser } = await loggedIn('admin');
    const company = await makeCompany(t.ctx, { name: 'Ландыш' });
    const form = await browser.get(`/admin/users/new?company_id=${company.id}`);
    expect(form.body).toContain(`<option value="${company.id}" selected>Ландыш</option>`);
    expect(form.body).toMatch(/name="send_invite" value="1" checked/);

    const res = await browser.post('/admin/users', {
      name: 'Мария Ландышева',
      email: 'maria@landysh.test',
      role: 'buyer',
      company_id: String(company.id),
      phone: '+7 900 000-00-00',
      send_invite: '1',
    });
    expect(res.status).toBe(303);
    expect(res.location).toMatch(/^\/admin\/users\/\d+\?notice=admin\.userCreatedInvited$/);
    await t.worker.runDue();
    const userPage = await browser.get(res.location ?? '');
    expect(userPage.body).toContain('Пользователь создан, приглашение отправлено.');
    expect(userPage.body).toContain('действует до');

    const mails = await mailsTo('maria@landysh.test');
    expect(mails).toHaveLength(1);
    const path = linkIn(mails[0]?.text ?? '', '/invite');
    const { browser: buyer, page, res: set } = await acceptInvite(path);
    expect(page.status).toBe(200);
    expect(set.status).toBe(303);
    expect(set.location).toBe('/?notice=auth.passwordSet');
    const home = await buyer.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Мария Ландышева');
    expect(home.body).toContain('Ландыш');

    const again = await new Browser(t.app).get(path);
    expect(again.status).toBe(410);
    expect(again.body).toContain('Эта ссылка уже использована');
    const replay = await acceptInvite(path, 'someone else entirely');
    expect(replay.res.status).toBe(410);
    expect(replay.res.body).toContain('Эта ссылка уже использована');
  });

  it('creates a user without mail when the box is unchecked, and sends the invitation later', async () => {
    const { browser } = await loggedIn('admin');
    const res = await browser.post('/admin/users', { name: 'Менеджер Без Письма', email: 'quiet@firm.test', role: 'manager', company_id: '' });
    expect(res.location).toMatch(/notice=admin\.userCreated$/);
    expect(await mailsTo('quiet@firm.test')).toHaveLength(0);
    const id = /\/admin\/users\/(\d+)/.exec(res.location ?? '')?.[1];
    const page = await browser.get(`/admin/users/${id}`);
    expect(page.body).toContain('не отправлялось');
    expect(page.body).toContain('Отправить приглашение');
    expect((await browser.post(`/admin/users/${id}/invite`, {})).location).toBe(`/admin/users/${id}?notice=admin.inviteSent`);
    expect(await mailsTo('quiet@firm.test')).toHaveLength(1);
  });

  it('refuses a buyer without a company and a taken email, showing the form again', async () => {
    const { browser } = await loggedIn('admin');
    await makeUser(t.ctx, 'manager', { email: 'taken@firm.test' });
    const noCompany = await browser.post('/admin/users', { name: 'Без компании', email: 'new@firm.test', role: 'buyer', company_id: '', send_invite: '1' });
    expect(noCompany.status).toBe(422);
    expect(noCompany.body).toContain('Выберите компанию покупателя.');
    expect(noCompany.body).toContain('value="new@firm.test"');
    const ghost = await browser.post('/admin/users', { name: 'Призрак', email: 'ghost@firm.test', role: 'buyer', company_id: '424242' });
    expect(ghost.status).toBe(422);
    const taken = await browser.post('/admin/users', { name: 'Дубль', email: 'TAKEN@firm.test', role: 'manager' });
    expect(taken.status).toBe(422);
    expect(taken.body).toContain('Пользователь с такой почтой уже есть.');
    const badRole = await browser.post('/admin/users', { name: 'Хакер', email: 'root@firm.test', role: 'superuser' });
    expect(badRole.status).toBe(422);
    expect(await savedMails(t.dataDir)).toHaveLength(0);
  });

  it('shows an expired invitation link as expired', async () => {
    const { browser } = await loggedIn('admin');
    const company = await makeCompany(t.ctx);
    await browser.post('/admin/users', { name: 'Опоздавший', email: 'late@shop.test', role: 'buyer', company_id: String(company.id), send_invite: '1' });
    const path = linkIn((await mailsTo('late@shop.test'))[0]?.text ?? '', '/invite');
    t.clock.advance(t.config.auth.inviteLinkDays * DAY + 1000);
    const res = await new Browser(t.app).get(path);
    expect(res.status).toBe(410);
    expect(res.body).toContain('Срок действия ссылки истёк');
    expect((await acceptInvite(path)).res.status).toBe(410);
  });

  it('finds users by name, email and company, and filters by role', async () => {
    const { browser } = await loggedIn('admin', { name: 'Главный Админ' });
    const company = await makeCompany(t.ctx, { name: 'Незабудка' });
    await makeUser(t.ctx, 'buyer', { name: 'Семён Покупатель', email: 'semen@nezabudka.test', companyId: company.id });
    await makeUser(t.ctx, 'manager', { name: 'Анна Менеджер', email: 'anna@firm.test' });
    const byCompany = await browser.get(`/admin/users?q=${encodeURIComponent('незабудка')}`);
    expect(byCompany.body).toContain('Семён Покупатель');
    expect(byCompany.body).not.toContain('Анна Менеджер');
    const byEmail = await browser.get('/admin/users?q=anna@');
    expect(byEmail.body).toContain('Анна Менеджер');
    expect(byEmail.body).not.toContain('Семён Покупатель');
    const managers = await browser.get('/admin/users?role=manager');
    expect(managers.body).toContain('Анна Менеджер');
    expect(managers.body).not.toContain('Семён Покупатель');
    expect(managers.body).not.toContain('>Главный Админ<');
  });

  it('edits a user, and a disabled user is logged out at once', async () => {
    const { browser } = await loggedIn('admin');
    const company = await makeCompany(t.ctx);
    const { user: buyer, browser: buyerBrowser } = await loggedIn('buyer', { companyId: company.id });
    expect((await buyerBrowser.get('/')).status).toBe(200);

    const edit = await browser.post(`/admin/users/${buyer.id}`, { name: 'Новое Имя', email: buyer.email, role: 'buyer', company_id: String(company.id), phone: '' });
    expect(edit.location).toBe(`/admin/users/${buyer.id}?notice=common.saved`);
    expect((await buyerBrowser.get('/')).body).toContain('Новое Имя');

    const disable = await browser.post(`/admin/users/${buyer.id}/disable`, {});
    expect(disable.location).toBe(`/admin/users/${buyer.id}?notice=admin.userDisabled`);
    const after = await buyerBrowser.get('/');
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/login/);
    expect((await new Browser(t.app).login(buyer.email)).status).toBe(401);
    const sessions = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', buyer.id).execute();
    expect(sessions).toHaveLength(0);

    await browser.post(`/admin/users/${buyer.id}/enable`, {});
    expect((await new Browser(t.app).login(buyer.email)).status).toBe(303);
  });

  it('does not let an admin disable or demote themselves', async () => {
    const { user: admin, browser } = await loggedIn('admin');
    const page = await browser.get(`/admin/users/${admin.id}`);
    expect(page.body).not.toContain(`action="/admin/users/${admin.id}/disable"`);
    const res = await browser.post(`/admin/users/${admin.id}/disable`, {});
    expect(res.status).toBe(422);
    expect(res.body).toContain('Нельзя отключить собственную учётную запись.');
    const demote = await browser.post(`/admin/users/${admin.id}`, { name: admin.name, email: admin.email, role: 'manager' });
    expect(demote.status).toBe(422);
    expect(demote.body).toContain('Нельзя снять с себя роль администратора.');
    const row = await t.ctx.db.selectFrom('users').select(['disabled_at', 'role']).where('id', '=', admin.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ disabled_at: null, role: 'admin' });
    expect((await browser.get('/admin/users')).status).toBe(200);
  });

  it('sends a password link to a user who already has a password', async () => {
    const { browser } = await loggedIn('admin');
    const manager = await makeUser(t.ctx, 'manager', { email: 'forgetful@firm.test' });
    const res = await browser.post(`/admin/users/${manager.id}/invite`, {});
    expect(res.location).toBe(`/admin/users/${manager.id}?notice=admin.resetSent`);
    const mails = await mailsTo('forgetful@firm.test');
    expect(mails).toHaveLength(1);
    expect(linkIn(mails[0]?.text ?? '', '/reset-password')).toMatch(/^\/reset-password\//);
  });
});

describe('access requests', () => {
  async function apply(fields: Partial<Record<string, string>> = {}) {
    const res = await new Browser(t.app).post('/apply', {
      company_name: 'Одуванчик',
      inn: '7701987652',
      contact_name: 'Ирина Одуванчикова',
      email: 'irina@oduvanchik.test',
      phone: '+7 495 000-00-00',
      message: 'Хотим закупать оптом',
      ...fields,
    });
    expect(res.status).toBe(200);
    return t.ctx.db.selectFrom('access_requests').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
  }

  it('approves a request: the company and the buyer exist and the buyer is invited', async () => {
    const { browser } = await loggedIn('admin');
    const manager = await makeUser(t.ctx, 'manager', { name: 'Ольга Менеджер' });
    const retail = await priceType('Розница');
    const wholesale = await priceType('Опт', 1);
    const request = await apply();

    const list = await browser.get('/admin/access-requests');
    expect(list.status).toBe(200);
    expect(list.body).toContain('Одуванчик');
    expect(list.body).toContain('irina@oduvanchik.test');
    expect(list.body).toContain(`<option value="${wholesale.id}" selected>Опт</option>`);

    const res = await browser.post(`/admin/access-requests/${request.id}/approve`, {
      price_type_id: String(retail.id),
      manager_id: String(manager.id),
      discount: '3',
    });
    expect(res.status).toBe(303);
    const match = /^\/admin\/companies\/(\d+)\?notice=admin\.requestApproved$/.exec(res.location ?? '');
    expect(match).not.toBeNull();
    const companyId = Number(match?.[1]);
    const company = await t.ctx.db.selectFrom('companies').selectAll().where('id', '=', companyId).executeTakeFirstOrThrow();
    expect(company).toMatchObject({ name: 'Одуванчик', price_type_id: retail.id, manager_id: manager.id, discount_bp: 300 });
    const buyer = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', 'irina@oduvanchik.test').executeTakeFirstOrThrow();
    expect(buyer).toMatchObject({ role: 'buyer', company_id: companyId, name: 'Ирина Одуванчикова' });
    const page = await browser.get(res.location ?? '');
    expect(page.body).toContain('Заявка одобрена');
    expect(page.body).toContain('7701987652');

    const invite = await mailsTo('irina@oduvanchik.test');
    expect(invite).toHaveLength(1);
    const { res: set } = await acceptInvite(linkIn(invite[0]?.text ?? '', '/invite'));
    expect(set.status).toBe(303);

    const after = await browser.get('/admin/access-requests');
    expect(after.body).toContain('Новых заявок нет.');
    expect(after.body).toContain('Одобрена');
    const twice = await browser.post(`/admin/access-requests/${request.id}/approve`, { discount: '0' });
    expect(twice.location).toBe('/admin/access-requests?notice=admin.requestNotPending');
  });

  it('refuses to approve when the email is taken, without leaving a company behind', async () => {
    const { browser } = await loggedIn('admin');
    await makeUser(t.ctx, 'manager', { email: 'irina@oduvanchik.test' });
    const request = await apply();
    const list = await browser.get('/admin/access-requests');
    expect(list.body).toContain('почта уже занята');
    const companiesBefore = await t.ctx.db.selectFrom('companies').select('id').execute();

    const res = await browser.post(`/admin/access-requests/${request.id}/approve`, { price_type_id: '', manager_id: '', discount: '0' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('Пользователь с этой почтой уже есть');
    expect(await t.ctx.db.selectFrom('companies').select('id').execute()).toEqual(companiesBefore);
    const row = await t.ctx.db.selectFrom('access_requests').select('status').where('id', '=', request.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');

    const badDiscount = await browser.post(`/admin/access-requests/${request.id}/approve`, { discount: '-1' });
    expect(badDiscount.status).toBe(422);
    expect(badDiscount.body).toContain('Скидка — число от 0 до 100.');
    expect(badDiscount.body).toContain('value="-1"');
  });

  it('declines with and without telling the applicant', async () => {
    const { browser } = await loggedIn('admin');
    const loud = await apply();
    const res = await browser.post(`/admin/access-requests/${loud.id}/decline`, { notify: '1' });
    expect(res.location).toBe('/admin/access-requests?notice=admin.requestDeclined');
    const declined = await mailsTo('irina@oduvanchik.test');
    expect(declined).toHaveLength(1);
    expect(declined[0]?.subject).toContain('Заявка на доступ');
    expect(declined[0]?.text).toContain('Одуванчик');

    const quiet = await apply({ email: 'quiet@vasilek.test', company_name: 'Василёк' });
    await browser.post(`/admin/access-requests/${quiet.id}/decline`, {});
    expect(await mailsTo('quiet@vasilek.test')).toHaveLength(0);
    const statuses = await t.ctx.db.selectFrom('access_requests').select('status').execute();
    expect(statuses.map((s) => s.status)).toEqual(['declined', 'declined']);
    const page = await browser.get('/admin/access-requests');
    expect(page.body).toContain('Отклонена');
    expect(await t.ctx.db.selectFrom('companies').select('id').execute()).toHaveLength(0);
  });
});

describe('language', () => {
  it('shows the admin screens in English after switching', async () => {
    const { browser } = await loggedIn('admin');
    await makeCompany(t.ctx, { name: 'Тюльпан' });
    const res = await browser.post('/locale', { locale: 'en', next: '/admin/companies' });
    expect(res.location).toBe('/admin/companies');
    const page = await browser.get('/admin/companies');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('New company');
    expect(page.body).toContain('Price type');
    expect(page.body).toContain('Тюльпан');
    expect(page.body).not.toContain('Новая компания');
    const users = await browser.get('/admin/users/new');
    expect(users.body).toContain('Send the invitation email now');
    const requests = await browser.get('/admin/access-requests');
    expect(requests.body).toContain('There are no new requests.');
  });
});
