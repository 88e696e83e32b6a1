import { sendAccessDeclinedJob, sendAccessRequestNoticeJob, sendInvitationJob, sendPasswordResetJob } from '../accounts/mail-jobs.js';
import { renderPdfJob, sendOrderMailJob, sendStatusMailJob } from '../documents/order-jobs.js';
import { deliverWebhookJob } from '../integrations/webhooks/deliver.js';
import { moyskladSyncJob } from '../integrations/moysklad/jobs.js';
import { exportOrderJob } from '../orders/export.js';
import type { JobHandler } from './handler.js';

/**
 * Every kind of job, with its handler; the handler's payload type is the kind's payload, so
 * `outbox.enqueue(tx, kind, payload)` takes exactly what the handler will get. Adding a kind is
 * one line here and a handler (typed JobHandler<ItsPayload>) in the folder of the part that
 * queues it — documents/, orders/, an integration's own folder.
 */
export const JOB_HANDLERS = {
  render_pdf: renderPdfJob,
  send_order_mail: sendOrderMailJob,
  send_status_mail: sendStatusMailJob,
  export_order: exportOrderJob,
  moysklad_sync: moyskladSyncJob,
  send_invitation: sendInvitationJob,
  send_password_reset: sendPasswordResetJob,
  send_access_request_notice: sendAccessRequestNoticeJob,
  send_access_declined: sendAccessDeclinedJob,
  deliver_webhook: deliverWebhookJob,
} satisfies Record<string, JobHandler<never>>;

export type JobKind = keyof typeof JOB_HANDLERS;
export type JobPayload<K extends JobKind> = (typeof JOB_HANDLERS)[K] extends JobHandler<infer P> ? P : never;
export type JobHandlers = { readonly [K in JobKind]: JobHandler<JobPayload<K>> };

export function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(JOB_HANDLERS, kind);
}
