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
