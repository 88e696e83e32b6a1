/**
 * Errors of the REST API as RFC 9457 problem details (application/problem+json). Every kind of
 * error has a stable `type` (a URI reference under /api/problems/, which serves a page saying
 * what it means), its HTTP status and a title; `detail` says what happened this time, and
 * `errors[]` names each field or order line at fault.
 */
import type { MessageKey, Params, Translate } from '../../i18n/index.js';

export const PROBLEM_TYPES = {
  'malformed-json': { status: 400, title: 'api.titleMalformedJson', about: 'api.aboutMalformedJson' },
  validation: { status: 400, title: 'api.titleValidation', about: 'api.aboutValidation' },
  'invalid-cursor': { status: 400, title: 'api.titleInvalidCursor', about: 'api.aboutInvalidCursor' },
  'invalid-parameters': { status: 400, title: 'api.titleInvalidParameters', about: 'api.aboutInvalidParameters' },
  'idempotency-key-missing': { status: 400, title: 'api.titleIdempotencyKeyMissing', about: 'api.aboutIdempotencyKeyMissing' },
  'idempotency-key-invalid': { status: 400, title: 'api.titleIdempotencyKeyInvalid', about: 'api.aboutIdempotencyKeyInvalid' },
  'company-required': { status: 400, title: 'api.titleCompanyRequired', about: 'api.aboutCompanyRequired' },
  unauthorized: { status: 401, title: 'api.titleUnauthorized', about: 'api.aboutUnauthorized' },
  'insufficient-scope': { status: 403, title: 'api.titleInsufficientScope', about: 'api.aboutInsufficientScope' },
  'not-found': { status: 404, title: 'api.titleNotFound', about: 'api.aboutNotFound' },
  'company-not-found': { status: 404, title: 'api.titleCompanyNotFound', about: 'api.aboutCompanyNotFound' },
  'idempotency-key-in-use': { status: 409, title: 'api.titleIdempotencyKeyInUse', about: 'api.aboutIdempotencyKeyInUse' },
  'body-too-large': { status: 413, title: 'api.titleBodyTooLarge', about: 'api.aboutBodyTooLarge' },
  'unsupported-media-type': { status: 415, title: 'api.titleUnsupportedMediaType', about: 'api.aboutUnsupportedMediaType' },
  'idempotency-key-reused': { status: 422, title: 'api.titleIdempotencyKeyReused', about: 'api.aboutIdempotencyKeyReused' },
  'order-lines-refused': { status: 422, title: 'api.titleOrderLinesRefused', about: 'api.aboutOrderLinesRefused' },
  'legal-entity-unknown': { status: 422, title: 'api.titleLegalEntityUnknown', about: 'api.aboutLegalEntityUnknown' },
  'price-changed': { status: 422, title: 'api.titlePriceChanged', about: 'api.aboutPriceChanged' },
  'credit-limit': { status: 422, title: 'api.titleCreditLimit', about: 'api.aboutCreditLimit' },
  'rate-limited': { status: 429, title: 'api.titleRateLimited', about: 'api.aboutRateLimited' },
  'pdf-unavailable': { status: 503, title: 'api.titlePdfUnavailable', about: 'api.aboutPdfUnavailable' },
  'storage-unavailable': { status: 503, title: 'api.titleStorageUnavailable', about: 'api.aboutStorageUnavailable' },
  internal: { status: 500, title: 'api.titleInternal', about: 'api.aboutInternal' },
} as const satisfies Record<string, { status: number; title: MessageKey; about: MessageKey }>;

export type ProblemType = keyof typeof PROBLEM_TYPES;

export const PROBLEM_BASE = '/api/problems/';

/** One field or line at fault. `pointer` is a JSON Pointer into the request body (RFC 6901). */
export interface ProblemItem {
  pointer?: string;
  /** A query, path or header parameter at fault. */
  parameter?: string;
  /** A stable code for the kind of fault (e.g. "required", "stock", "unknown_product"). */
  code: string;
  detail: string;
  /** For order lines: the line's index in `lines` (from 0) and what it named. */
  line?: number;
  sku?: string;
  barcode?: string;
  /** For quantity problems: the nearest quantity that would be accepted (decimal string). */
  suggestion?: string;
  /** For stock problems: what there is (decimal string). */
  available?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemItem[];
}

/** Thrown by API handlers; the API's error handler turns it into the response. */
export class ApiProblem extends Error {
  constructor(
    readonly problem: ProblemType,
    readonly options: {
      detail?: { key: MessageKey; params?: Params } | string;
      errors?: ProblemItem[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(problem);
  }

  get statusCode(): number {
    return PROBLEM_TYPES[this.problem].status;
  }
}

/** At most this many items are listed; the detail still counts them all. */
const MAX_ITEMS = 100;

export function problemBody(
  t: Translate,
  problem: ProblemType,
  options: ApiProblem['options'] = {},
  instance?: string,
): ProblemBody {
  const spec = PROBLEM_TYPES[problem];
  const detail =
    options.detail === undefined
      ? undefined
      : typeof options.detail === 'string'
        ? options.detail
        : t(options.detail.key, options.detail.params);
  return {
    type: `${PROBLEM_BASE}${problem}`,
    title: t(spec.title),
    status: spec.status,
    ...(detail !== undefined ? { detail } : {}),
    ...(instance !== undefined ? { instance } : {}),
    ...(options.errors && options.errors.length > 0 ? { errors: options.errors.slice(0, MAX_ITEMS) } : {}),
  };
}
