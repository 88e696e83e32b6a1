import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

export interface CategoryNode {
  id: number;
  parentId: number | null;
  name: string;
  children: CategoryNode[];
}

export class CategoryTree {
  readonly roots: CategoryNode[] = [];
  private readonly byId = new Map<number, CategoryNode>();

  constructor(rows: readonly { id: number; parent_id: number | null; name: string }[]) {
    for (const row of rows) this.byId.set(row.id, { id: row.id, parentId: row.parent_id, name: row.name, children: [] });
    for (const node of this.byId.values()) {
      const parent = node.parentId === null ? undefined : this.byId.get(node.parentId);
      // A category whose parent is hidden or gone is shown at the top rather than lost.
      (parent ? parent.children : this.roots).push(node);
    }
  }

  get(id: number): CategoryNode | undefined {
    return this.byId.get(id);
  }

  /** The category and everything below it: a category page lists the whole branch. */
  branchIds(id: number): number[] {
    const out: number[] = [];
    const stack = [this.byId.get(id)].filter((n): n is CategoryNode => n !== undefined);
    while (stack.length) {
      const node = stack.pop() as CategoryNode;
      out.push(node.id);
      stack.push(...node.children);
    }
    return out;
  }

  /** From the top down to the category, for breadcrumbs. */
  path(id: number): CategoryNode[] {
    const out: CategoryNode[] = [];
    const seen = new Set<number>();
    let node = this.byId.get(id);
    while (node && !seen.has(node.id)) {
      seen.add(node.id);
      out.unshift(node);
      node = node.parentId === null ? undefined : this.byId.get(node.parentId);
    }
    return out;
  }
}

/** The last tree read (ctx.categoryCache), and what it was read for. */
export class CategoryTreeCache {
  entry: { fingerprint: string; generation: number | null; tree: CategoryTree } | null = null;
}

/**
 * The visible category tree. With a cache it is rebuilt only when the categories change: while
 * the catalog generation (catalog/generation.ts) holds, not even the fingerprint query runs;
 * without one, a cheap fingerprint query instead of loading every row on every catalog page.
 */
export async function loadCategoryTree(
  db: Kysely<DB>,
  using?: { cache: CategoryTreeCache; generation?: number | null },
): Promise<CategoryTree> {
  if (using === undefined) return new CategoryTree(await visibleCategories(db));
  const generation = using.generation;
  const cached = using.cache.entry;
  if (cached && generation != null && cached.generation === generation) return cached.tree;
  const { fingerprint } = await sql<{
    fingerprint: string;
  }>`select count(*) || ':' || coalesce(max(updated_at), 0) || ':' || coalesce(sum(id * (hidden + 1) + coalesce(parent_id, 0)), 0) as fingerprint from categories`
    .execute(db)
    .then((r) => r.rows[0] ?? { fingerprint: '' });
  if (cached?.fingerprint === fingerprint) {
    cached.generation = generation ?? null;
    return cached.tree;
  }
  const tree = new CategoryTree(await visibleCategories(db));
  using.cache.entry = { fingerprint, generation: generation ?? null, tree };
  return tree;
}

function visibleCategories(db: Kysely<DB>) {
  return db
    .selectFrom('categories')
    .select(['id', 'parent_id', 'name'])
    .where('hidden', '=', 0)
    .orderBy('sort')
    .orderBy('name')
    .execute();
}
