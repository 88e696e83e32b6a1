/**
 * The one door to the catalog import's staging tables. They are TEMP tables of the process's one
 * SQLite connection (staging.ts), so two readers staging at once would wipe each other's rows:
 * only one reader — a MoySklad sync, a 1C exchange, a spreadsheet import — may use them at a time.
 *
 * A reader whose work fits in one call acquires the gate with its name and releases it in a
 * finally (`run(reader, fn)` does both). The 1C exchange holds its staging across many HTTP
 * requests of a session, so it registers a probe instead ("is a catalog session of mine open?"),
 * and asks `refusal('1c')` before it opens one. Whoever finds the gate taken is refused with a
 * message that names who holds it; nothing of theirs was staged or changed.
 *
 * Held by the AppContext (ctx.importGate): one per process, as the connection is.
 */

export type ImportReader = 'moysklad' | '1c' | 'spreadsheet' | 'hand';

const HOLDER_MESSAGES: Record<ImportReader, string> = {
  moysklad: 'A MoySklad sync is using the catalog import right now; try again in a minute',
  '1c': 'An exchange with 1C is using the catalog import right now; try again when it has finished',
  spreadsheet: 'A spreadsheet import is using the catalog import right now; try again in a minute',
  hand: 'An edit made by hand is being saved right now; try again in a moment',
};

/** The gate was taken: `holder` is who has it, the message says so in words. */
export class ImportBusyError extends Error {
  constructor(readonly holder: ImportReader) {
    super(HOLDER_MESSAGES[holder]);
    this.name = 'ImportBusyError';
  }
}

export class ImportGate {
  private held: ImportReader | null = null;
  private readonly probes = new Map<ImportReader, () => boolean>();

  /** A reader whose runs outlive one call (the 1C exchange) says when it is busy. */
  probe(reader: ImportReader, busy: () => boolean): void {
    this.probes.set(reader, busy);
  }

  /** Who uses the staging tables now, leaving `asker` itself out; null when nobody does. */
  holder(asker?: ImportReader): ImportReader | null {
    if (this.held !== null && this.held !== asker) return this.held;
    for (const [reader, busy] of this.probes) if (reader !== asker && busy()) return reader;
    return null;
  }

  /** Why `asker` may not start now (the message names the holder), or null when it may. */
  refusal(asker: ImportReader): string | null {
    const holder = this.holder(asker);
    return holder === null ? null : HOLDER_MESSAGES[holder];
  }

  /** Takes the gate for `reader`; throws ImportBusyError naming the holder. Call the returned function to release it. */
  acquire(reader: ImportReader): () => void {
    const holder = this.holder();
    if (holder !== null) throw new ImportBusyError(holder);
    this.held = reader;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.held === reader) this.held = null;
    };
  }

  /** `fn` with the gate held by `reader`, released however it ends. */
  async run<T>(reader: ImportReader, fn: () => Promise<T>): Promise<T> {
    const release = this.acquire(reader);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
