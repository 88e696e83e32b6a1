import type { FastifyMultipartBaseOptions, Multipart, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.js';

/** A multipart upload read up to its first file, to be continued by the handler. */
export interface PendingUpload {
  parts: AsyncIterableIterator<Multipart>;
  first: MultipartFile | null;
}

const pendingUploads = new WeakMap<FastifyRequest, PendingUpload>();

/** A multipart parsing failure as the page the person sees: 413 for too large, else 400. */
export function multipartError(error: unknown): Error {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return new HttpError(413, (error as Error).message);
  return new HttpError(400, error instanceof Error ? error.message : 'bad multipart body');
}

/**
 * A preValidation step for upload forms: reads the fields sent before the first file (the
 * form puts `_csrf` first) into request.body, so the CSRF check and role checks run before a
 * single byte of the file is read; the file stays in the stream for the handler
 * (`pendingUpload`).
 */
export async function readFieldsBeforeFirstFile(request: FastifyRequest, options: FastifyMultipartBaseOptions): Promise<void> {
  if (!request.isMultipart()) return;
  const parts = request.parts(options);
  const fields: Record<string, string> = {};
  let first: MultipartFile | null = null;
  try {
    for (;;) {
      const next = await parts.next();
      if (next.done) break;
      if (next.value.type === 'file') {
        first = next.value;
        break;
      }
      if (typeof next.value.value === 'string') fields[next.value.fieldname] = next.value.value;
    }
  } catch (error) {
    throw multipartError(error);
  }
  request.body = fields;
  pendingUploads.set(request, { parts, first });
}

export function pendingUpload(request: FastifyRequest): PendingUpload | undefined {
  return pendingUploads.get(request);
}

/**
 * The next part of a pending upload, or null at the end. Parser failures are the request's fault
 * (4xx); more files than allowed ends the upload (null) when `onFilesLimit` takes it, else fails.
 */
export async function nextPart(pending: PendingUpload | undefined, onFilesLimit?: () => void): Promise<Multipart | null> {
  if (!pending) return null;
  try {
    const next = await pending.parts.next();
    return next.done ? null : next.value;
  } catch (error) {
    if (onFilesLimit && (error as { code?: string }).code === 'FST_FILES_LIMIT') {
      onFilesLimit();
      return null;
    }
    throw multipartError(error);
  }
}

/** A file part read whole (it was limited to fileSize by the parser: see `file.truncated`). */
export async function readFilePart(part: MultipartFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of part.file) chunks.push(chunk as Buffer);
  } catch (error) {
    throw multipartError(error);
  }
  return Buffer.concat(chunks);
}

/** An uploaded file's name as messages show it: only ever text (never a path), long names cut. */
export function shownName(filename: string): string {
  const name = filename.trim() || '—';
  return name.length > 80 ? `${name.slice(0, 77)}…` : name;
}

/**
 * Reads the rest of an upload whose file the handler has read: fields sent after the file (a form
 * laid out differently) join `fields`; further files are skipped, a files limit ends it quietly.
 */
export async function readFieldsAfterFile(pending: PendingUpload | undefined, fields: Record<string, string>): Promise<void> {
  const stop = () => {};
  for (let part = await nextPart(pending, stop); part; part = await nextPart(pending, stop)) {
    if (part.type === 'field' && typeof part.value === 'string') fields[part.fieldname] = part.value;
    else if (part.type === 'file') part.file.resume();
  }
}
