import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Browser, Page } from 'puppeteer-core';
import type { Config, Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import { CHROMIUM_ARGS, chromiumMissingReason, findChromium } from './chromium.js';
import { orderPdfName, renderOrderHtml } from './order-document.js';

/** The same margins as `@page` in templates/assets/css/document.css; the footer lives in the bottom one. */
export const PDF_MARGINS = { top: '14mm', right: '12mm', bottom: '16mm', left: '12mm' } as const;

/**
 * CHROMIUM_ARGS, and fewer processes: a PDF needs no GPU, network or zygote process of its own, and
 * one renderer process serves every tab (pdf_concurrency 2 renders barely slower than with two):
 * about 380 MB of summed RSS for the browser instead of about 780 MB, see bench/pdf.ts.
 */
export const PDF_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  '--no-zygote',
  '--in-process-gpu',
  '--enable-features=NetworkServiceInProcess2',
  '--renderer-process-limit=1',
  '--enable-low-end-device-mode',
];

export interface PdfRenderOptions {
  /** puppeteer's footerTemplate (`.pageNumber`, `.totalPages` are filled in); default: pageNumberFooter(site locale). */
  footerTemplate?: string;
}

export interface PdfRenderer {
  /** A Chromium was found; when false every render() rejects with PdfUnavailableError. */
  readonly available: boolean;
  /** Why it is unavailable and what to install. */
  readonly reason?: string;
  /** An A4 PDF of a complete HTML document (styles inline: nothing is served to it). */
  render(html: string, options?: PdfRenderOptions): Promise<Buffer>;
  /** Closes the browser; renders after this reject. */
  close(): Promise<void>;
  /** launches: browsers started (1 + relaunches); renders: PDFs made. */
  stats(): { launches: number; renders: number };
  /** The running browser's pid (for tests and the benchmark's memory figure); null before the first render. */
  browserPid(): number | null;
}

/** No browser on this machine: the caller goes on without the PDF (a mail without attachment). */
export class PdfUnavailableError extends Error {
  constructor(reason: string) {
    super(`PDF rendering is unavailable: ${reason}`);
    this.name = 'PdfUnavailableError';
  }
}

export class PdfTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`PDF rendering timed out after ${timeoutMs} ms (documents.pdf_timeout_ms)`);
    this.name = 'PdfTimeoutError';
  }
}

