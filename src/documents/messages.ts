import { Eta } from 'eta';
import { join } from 'node:path';
import type { Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import type { AccessRequestRow, UserRow } from '../db/schema.js';
import { isLocale, type Translate, translator } from '../i18n/index.js';
import type { OutgoingMail, SentMail } from './mailer.js';

const eta = new Eta({ views: join(import.meta.dirname, '..', '..', 'templates', 'emails'), cache: true });

interface MailBody {
  greeting: string;
  paragraphs: string[];
  /** A table (an order's lines): the first row is the header. */
  table?: string[][];
  action?: { label: string; url: string };
  footer?: string;
}

/** One layout for every message; the plain-text part says the same as the HTML part. */
export function compose(t: Translate, siteName: string, body: MailBody): Pick<OutgoingMail, 'text' | 'html'> {
  const html = eta.render('layout', { ...body, siteName, linkFallback: t('mail.linkFallback') });
  const text = [
    body.greeting,
    '',
    ...body.paragraphs.flatMap((p) => [p, '']),
    ...(body.table ? [...body.table.map((row) => row.join(' | ')), ''] : []),
    ...(body.action ? [`${body.action.label}: ${body.action.url}`, ''] : []),
    ...(body.footer ? [body.footer, ''] : []),
    '--',
    siteName,
  ].join('\n');
  return { html, text };
}

export function recipientLocale(ctx: AppContext, locale: string | null | undefined): Locale {
  return isLocale(locale) ? locale : ctx.config.site.defaultLocale;
}

export function link(ctx: AppContext, path: string): string {
  return `${ctx.config.server.publicUrl}${path}`;
}

/** Who a message goes to; the greeting names them, their language writes it. */
export interface Addressee {
  email: string;
  name: string;
  locale: string | null;
}

/** A message's subject and body (after the greeting), written with the addressee's translator. */
export interface Written {
  subject: string;
  body: Omit<MailBody, 'greeting'>;
  attachments?: OutgoingMail['attachments'];
}

/** Every message to a person leaves through here: greeted by name, in their language, in one layout. */
export async function sendMessage(ctx: AppContext, to: Addressee, write: (t: Translate, site: string) => Written): Promise<SentMail> {
  const t = translator(recipientLocale(ctx, to.locale));
  const site = ctx.config.site.name;
  const { subject, body, attachments } = write(t, site);
  return ctx.mailer.send({
    to: to.email,
    subject,
    ...compose(t, site, { greeting: t('mail.greeting', { name: to.name }), ...body }),
    ...(attachments ? { attachments } : {}),
  });
}

export async function sendInvitation(ctx: AppContext, user: UserRow, token: string): Promise<SentMail> {
  return sendMessage(ctx, user, (t, site) => ({
    subject: t('mail.inviteSubject', { site }),
    body: {
      paragraphs: [t('mail.inviteText', { site, days: ctx.config.auth.inviteLinkDays })],
      action: { label: t('mail.inviteButton'), url: link(ctx, `/invite/${token}`) },
      footer: t('mail.ignore'),
    },
  }));
}

export async function sendPasswordReset(ctx: AppContext, user: UserRow, token: string): Promise<SentMail> {
  return sendMessage(ctx, user, (t, site) => ({
    subject: t('mail.resetSubject', { site }),
    body: {
      paragraphs: [t('mail.resetText', { hours: ctx.config.auth.resetLinkHours })],
      action: { label: t('mail.resetButton'), url: link(ctx, `/reset-password/${token}`) },
      footer: t('mail.ignore'),
    },
  }));
}

export async function sendAccessRequestNotice(ctx: AppContext, admin: UserRow, request: AccessRequestRow): Promise<SentMail> {
  return sendMessage(ctx, admin, (t) => ({
    // Never the applicant's words in the subject: the form is anonymous, and a subject of the
    // attacker's choosing sent from the portal's own address is a phishing relay.
    subject: t('mail.requestSubject', { site: ctx.config.site.name, id: request.id }),
    body: {
      paragraphs: [
        t('mail.requestText', { contact: request.contact_name, email: request.email, company: request.company_name, inn: request.inn }),
        ...(request.message ? [request.message] : []),
      ],
      action: { label: t('mail.requestButton'), url: link(ctx, '/admin/access-requests') },
    },
  }));
}

export async function sendAccessDeclined(ctx: AppContext, request: AccessRequestRow): Promise<SentMail> {
  const applicant = { email: request.email, name: request.contact_name, locale: request.locale };
  return sendMessage(ctx, applicant, (t, site) => ({
    subject: t('mail.declinedSubject', { site }),
    body: { paragraphs: [t('mail.declinedText', { company: request.company_name })] },
  }));
}
