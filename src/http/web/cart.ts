import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addressesOf, legalEntitiesOf } from '../../accounts/companies.js';
import { stockLevel } from '../../catalog/stock-display.js';
import type { AppContext } from '../../context.js';
import { creditConcern, loadCreditPosition } from '../../finance/credit.js';
import { localDate } from '../../finance/dates.js';
import type { MessageKey } from '../../i18n/index.js';
import { formatNumber } from '../../i18n/index.js';
import {
  acknowledgePrices,
  type BuyingCompany,
  type Cart,
  type CartChange,
  changeCartQuantity,
  clearCart,
  loadCart,
  removeFromCart,
} from '../../orders/cart.js';
import { type CheckoutInput, type LineProblem, placeOrder } from '../../orders/place-order.js';
import { currentUser, formString, requireLogin, safeNext } from '../guards.js';
import { buyingOrChoose } from './buying.js';
import { creditMessages } from './finance.js';
import { stockText } from './stock-text.js';

const problemKey: Record<string, MessageKey> = {
  not_a_number: 'orders.qtyNotANumber',
  not_positive: 'orders.qtyNotPositive',
  too_precise: 'orders.qtyTooPrecise',
  below_minimum: 'orders.qtyBelowMinimum',
  not_multiple: 'orders.qtyNotMultiple',
  unknown_product: 'orders.unknownProduct',
  unavailable: 'orders.lineUnavailable',
  no_price: 'orders.lineNoPrice',
  quantity: 'orders.lineQuantity',
  stock: 'orders.lineStock',
};

/** Form fields named qty[123] (or qty_123) → [[123, "5"]], skipping empty ones. */
export function quantitiesFromForm(body: unknown): [number, string][] {
  const out: [number, string][] = [];
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const id = /^qty(?:\[(\d{1,12})\]|_(\d{1,12}))$/.exec(key);
    const raw = Array.isArray(value) ? value[0] : value;
    if (id && typeof raw === 'string' && raw.trim() !== '') out.push([Number(id[1] ?? id[2]), raw.trim()]);
  }
  return out.slice(0, 1000);
}