const PAGE_OF: Record<Locale, (page: string, pages: string) => string> = {
  ru: (page, pages) => `стр. ${page} из ${pages}`,
  en: (page, pages) => `page ${page} of ${pages}`,
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

/** "стр. N из M" at the bottom right of every page, `left` (e.g. the order number) at the bottom left. */
export function pageNumberFooter(locale: Locale, left = ''): string {
  // Header and footer are separate tiny documents: nothing from the page's CSS reaches them.
  const style = `box-sizing:border-box;width:100%;padding:0 ${PDF_MARGINS.right} 0 ${PDF_MARGINS.left};display:flex;justify-content:space-between;font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;font-size:7.5pt;color:#555;`;
  return `<div style="${style}"><span>${escapeHtml(left)}</span><span>${PAGE_OF[locale]('<span class="pageNumber"></span>', '<span class="totalPages"></span>')}</span></div>`;
}

/** At most `limit` holders at a time; the rest wait in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter: `active` stays the same.
      if (next) next();
      else this.active -= 1;
    };
  }
}

type Log = Pick<Logger, 'warn' | 'info'>;

/** One warm browser per process, started on the first render and restarted when it dies. */
export function createPdfRenderer(config: Config, log: Log): PdfRenderer {
  const { chromiumPath, pdfTimeoutMs, pdfConcurrency } = config.documents;
  const binary = findChromium(chromiumPath);
  if (!binary) {
    const reason = chromiumMissingReason(chromiumPath);
    log.warn({ reason }, 'order PDFs are off: mails go without the PDF');
    const error = () => new PdfUnavailableError(reason);
    return {
      available: false,
      reason,
      render: () => Promise.reject(error()),
      close: async () => {},
      stats: () => ({ launches: 0, renders: 0 }),
      browserPid: () => null,
    };
  }
  const chromium = binary;

  const slots = new Semaphore(pdfConcurrency);
  const defaultFooter = pageNumberFooter(config.site.defaultLocale);
  let launches = 0;
  let renders = 0;
  let closed = false;
  /** The running browser, once started; null before the first render and after it died. */
  let browser: Browser | null = null;
  let launching: Promise<Browser> | null = null;
  /** Tabs waiting for their next document: reusing one is ~3× cheaper than opening a tab per PDF. */
  let idle: Tab[] = [];

  /** Kills what is left of a browser and removes its profile; safe to call twice. */
  function discard(gone: Browser, profile: string) {
    idle = idle.filter((tab) => tab.browser !== gone);
    const child = gone.process();
    const removeProfile = () => rmSync(profile, { recursive: true, force: true });
    if (child && child.exitCode === null && child.signalCode === null) {
      child.once('exit', removeProfile);
      child.kill('SIGKILL');
    } else {
      removeProfile();
    }
  }

  async function launch(): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'optovik-pdf-chromium-'));
    let started: Browser;
    try {
      // puppeteer-core (~17 MB in memory) loads with the first PDF, not with the portal.
      const { default: puppeteer } = await import('puppeteer-core');
      started = await puppeteer.launch({
        executablePath: chromium.path,
        headless: chromium.headless,
        args: PDF_CHROMIUM_ARGS,
        userDataDir: profile,
        pipe: true,
        // The app shuts down on its own signals (and closes us); a dead parent closes the pipe, and Chromium exits.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        timeout: Math.max(pdfTimeoutMs, 30_000),
        protocolTimeout: Math.max(pdfTimeoutMs * 2, 30_000),
      });
    } catch (error) {
      rmSync(profile, { recursive: true, force: true });
      throw error;
    }
    launches += 1;
    // The tab every launch opens becomes the first tab of the pool.
    const [first] = await started.pages().catch(() => []);
    if (first) idle.push(newTab(started, first));
    started.once('disconnected', () => {
      if (browser === started) browser = null;
      discard(started, profile);
      if (!closed) log.warn({ pid: started.process()?.pid }, 'the PDF browser went away; the next PDF starts a new one');
    });
    if (launches > 1) log.info({ pid: started.process()?.pid, launches }, 'PDF browser restarted');
    return started;
  }

  /** The warm browser; the first caller starts it and everyone waiting shares that one launch. */
  async function getBrowser(): Promise<Browser> {
    if (browser?.connected) return browser;
    if (!launching) {
      launching = launch().finally(() => {
        launching = null;
      });
      browser = await launching;
      return browser;
    }
    return launching;
  }

  /** Forgets a browser that failed us and kills it (its disconnection cleans up the rest). */
  function drop(failed: Browser) {
    if (browser === failed) browser = null;
    idle = idle.filter((tab) => tab.browser !== failed);
    failed.process()?.kill('SIGKILL');
  }

  function newTab(on: Browser, page: Page): Tab {
    const tab: Tab = { browser: on, page, uses: 0, crashed: false };
    // All tabs share one renderer process: when it crashes, every idle tab is dead too and must not be reused.
    page.once('error', () => {
      tab.crashed = true;
      idle = idle.filter((other) => other !== tab);
      void page.close().catch(() => {});
    });
    return tab;
  }

  /** An idle tab of this browser, or a new one; `fresh` always opens a new one (for a second try). */
  async function takeTab(on: Browser, fresh: boolean): Promise<Tab> {
    const index = fresh ? -1 : idle.findIndex((tab) => tab.browser === on && !tab.crashed && !tab.page.isClosed());
    if (index >= 0) return idle.splice(index, 1)[0] as Tab;
    try {
      return newTab(on, await on.newPage());
    } catch (error) {
      throw new NewPageError(error);
    }
  }

  function giveBack(tab: Tab) {
    tab.uses += 1;
    // A tab is retired now and then, so nothing a long life in one tab might accumulate can grow for ever.
    if (!closed && !tab.crashed && tab.browser === browser && tab.browser.connected && tab.uses < TAB_USES) idle.push(tab);
    else void tab.page.close().catch(() => {});
  }

  async function renderOn(on: Browser, html: string, footerTemplate: string, fresh = false): Promise<Buffer> {
    let tab: Tab | undefined;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const work = (async () => {
      const taken = await takeTab(on, fresh);
      if (settled) {
        // The render was given up while the tab was opening: nobody will close it but us.
        void taken.page.close().catch(() => {});
        throw new Error('given up');
      }
      tab = taken;
      await taken.page.setContent(html, { waitUntil: 'load', timeout: 0 });
      const pdf = await taken.page.pdf({
        format: 'A4',
        printBackground: true,
        margin: PDF_MARGINS,
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate,
        timeout: 0,
      });
      return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    })();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PdfTimeoutError(pdfTimeoutMs)), pdfTimeoutMs);
    });
    // A browser that dies mid-render can leave puppeteer waiting forever (newPage waits for a target
    // that will never attach): its disconnection ends the render at once, and render() retries it.
    let onGone = () => {};
    const gone = new Promise<never>((_, reject) => {
      onGone = () => reject(new BrowserGoneError());
      on.once('disconnected', onGone);
      if (!on.connected) onGone();
    });
    let ok = false;
    try {
      const pdf = await Promise.race([work, deadline, gone]);
      ok = true;
      return pdf;
    } finally {
      settled = true;
      on.off('disconnected', onGone);
      clearTimeout(timer);
      work.catch(() => {}); // after a timeout it fails with "target closed": nobody is listening any more
      const used = tab as Tab | undefined;
      if (used && ok) giveBack(used);
      else if (used) {
        // A tab that failed or hangs (a load that never ends) is closed, without waiting for ever on that either.
        const closing = used.page.close().catch(() => {});
        await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      }
    }
  }

  return {
    available: true,
    async render(html, options = {}) {
      if (closed) throw new Error('the PDF renderer is closed');
      const footer = options.footerTemplate ?? defaultFooter;
      const release = await slots.acquire();
      try {
        const first = await getBrowser();
        let pdf: Buffer;
        try {
          pdf = await renderOn(first, html, footer);
        } catch (error) {
          // A timeout is the page's fault: no second try. Anything else is tried once more: on a new
          // browser when this one died (killed, crashed, out of memory), else on a fresh tab.
          if (error instanceof PdfTimeoutError || closed) throw unwrap(error);
          const died = error instanceof NewPageError || error instanceof BrowserGoneError || !(await responds(first));
          log.warn({ err: unwrap(error) }, died ? 'the PDF browser died; restarting it and trying again' : 'a PDF failed; trying once more');
          if (died) drop(first);
          pdf = await renderOn(await getBrowser(), html, footer, true).catch((again: unknown) => Promise.reject(unwrap(again)));
        }
        renders += 1;
        return pdf;
      } finally {
        release();
      }
    },
    async close() {
      closed = true;
      idle = [];
      const open = browser ?? (await launching?.catch(() => null)) ?? null;
      browser = null;
      if (open) await open.close().catch(() => open.process()?.kill('SIGKILL'));
    },
    stats: () => ({ launches, renders }),
    browserPid: () => (browser?.connected ? (browser.process()?.pid ?? null) : null),
  };
}

