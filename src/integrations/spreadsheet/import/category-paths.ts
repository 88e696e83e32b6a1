/**
 * Category paths of a spreadsheet ("Инструмент / Ручной / Молотки") → staged groups. Each step
 * is looked for among the stored categories under the step before (case ignored): a found one
 * is staged as it is stored (its key, parent, name, sort and visibility), so naming it changes
 * nothing; a missing one is new, keyed `cat:<path in lower case>`. A lone name not found at the
 * top is also looked for anywhere (a 1C price list's group rows name the leaf only).
 */
import type { GroupRecord } from '../../../catalog/import/index.js';

export interface StoredCategory {
  readonly id: number;
  readonly parent_id: number | null;
  readonly name: string;
  readonly sort: number;
  readonly hidden: number;
  readonly external_1c_id: string | null;
}

export function splitPath(path: string): string[] {
  return path
    .split('/')
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter((s) => s !== '');
}

export class CategoryPaths {
  private readonly byParent = new Map<number | null, StoredCategory[]>();
  private readonly resolved = new Map<string, string>();
  /** Stored categories without a key of ours yet: [id, the key they take]. */
  readonly adopt: Array<[number, string]> = [];

  constructor(
    private readonly stored: readonly StoredCategory[],
    private readonly stage: (group: GroupRecord) => void,
  ) {
    for (const c of stored) {
      const list = this.byParent.get(c.parent_id) ?? [];
      list.push(c);
      this.byParent.set(c.parent_id, list);
    }
  }

  /** The key of the path's last category (staging every step once), or null for an empty path. */
  extOf(path: string): string | null {
    const steps = splitPath(path);
    if (steps.length === 0) return null;
    const whole = steps.join(' / ').toLowerCase();
    const known = this.resolved.get(whole);
    if (known) return known;
    let parentId: number | null = null;
    let parentExt: string | null = null;
    let ext = '';
    let lost = false;
    for (const [i, step] of steps.entries()) {
      const key = steps.slice(0, i + 1).join(' / ').toLowerCase();
      let found: StoredCategory | null = null;
      if (!lost) {
        found = this.byParent.get(parentId)?.find((c) => c.name.toLowerCase() === step.toLowerCase()) ?? null;
        if (!found && steps.length === 1) found = this.stored.find((c) => c.name.toLowerCase() === step.toLowerCase()) ?? null;
      }
      if (found) {
        ext = found.external_1c_id ?? `cat:${found.id}`;
        if (!found.external_1c_id && !this.adopt.some(([id]) => id === found.id)) this.adopt.push([found.id, ext]);
        const storedParent = found.parent_id === null ? null : (this.stored.find((c) => c.id === found.parent_id) ?? null);
        const storedParentExt = storedParent ? (storedParent.external_1c_id ?? `cat:${storedParent.id}`) : null;
        if (storedParent && !storedParent.external_1c_id && !this.adopt.some(([id]) => id === storedParent.id))
          this.adopt.push([storedParent.id, storedParentExt as string]);
        if (!this.resolved.has(key)) this.stage({ ext, parentExt: storedParentExt, name: found.name, deleted: found.hidden === 1, sort: found.sort });
        parentId = found.id;
      } else {
        lost = true;
        ext = `cat:${key}`;
        if (!this.resolved.has(key)) this.stage({ ext, parentExt, name: step, deleted: false, sort: 0 });
      }
      this.resolved.set(key, ext);
      parentExt = ext;
    }
    return ext;
  }
}