export async function cartRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const stockConfig = { stockDisplay: ctx.config.catalog.stockDisplay, stockFewBelow: ctx.config.catalog.stockFewBelow };

  const buying = (request: FastifyRequest, reply: FastifyReply) => buyingOrChoose(ctx, request, reply, '/cart');

  function describe(request: FastifyRequest, change: Extract<CartChange, { ok: false }>): string {
    const base = request.t(problemKey[change.problem] ?? 'orders.unknownProduct', {
      min: formatNumber(change.rule?.minQty ?? 0, request.locale),
      multiple: formatNumber(change.rule?.multiple ?? 0, request.locale),
      unit: change.unitName ?? '',
    });
    return change.suggestion !== undefined
      ? `${base} ${request.t('orders.suggestion', { qty: formatNumber(change.suggestion, request.locale) })}`
      : base;
  }

  function cartView(request: FastifyRequest, cart: Cart) {
    return cart.lines.map((line, i) => {
      const q = cart.quote.lines[i];
      const stock = stockLevel(line.stockTotal, stockConfig);
      return {
        ...line,
        lineTotal: q?.lineTotal ?? null,
        priceChanged: line.priceSeen !== null && line.unitPrice !== null && line.priceSeen !== line.unitPrice,
        shortOfStock: !ctx.config.catalog.allowBackorder && line.quantity > line.stockTotal,
        stock,
        stockText: stockText(request, stock),
      };
    });
  }

  /** What the checkout table shows of each line: no stock column, so no stock wording to work out. */
  function checkoutView(cart: Cart) {
    return cart.lines.map((line, i) => ({
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unitName: line.unitName,
      unitPrice: line.unitPrice,
      priceSeen: line.priceSeen,
      lineTotal: cart.quote.lines[i]?.lineTotal ?? null,
      priceChanged: line.priceSeen !== null && line.unitPrice !== null && line.priceSeen !== line.unitPrice,
    }));
  }

  // Adds from the catalog table, a product page or search results: several lines at once.
  app.post('/cart/add', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const user = currentUser(request);
    const back = safeNext(formString(request.body, 'next'), '/catalog');
    const problems: { name: string; message: string; value: string }[] = [];
    let added = 0;
    for (const [productId, raw] of quantitiesFromForm(request.body)) {
      const change = await changeCartQuantity(ctx.db, ctx.clock, company, user.id, productId, raw, 'add');
      if (change.ok) added += 1;
      else {
        const product = await ctx.db
          .selectFrom('products')
          .select(['name', 'sku'])
          .where('id', '=', productId)
          .executeTakeFirst();
        problems.push({
          name: product ? `${product.sku} ${product.name}` : `#${productId}`,
          message: describe(request, change),
          value: raw,
        });
      }
    }
    if (problems.length === 0) {
      const sep = back.includes('?') ? '&' : '?';
      return reply.redirect(`${back}${sep}notice=${added > 0 ? 'orders.addedToCart' : 'orders.nothingAdded'}`, 303);
    }
    return reply.page('orders/add-result', { added, problems, back }, 422);
  });

  app.get('/cart', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const cart = await loadCart(ctx.database, company, ctx.config.catalog.pricesIncludeVat);
    return reply.page('orders/cart', {
      company,
      cart,
      lines: cartView(request, cart),
      errors: {},
      pricesIncludeVat: ctx.config.catalog.pricesIncludeVat,
    });
  });

  app.post('/cart/update', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const user = currentUser(request);
    const errors: Record<number, string> = {};
    for (const [productId, raw] of quantitiesFromForm(request.body)) {
      if (/^0+([.,]0*)?$/.test(raw)) {
        await removeFromCart(ctx.db, company.companyId, productId);
        continue;
      }
      const change = await changeCartQuantity(ctx.db, ctx.clock, company, user.id, productId, raw, 'set');
      if (!change.ok) errors[productId] = describe(request, change);
    }
    if (Object.keys(errors).length === 0) return reply.redirect('/cart?notice=orders.cartUpdated', 303);
    const cart = await loadCart(ctx.database, company, ctx.config.catalog.pricesIncludeVat);
    return reply.page(
      'orders/cart',
      { company, cart, lines: cartView(request, cart), errors, pricesIncludeVat: ctx.config.catalog.pricesIncludeVat },
      422,
    );
  });

  app.post('/cart/remove', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const productId = Number(formString(request.body, 'product_id'));
    if (Number.isInteger(productId)) await removeFromCart(ctx.db, company.companyId, productId);
    return reply.redirect('/cart', 303);
  });

  app.post('/cart/clear', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    await clearCart(ctx.db, company.companyId);
    return reply.redirect('/cart?notice=orders.cartCleared', 303);
  });

  async function renderCheckout(reply: FastifyReply, company: BuyingCompany, extra: Record<string, unknown>, status = 200) {
    const cart = await loadCart(ctx.database, company, ctx.config.catalog.pricesIncludeVat);
    if (cart.lines.length === 0) return reply.redirect('/cart', 303);
    const [entities, addresses] = await Promise.all([
      legalEntitiesOf(ctx.db, company.companyId),
      addressesOf(ctx.db, company.companyId),
    ]);
    const values = (extra.values ?? {}) as { legalEntityId?: number | null };
    const entityId = entities.find((e) => e.id === values.legalEntityId)?.id ?? entities[0]?.id;
    return reply.page(
      'orders/checkout',
      {
        company,
        cart,
        lines: checkoutView(cart),
        entities,
        addresses,
        values: {},
        idempotencyKey: randomBytes(18).toString('base64url'),
        problems: [],
        pricesIncludeVat: ctx.config.catalog.pricesIncludeVat,
        credit: entityId === undefined ? null : await creditView(reply.request, entityId, cart.quote.total),
        ...extra,
      },
      status,
    );
  }

  /** Credit control's word on this cart before the buyer confirms: a warning, or why it cannot be placed. */
  async function creditView(request: FastifyRequest, legalEntityId: number, total: number) {
    const mode = ctx.config.orders.creditControl;
    if (mode === 'off') return null;
    const concern = creditConcern(await loadCreditPosition(ctx.database, legalEntityId, localDate(ctx.clock.now())), total);
    if (!concern) return null;
    return {
      mode,
      messages: creditMessages(request.t, request.locale, concern),
      overridable: mode === 'block' && currentUser(request).role !== 'buyer',
    };
  }

  app.get('/checkout', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    return renderCheckout(reply, company, {});
  });

  app.post('/checkout', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const user = currentUser(request);
    const body = request.body;
    const address =
      formString(body, 'address_choice') === 'new' || formString(body, 'address_choice') === ''
        ? formString(body, 'new_address')
        : formString(body, 'address_choice');
    const rawEntity = formString(body, 'legal_entity_id');
    const confirmed = Number(formString(body, 'confirmed_total'));
    const input: CheckoutInput = {
      legalEntityId: rawEntity ? Number(rawEntity) : null,
      deliveryAddress: address,
      desiredDate: formString(body, 'desired_date'),
      poNumber: formString(body, 'po_number'),
      comment: formString(body, 'comment'),
      idempotencyKey: formString(body, 'idempotency_key'),
      confirmedTotal: Number.isSafeInteger(confirmed) ? confirmed : null,
      ...(formString(body, 'credit_override') === '1'
        ? { creditOverride: { reason: formString(body, 'credit_override_reason') } }
        : {}),
    };
    const result = await placeOrder(ctx, user, company, input);
    if (result.ok) {
      return reply.redirect(
        `/orders/${result.order.id}?notice=${result.duplicate ? 'orders.alreadyPlaced' : 'orders.placed'}`,
        303,
      );
    }
    const values = {
      ...input,
      addressChoice: formString(body, 'address_choice'),
      newAddress: formString(body, 'new_address'),
      creditOverrideReason: formString(body, 'credit_override_reason'),
    };
    // The same key is kept on a retry so a second click after an error still makes one order.
    const keep = { values, idempotencyKey: input.idempotencyKey || randomBytes(18).toString('base64url') };
    switch (result.problem) {
      case 'empty_cart':
        return reply.redirect('/cart?notice=orders.cartEmpty', 303);
      case 'price_changed':
        await acknowledgePrices(ctx.db, company, result.cart);
        return renderCheckout(reply, company, { ...keep, priceChanged: true }, 409);
      case 'lines':
        return renderCheckout(
          reply,
          company,
          { ...keep, problems: result.lines.map((p: LineProblem) => lineMessage(request, p, result.cart)) },
          422,
        );
      case 'bad_input': {
        const message =
          result.field === 'credit_override_reason'
            ? request.t('finance.overrideReasonRequired')
            : request.t(`orders.bad_${result.field}` as MessageKey);
        return renderCheckout(reply, company, { ...keep, fieldError: { field: result.field, message } }, 422);
      }
      case 'credit':
        // The same words as the warning above the form; the page shows it with the amounts.
        return renderCheckout(reply, company, { ...keep, creditRefused: true }, 409);
    }
  });

  function lineMessage(request: FastifyRequest, problem: LineProblem, cart: Cart): string {
    const line = cart.lines.find((l) => l.productId === problem.productId);
    const name = line ? `${line.sku} ${line.name}` : `#${problem.productId}`;
    const params = {
      available: problem.problem === 'stock' ? formatNumber(problem.available, request.locale) : '',
      qty:
        problem.problem === 'quantity' && problem.suggestion !== undefined
          ? formatNumber(problem.suggestion, request.locale)
          : '—',
      unit: line?.unitName ?? '',
    };
    return `${name}: ${request.t(problemKey[problem.problem] ?? 'orders.lineUnavailable', params)}`;
  }
}