/** Whether the browser still answers: a killed one can fail a tab before puppeteer reports it disconnected. */
async function responds(browser: Browser): Promise<boolean> {
  if (!browser.connected) return false;
  const answer = browser.version().then(
    () => true,
    () => false,
  );
  return Promise.race([answer, new Promise<boolean>((resolve) => setTimeout(resolve, 2_000, false).unref())]);
}

/** A tab of the warm browser and how many PDFs it has made. */
interface Tab {
  browser: Browser;
  page: Page;
  uses: number;
  crashed: boolean;
}
const TAB_USES = 200;

class BrowserGoneError extends Error {
  constructor() {
    super('the PDF browser went away during the render');
  }
}

class NewPageError extends Error {
  constructor(readonly original: unknown) {
    super(`could not open a tab in the PDF browser: ${original instanceof Error ? original.message : String(original)}`);
  }
}
const unwrap = (error: unknown) => (error instanceof NewPageError && error.original instanceof Error ? error.original : error);

/**
 * Renders an order's PDF into `<dataDir>/pdf/<order number>.pdf` (written under a temporary name and
 * renamed, so a reader never sees half a file) and returns its path. Rejects with PdfUnavailableError
 * when there is no browser, PdfTimeoutError when it takes longer than documents.pdf_timeout_ms.
 */
export async function renderOrderPdf(
  ctx: Pick<AppContext, 'db' | 'config'>,
  renderer: PdfRenderer,
  orderId: number,
  locale: Locale,
): Promise<string> {
  if (!renderer.available) throw new PdfUnavailableError(renderer.reason ?? 'no Chromium');
  // The revision first: should the order change while it renders, the file of the older revision
  // gets the newer lines (and is never used again), never the other way round.
  const { number, revision } = await ctx.db.selectFrom('orders').select(['number', 'revision']).where('id', '=', orderId).executeTakeFirstOrThrow();
  const html = await renderOrderHtml(ctx, orderId, locale, { inlineCss: true });
  const pdf = await renderer.render(html, { footerTemplate: pageNumberFooter(locale, number) });
  const dir = join(ctx.config.dataDir, 'pdf');
  await mkdir(dir, { recursive: true });
  const path = join(dir, orderPdfName(number, revision));
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temp, pdf);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The older revisions' files are of no use any more.
  for (let older = 0; older < revision; older++) await rm(join(dir, orderPdfName(number, older)), { force: true });
  return path;
}
