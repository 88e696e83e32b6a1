import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKOUT_PAUSE_MS, JobWorker, MAX_GIVE_WAY_MS } from '../src/jobs/worker.js';
import { startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let worker: JobWorker;

beforeEach(async () => {
  t = await startTestApp({ jobs: { concurrency: 2 } });
  // render_pdf jobs whose handler does nothing: only the worker's choices are tested.
  worker = new JobWorker(t.ctx, { render_pdf: async () => {} });
});
afterEach(async () => t.close());

async function queueJobs(count: number) {
  const now = t.clock.now();
  for (let i = 0; i < count; i++) {
    await t.ctx.db
      .insertInto('jobs')
      .values({ kind: 'render_pdf', payload: JSON.stringify({ orderId: i + 1 }), run_after: now, last_error: null, done_at: null, failed_at: null, created_at: now })
      .execute();
  }
}

const giveWay = { giveWayToCheckouts: true };

describe('follow-up jobs give way to checkouts', () => {
  it('start once checkouts have paused', async () => {
    await queueJobs(3);
    worker.wakeAfterCheckout();
    expect(await worker.runDue(giveWay)).toBe(0);
    t.clock.advance(CHECKOUT_PAUSE_MS);
    expect(await worker.runDue(giveWay)).toBe(3);
  });

  it('run one round at a time during a long rush, so they are slowed, never stopped', async () => {
    await queueJobs(5);
    let ran = 0;
    for (let elapsed = 0; elapsed <= MAX_GIVE_WAY_MS; elapsed += CHECKOUT_PAUSE_MS / 2) {
      worker.wakeAfterCheckout();
      ran += await worker.runDue(giveWay);
      t.clock.advance(CHECKOUT_PAUSE_MS / 2);
    }
    expect(ran).toBe(2); // one round of jobs.concurrency
  });

  it('are not held back when nobody is checking out, nor when run directly', async () => {
    await queueJobs(2);
    expect(await worker.runDue(giveWay)).toBe(2);
    await queueJobs(2);
    worker.wakeAfterCheckout();
    expect(await worker.runDue()).toBe(2);
  });
});
