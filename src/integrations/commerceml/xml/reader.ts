/**
 * The one streaming XML reader for CommerceML files. 1C writes files of hundreds of megabytes,
 * so nothing here holds a whole document: bytes are decoded chunk by chunk and only the
 * elements a visitor asks for (a Товар, a Предложение, a Документ) are kept as small trees.
 *
 * Tolerance and safety rules from the exchange spec: a BOM is skipped, the declared encoding is
 * honoured (UTF-8 or windows-1251), namespaces and prefixes are ignored (elements are matched
 * by local name), and any DOCTYPE is refused — CommerceML never needs one, and refusing it
 * closes the door on entity expansion and external entities.
 */
import { open } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

export interface XmlNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  /** Concatenated text and CDATA directly inside this element, untrimmed. */
  text: string;
  readonly children: XmlNode[];
  readonly line: number;
}

export interface XmlVisitor {
  /**
   * A start tag. `path` holds the local names of the ancestors, root first. Return true to get
   * the element with its whole subtree in node() at its end tag (its descendants are then not
   * reported to open/close).
   */
  open(name: string, attrs: Record<string, string>, path: readonly string[], line: number): boolean | undefined;
  node?(node: XmlNode, path: readonly string[]): void;
  close?(name: string, path: readonly string[]): void;
}

/** A document that is not well-formed, or that we refuse to read; line is 1-based. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

/** Bounds on one collected element, so a hostile file cannot build a huge tree in memory. */
const MAX_COLLECTED_NODES = 200_000;
const MAX_COLLECTED_TEXT = 4 * 1024 * 1024;

const BOM_UTF8 = [0xef, 0xbb, 0xbf];

/** The encoding of a document from its first bytes: BOM, then the XML declaration, else UTF-8. */
export function sniffEncoding(head: Uint8Array): { encoding: 'utf-8' | 'windows-1251'; bomLength: number } {
  if (head[0] === BOM_UTF8[0] && head[1] === BOM_UTF8[1] && head[2] === BOM_UTF8[2]) return { encoding: 'utf-8', bomLength: 3 };
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new XmlError('UTF-16 files are not supported: save the file as UTF-8 or windows-1251', 1);
  }
  const declaration = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(Buffer.from(head.subarray(0, 200)).toString('latin1'));
  const label = declaration?.[1]?.toLowerCase() ?? 'utf-8';
  if (label === 'utf-8' || label === 'utf8') return { encoding: 'utf-8', bomLength: 0 };
  if (label === 'windows-1251' || label === 'cp1251' || label === 'cp-1251' || label === 'win-1251') return { encoding: 'windows-1251', bomLength: 0 };
  throw new XmlError(`unsupported encoding "${declaration?.[1]}" (expected UTF-8 or windows-1251)`, 1);
}

/** Feeds decoded text to saxes and turns its events into visitor calls. */
class XmlPump {
  private readonly parser = new SaxesParser({ xmlns: false, position: true });
  private readonly path: string[] = [];
  /** Open elements of the subtree being collected, innermost last. */
  private readonly collecting: XmlNode[] = [];
  private collectedNodes = 0;
  private collectedText = 0;
  private failure: Error | null = null;
  private decoder: TextDecoder | null = null;
  private started = false;

  constructor(private readonly visitor: XmlVisitor) {
    const p = this.parser;
    p.on('doctype', () => this.fail('DOCTYPE declarations are not allowed in CommerceML files'));
    p.on('opentag', (tag) => this.guard(() => this.onOpen(tag)));
    p.on('closetag', (tag) => this.guard(() => this.onClose(tag)));
    p.on('text', (text) => this.onText(text));
    p.on('cdata', (text) => this.onText(text));
    p.on('error', (err) => {
      throw new XmlError(cleanSaxesMessage(err.message), this.parser.line);
    });
  }

  get line(): number {
    return this.parser.line;
  }

  write(bytes: Uint8Array): void {
    let chunk = bytes;
    if (!this.started) {
      this.started = true;
      const { encoding, bomLength } = sniffEncoding(bytes);
      this.decoder = new TextDecoder(encoding, { fatal: true });
      chunk = bytes.subarray(bomLength);
    }
    this.feed(this.decode(chunk, true));
  }

  end(): void {
    if (!this.started) throw new XmlError('the file is empty', 1);
    this.feed(this.decode(new Uint8Array(0), false));
    try {
      this.parser.close();
    } catch (err) {
      throw this.asXmlError(err);
    }
    this.rethrow();
    if (this.path.length > 0) throw new XmlError(`the file ends inside <${this.path.at(-1)}>: it was cut short`, this.parser.line);
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    try {
      return (this.decoder as TextDecoder).decode(bytes, { stream });
    } catch {
      throw new XmlError('the file is not valid UTF-8 (was it saved in another encoding?)', this.parser.line);
    }
  }

  private feed(text: string): void {
    if (text.length === 0) return;
    try {
      this.parser.write(text);
    } catch (err) {
      throw this.asXmlError(err);
    }
    this.rethrow();
  }

  private asXmlError(err: unknown): Error {
    if (this.failure) return this.failure;
    if (err instanceof XmlError) return err;
    if (err instanceof Error && /^.*:\d+:\d+: /.test(err.message)) return new XmlError(cleanSaxesMessage(err.message), this.parser.line);
    return err instanceof Error ? err : new Error(String(err));
  }

