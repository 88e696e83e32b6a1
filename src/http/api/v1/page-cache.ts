/**
 * Serialized answers of the product list, valid for one catalog generation (catalog/generation.ts):
 * a buyer's system reads the same pages again and again (sync jobs, several users of one ERP),
 * and building a page of 100 products at the company's prices costs a query, pricing and
 * serialization that an unchanged catalog does not need to pay twice. Keys hold everything the
 * bytes depend on (prices, locale, the request's query); any catalog write drops them all.
 * Bounded in bytes, not entries: a page of 500 products is ~250 KB.
 */
export class PageCache {
  private readonly entries = new Map<string, string>();
  private generation: number | null = null;
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(key: string, generation: number | null): string | undefined {
    if (generation === null || generation !== this.generation) return undefined;
    return this.entries.get(key);
  }

  set(key: string, generation: number | null, body: string): void {
    // Generations only grow: an answer begun before the last change is not kept.
    if (generation === null || (this.generation !== null && generation < this.generation)) return;
    if (generation !== this.generation) {
      this.entries.clear();
      this.bytes = 0;
      this.generation = generation;
    }
    if (body.length * 2 > this.maxBytes / 8) return;
    if (this.bytes + body.length * 2 > this.maxBytes) {
      this.entries.clear();
      this.bytes = 0;
    }
    this.entries.set(key, body);
    this.bytes += body.length * 2;
  }
}
