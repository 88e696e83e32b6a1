import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import type { JobHandler } from './handler.js';
import { JOB_HANDLERS, type JobHandlers, isJobKind } from './registry.js';

/** Waits between tries: 10 s, 20 s, 40 s … capped at an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(60 * 60_000, 10_000 * 2 ** Math.max(0, attempts - 1));
}

/** Follow-up jobs give way to buyers: after a checkout they wait for a pause this long… */
export const CHECKOUT_PAUSE_MS = 250;
/** …but not longer than this: then one round of jobs runs anyway, so a long rush slows them, never stops them. */
export const MAX_GIVE_WAY_MS = 2000;

/**
 * Runs queued jobs after their transaction committed: a bounded number at a time, retried with
 * growing waits, marked failed (error kept, visible to admins) after jobs.max_attempts tries.
 * Jobs live in the database, so a restart — kill -9 included — picks up where it stopped.
 */
export class JobWorker {
  private readonly running = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private draining: Promise<void> = Promise.resolve();
  private timerDueAt = Number.POSITIVE_INFINITY;
  private lastCheckoutAt = Number.NEGATIVE_INFINITY;
  private givingWaySince: number | null = null;

  constructor(
    private readonly ctx: AppContext,
    /** Every kind's handler (jobs/registry.ts); a test may run a few kinds with handlers of its own. */
    private readonly handlers: Partial<JobHandlers> = JOB_HANDLERS,
    private readonly pollMs = 1000,
  ) {
    // Commits that queued jobs say so (jobs/outbox.ts): nobody wakes the worker by hand.
    ctx.outbox.listen((urgency) => (urgency === 'after_checkout' ? this.wakeAfterCheckout() : this.wake()));
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
  }

  /** A transaction queued jobs: they start now rather than at the next poll. */
  wake(): void {
    if (!this.stopped) this.schedule(0);
  }

  /**
   * An order was placed. Its PDF, mails and export start at the first pause in
   * checkouts: rendering and mailing take the same CPU and event loop the buyers' requests need,
   * and a rush of orders should not wait for documents of the orders before it.
   */
  wakeAfterCheckout(): void {
    this.lastCheckoutAt = this.ctx.clock.now();
    if (!this.stopped && this.timerDueAt > this.ctx.clock.now() + CHECKOUT_PAUSE_MS) this.schedule(CHECKOUT_PAUSE_MS);
  }

  /**
   * Whether new jobs should wait now: a checkout happened within CHECKOUT_PAUSE_MS, and the
   * worker has not been waiting MAX_GIVE_WAY_MS yet (when it has, one round may start).
   */
  givingWay(): boolean {
    const now = this.ctx.clock.now();
    if (now - this.lastCheckoutAt >= CHECKOUT_PAUSE_MS) {
      this.givingWaySince = null;
      return false;
    }
    if (this.givingWaySince === null) this.givingWaySince = now;
    if (now - this.givingWaySince < MAX_GIVE_WAY_MS) return true;
    this.givingWaySince = now;
    return false;
  }

  /**
   * Runs every job due now (and waits for them); returns how many ran. Tests drive this directly.
   * A pool: as soon as one job ends the next due one starts, so a slow PDF does not hold up mails.
   */
  async runDue(options: { giveWayToCheckouts?: boolean } = {}): Promise<number> {
    let total = 0;
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      let free = this.ctx.config.jobs.concurrency - this.running.size;
      if (free > 0 && options.giveWayToCheckouts && this.givingWay()) free = 0;
      const due =
        free > 0
          ? await this.ctx.db
              .selectFrom('jobs')
              .selectAll()
              .where('done_at', 'is', null)
              .where('failed_at', 'is', null)
              .where('run_after', '<=', this.ctx.clock.now())
              .$if(this.running.size > 0, (q) => q.where('id', 'not in', [...this.running]))
              .orderBy('run_after')
              .orderBy('id')
              .limit(free)
              .execute()
          : [];
      for (const job of due) {
        const run: Promise<void> = this.runOne(job).finally(() => inFlight.delete(run));
        inFlight.add(run);
        total += 1;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    return total;
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = this.ctx.clock.now() + delay;
    this.timer = setTimeout(() => {
      this.timerDueAt = Number.POSITIVE_INFINITY;
      this.draining = this.runDue({ giveWayToCheckouts: true })
        .catch((error) => this.ctx.log.error({ err: error }, 'job worker failed to poll'))
        .then(() => {
          if (!this.stopped) this.schedule(this.pollMs);
        });
    }, delay);
    this.timer.unref();
  }

  private async runOne(job: JobRow): Promise<void> {
    this.running.add(job.id);
    const attempts = job.attempts + 1;
    try {
      const handler = isJobKind(job.kind) ? (this.handlers[job.kind] as JobHandler<unknown> | undefined) : undefined;
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      // The payload was written by outbox.enqueue for this very kind, typed by the same handler.
      await handler(this.ctx, JSON.parse(job.payload) as unknown, job);
      await this.ctx.db.updateTable('jobs').set({ attempts, done_at: this.ctx.clock.now(), last_error: null }).where('id', '=', job.id).execute();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const now = this.ctx.clock.now();
      const failed = attempts >= this.ctx.config.jobs.maxAttempts;
      await this.ctx.db
        .updateTable('jobs')
        .set({ attempts, last_error: message.slice(0, 2000), run_after: now + backoffMs(attempts), failed_at: failed ? now : null })
        .where('id', '=', job.id)
        .execute();
      this.ctx.log[failed ? 'error' : 'warn']({ jobId: job.id, kind: job.kind, attempts, err: error }, failed ? 'job failed for good' : 'job failed, will retry');
    } finally {
      this.running.delete(job.id);
    }
  }
}