  private rethrow(): void {
    if (this.failure) throw this.failure;
  }

  private fail(message: string): void {
    throw new XmlError(message, this.parser.line);
  }

  /** Visitor errors keep the line they happened at. */
  private guard(fn: () => void): void {
    if (this.failure) return;
    try {
      fn();
    } catch (err) {
      this.failure = err instanceof XmlError ? err : withLine(err, this.parser.line);
      throw this.failure;
    }
  }

  private onOpen(tag: SaxesTagPlain): void {
    const name = localName(tag.name);
    const attrs = localAttributes(tag.attributes as Record<string, string>);
    const parent = this.collecting.at(-1);
    if (parent) {
      if (++this.collectedNodes > MAX_COLLECTED_NODES) this.fail(`<${this.collecting[0]?.name}> is too large (more than ${MAX_COLLECTED_NODES} elements)`);
      const node: XmlNode = { name, attrs, text: '', children: [], line: this.parser.line };
      parent.children.push(node);
      this.collecting.push(node);
    } else if (this.visitor.open(name, attrs, this.path, this.parser.line) === true) {
      this.collectedNodes = 1;
      this.collectedText = 0;
      this.collecting.push({ name, attrs, text: '', children: [], line: this.parser.line });
    }
    this.path.push(name);
  }

  private onClose(tag: SaxesTagPlain): void {
    this.path.pop();
    const node = this.collecting.pop();
    if (node && this.collecting.length === 0) this.visitor.node?.(node, this.path);
    else if (!node) this.visitor.close?.(localName(tag.name), this.path);
  }

  private onText(text: string): void {
    const node = this.collecting.at(-1);
    if (!node) return;
    this.collectedText += text.length;
    if (this.collectedText > MAX_COLLECTED_TEXT) this.guard(() => this.fail(`<${this.collecting[0]?.name}> holds too much text`));
    node.text += text;
  }
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** Most CommerceML elements carry no attributes: they share one empty object. */
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

function localAttributes(attributes: Record<string, string>): Record<string, string> {
  let result: Record<string, string> | null = null;
  for (const key in attributes) {
    result ??= {};
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    result[localName(key)] = attributes[key] as string;
  }
  return result ?? NO_ATTRIBUTES;
}

/** saxes prefixes messages with "undefined:12:5: "; our errors carry the line separately. */
function cleanSaxesMessage(message: string): string {
  return message.replace(/^(?:[^:]*:)?\d+:\d+: /, '');
}

function withLine(err: unknown, line: number): Error {
  if (err instanceof Error) {
    const error = new XmlError(err.message, line);
    error.stack = err.stack;
    return error;
  }
  return new XmlError(String(err), line);
}

/** Parses a document held in memory (order files, small uploads, tests). */
export function parseXmlBuffer(bytes: Uint8Array, visitor: XmlVisitor): void {
  const pump = new XmlPump(visitor);
  pump.write(bytes);
  pump.end();
}

/**
 * Bytes read and parsed at a time. Small on purpose: each chunk becomes a decoded string and a
 * burst of short-lived parser garbage, and at 64 KiB the process stays ~150 MB smaller while
 * reading a 400 MB package than at 1 MiB, for the same CPU time.
 */
const CHUNK_BYTES = 64 * 1024;

/**
 * A file being read in time-boxed slices: 1C's `mode=import` asks again while we answer
 * `progress`, so one call may read for a few seconds and the next call carries on. Awaiting
 * each read also gives other requests their turn between chunks.
 */
export class XmlFileCursor {
  private readonly pump: XmlPump;
  private handle: Awaited<ReturnType<typeof open>> | null = null;
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private position = 0;
  private total = 0;
  private finished = false;

  constructor(
    readonly file: string,
    visitor: XmlVisitor,
  ) {
    this.pump = new XmlPump(visitor);
  }

  get done(): boolean {
    return this.finished;
  }

  get line(): number {
    return this.pump.line;
  }

  progress(): { bytes: number; total: number } {
    return { bytes: this.position, total: this.total };
  }

  /**
   * Reads until the file ends (true) or `deadline` (ms since epoch) passes (false).
   * `afterChunk` runs after each chunk, e.g. to write what the visitor gathered from it.
   */
  async run(deadline: number, afterChunk?: () => Promise<void>, now: () => number = Date.now): Promise<boolean> {
    if (this.finished) return true;
    try {
      if (!this.handle) {
        this.handle = await open(this.file, 'r');
        this.total = (await this.handle.stat()).size;
      }
      do {
        const { bytesRead } = await this.handle.read(this.buffer, 0, CHUNK_BYTES, this.position);
        if (bytesRead === 0) {
          this.pump.end();
          await afterChunk?.();
          this.finished = true;
          await this.close();
          return true;
        }
        this.position += bytesRead;
        this.pump.write(this.buffer.subarray(0, bytesRead));
        await afterChunk?.();
      } while (now() < deadline);
      return false;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

/** Reads a whole file (bench baseline, manual uploads, tests). */
export async function parseXmlFile(file: string, visitor: XmlVisitor): Promise<void> {
  const cursor = new XmlFileCursor(file, visitor);
  await cursor.run(Number.POSITIVE_INFINITY);
}
