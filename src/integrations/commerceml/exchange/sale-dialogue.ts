/**
 * type=sale: orders go to 1C (`query`, confirmed by `success`), order and counterparty files
 * come back (`file`, and `import` in the newer variant).
 */
import { join } from 'node:path';
import type { AppContext } from '../../../context.js';
import { applySaleFile, type SaleApplyResult } from '../sale/apply-documents.js';
import { buildOrdersDocument, markOrdersExported, ordersPendingExport } from '../sale/orders-document.js';
import { XmlError } from '../xml/reader.js';
import { UnsafeNameError } from './paths.js';
import { startRun, updateRun } from './runs.js';
import { type Reply, type Session, text, xmlReply } from './session.js';
import { ArchiveError } from './unzip.js';

export async function query(ctx: AppContext, session: Session): Promise<Reply> {
  const now = ctx.clock.now();
  if (session.sent) {
    await updateRun(ctx.db, session.sent.runId, {
      status: 'abandoned',
      message: '1C asked again without confirming; the orders are sent again',
      finishedAt: now,
    });
  }
  const ids = await ordersPendingExport(ctx.db);
  const doc = await buildOrdersDocument(ctx, ids, now);
  if (ids.length > 0) {
    const runId = await startRun(ctx.db, 'sale', now, `sent ${ids.length} orders to 1C, waiting for its confirmation`);
    session.sent = { ids, at: now, runId };
  } else {
    session.sent = null;
  }
  return xmlReply(doc);
}

export async function confirm(ctx: AppContext, session: Session): Promise<Reply> {
  const sent = session.sent;
  session.sent = null;
  if (!sent) return text('success');
  const marked = await markOrdersExported(ctx.db, sent.ids, sent.at);
  await updateRun(ctx.db, sent.runId, {
    status: 'success',
    counts: { orders_sent: sent.ids.length, orders_confirmed: marked },
    message: `1C took ${marked} orders`,
    finishedAt: ctx.clock.now(),
  });
  return text('success');
}

export async function applyOrderFile(ctx: AppContext, session: Session, name: string): Promise<Reply> {
  if (session.saleApplied.has(name)) return text('success', `${name} already applied`);
  const runId = await startRun(ctx.db, 'sale', ctx.clock.now(), `applying ${name}`);
  try {
    const result = await applySaleFile(ctx, join(session.dir, name), { fileName: name, packageDir: session.dir });
    session.saleApplied.add(name);
    const summary = saleSummary(result);
    await updateRun(ctx.db, runId, {
      status: 'success',
      files: [{ name, bytes: session.files.get(name) ?? 0 }],
      counts: {
        orders_updated: result.orders.updated,
        orders_unchanged: result.orders.unchanged,
        orders_unknown: result.orders.unknown.length,
        orders_entered_in_1c: result.orders.created,
        companies_created: result.companies.created,
        companies_updated: result.companies.updated,
        companies_skipped: result.companies.skipped,
        credit_terms_updated: result.creditTerms,
        documents_created: result.documents.created,
        documents_updated: result.documents.updated,
        documents_unchanged: result.documents.unchanged,
        documents_skipped: result.documents.skipped,
      },
      message: [summary, ...result.warnings.slice(0, 20)].join('; '),
      finishedAt: ctx.clock.now(),
    });
    return text('success', summary);
  } catch (err) {
    const reply = saleFailure(ctx, err, name);
    const line = err instanceof XmlError ? err.line : null;
    await updateRun(ctx.db, runId, {
      status: 'failed',
      files: [{ name, bytes: session.files.get(name) ?? 0 }],
      message: `${reply.kind === 'text' ? reply.lines[1] : ''}. Nothing from this file was applied.`,
      errorFile: name,
      errorLine: line,
      finishedAt: ctx.clock.now(),
    });
    return reply;
  }
}

export function saleFailure(ctx: AppContext, err: unknown, name: string): Reply & { kind: 'text' } {
  if (err instanceof XmlError) return { kind: 'text', lines: ['failure', `${name} line ${err.line}: ${err.message}`] };
  if (err instanceof UnsafeNameError || err instanceof ArchiveError) return { kind: 'text', lines: ['failure', err.message] };
  ctx.log.error({ err }, '1C order exchange failed');
  return { kind: 'text', lines: ['failure', `internal error: ${(err as Error).message}`] };
}

function saleSummary(r: SaleApplyResult): string {
  const unknown = r.orders.unknown.length > 0 ? `, not on the portal: ${r.orders.unknown.slice(0, 10).join(', ')}` : '';
  const entered = r.orders.created > 0 ? `, entered in 1C and added: ${r.orders.created}` : '';
  const d = r.documents;
  const documents =
    d.created + d.updated + d.unchanged + d.skipped > 0
      ? `; documents created ${d.created}, updated ${d.updated}, unchanged ${d.unchanged}${d.skipped ? `, skipped ${d.skipped}` : ''}`
      : '';
  const terms = r.creditTerms > 0 ? `, credit terms updated ${r.creditTerms}` : '';
  return `orders updated ${r.orders.updated}, unchanged ${r.orders.unchanged}${entered}${unknown}; companies created ${r.companies.created}, updated ${r.companies.updated}${terms}${documents}`;
}
