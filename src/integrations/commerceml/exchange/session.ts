/** What one 1C exchange session holds between requests, and the shape of protocol replies. */
import type { CatalogRun } from '../catalog/catalog-run.js';

export type ExchangeType = 'catalog' | 'sale';

export type Reply =
  | { readonly kind: 'text'; readonly lines: readonly string[] }
  | { readonly kind: 'xml'; readonly body: Buffer; readonly contentType: string }
  | { readonly kind: 'challenge' };

export const text = (...lines: string[]): Reply => ({ kind: 'text', lines });
export const failure = (message: string): Reply => text('failure', message);

export function xmlReply(doc: { body: Buffer; contentType: string }): Reply {
  return { kind: 'xml', body: doc.body, contentType: doc.contentType };
}

export type Phase = 'receiving' | 'applying' | 'photos' | 'done' | 'failed';

export interface Session {
  readonly id: string;
  readonly type: ExchangeType;
  readonly dir: string;
  lastSeen: number;
  /** Received files (relative names) and their sizes. */
  files: Map<string, number>;
  totalBytes: number;
  /** ZIP archives received and not yet unpacked. */
  archives: string[];
  /** ZIP archives already unpacked (their files are in `files`). */
  unpacked: Set<string>;
  runId: number | null;
  catalog: CatalogRun | null;
  phase: Phase;
  failure: string | null;
  /** type=sale: 1C gave `version` at init, so it will call `import` after `file`. */
  saleVersion: string | null;
  saleApplied: Set<string>;
  /** Files an earlier cycle of this session already imported (1C uploading file by file). */
  consumed: Set<string>;
  /** type=sale: the orders the last `query` sent, marked exported when `success` comes. */
  sent: { ids: number[]; at: number; runId: number } | null;
  busy: boolean;
  /** An admin's manual upload rather than 1C talking. */
  manual: boolean;
}

export function newSession(id: string, type: ExchangeType, dir: string, now: number): Session {
  return {
    id,
    type,
    dir,
    lastSeen: now,
    files: new Map(),
    totalBytes: 0,
    archives: [],
    unpacked: new Set(),
    runId: null,
    catalog: null,
    phase: 'receiving',
    failure: null,
    saleVersion: null,
    saleApplied: new Set(),
    consumed: new Set(),
    sent: null,
    busy: false,
    manual: false,
  };
}
