/**
 * Schemas every API route shares. Each route's own schemas live next to the route; together
 * they validate what comes in, serialize what goes out, and are the OpenAPI document.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { PROBLEM_TYPES } from './problems.js';

/**
 * `T | null` written as a type list (`type: ['string', 'null']`), which OpenAPI 3.1 reads as
 * JSON Schema and the response serializer handles without trying the alternatives one by one.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const base = schema as unknown as { type?: string } & Record<string, unknown>;
  if (typeof base.type !== 'string') throw new Error('Nullable needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...base, type: [base.type, 'null'] });
}

/** One of these strings (`{ type: 'string', enum: [...] }`). */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const Decimal = Type.String({
  pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]{1,3})?$',
  description: 'A decimal number as a string, at most 3 decimals (quantities can be fractional: 1.5 m).',
  examples: ['10', '1.5'],
});

export const Money = Type.Object(
  {
    kopecks: Type.Integer({ description: 'Integer kopecks (1/100 of a rouble).' }),
    formatted: Type.String({
      description: 'The same amount written for people, in the language of Accept-Language.',
      examples: ['1 234,50 ₽'],
    }),
  },
  { description: 'Money: exact integer kopecks plus a formatted string.' },
);

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC.' });

export const ProblemItem = Type.Object({
  pointer: Type.Optional(
    Type.String({ description: 'JSON Pointer into the request body (RFC 6901), e.g. "/lines/3/quantity".' }),
  ),
  parameter: Type.Optional(Type.String({ description: 'The query, path or header parameter at fault.' })),
  code: Type.String({ description: 'Stable code of the fault, e.g. "required", "stock", "unknown_product".' }),
  detail: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'For order lines: the index in `lines`, from 0.' })),
  sku: Type.Optional(Type.String()),
  barcode: Type.Optional(Type.String()),
  suggestion: Type.Optional(Type.String({ description: 'The nearest quantity that would be accepted.' })),
  available: Type.Optional(Type.String({ description: 'The stock there is.' })),
});

export const Problem = Type.Object(
  {
    type: Type.String({
      format: 'uri-reference',
      description: 'Stable identifier of the kind of problem; a page under /api/problems/ explains it.',
    }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(ProblemItem, { description: 'Each field or order line at fault (at most 100).' })),
  },
  { description: 'RFC 9457 problem details.' },
);

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request: not JSON, or fields that do not match the schema',
  401: 'No token, or a token that does not work',
  403: 'The token lacks the scope this needs',
  404: 'Not found (another company’s object is "not found" too)',
  409: 'A request with the same Idempotency-Key is still in progress',
  413: 'Request body too large',
  415: 'Content-Type is not application/json',
  422: 'Understood but refused (see type and errors[])',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Internal error',
  503: 'Temporarily unavailable',
};

/** Response schemas for the given error statuses, as application/problem+json. */
export function problemResponses(...statuses: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const status of statuses) {
    const types = Object.entries(PROBLEM_TYPES)
      .filter(([, spec]) => spec.status === status)
      .map(([name]) => name);
    out[status] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}. Problem types: ${types.join(', ')}.`,
      content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
    };
  }
  return out;
}

/** Errors any authenticated route may answer. */
export const COMMON_ERRORS = [400, 401, 403, 404, 429, 500] as const;

export const CompanyHeader = Type.Object({
  'optovik-company': Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,12}$',
      description:
        'Managers: the number of the company to act for (one of the companies assigned to them). Buyers may leave it out.',
    }),
  ),
});

export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Items per page, 1–500.' });
export const Cursor = Type.String({ maxLength: 200, description: 'next_cursor of the previous page, as it was given.' });

/** Cursors are opaque to clients: base64url JSON, checked when read back. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
