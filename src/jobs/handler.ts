import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';

/**
 * Does one job. Its payload type is the job kind's payload (jobs/registry.ts derives the kinds
 * from the handlers). Throwing means "try again later": the worker retries with growing waits
 * until jobs.max_attempts, then marks the job failed for an admin to see. A handler that mails
 * records whom it mailed (sent_mails), so a retry never mails anyone twice.
 */
export type JobHandler<Payload> = (ctx: AppContext, payload: Payload, job: JobRow) => Promise<void>;
