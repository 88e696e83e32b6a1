import { describe, expect, it } from 'vitest';
import { GenerationCache } from '../src/db/generation-cache.js';

describe('a generation cache', () => {
  it('serves a value only in the generation it was read in', () => {
    const cache = new GenerationCache<string>();
    cache.set('a', 1, 'one');
    expect(cache.get('a', 1)).toBe('one');
    expect(cache.get('a', 2)).toBeUndefined();
    // Back at the old generation after a newer one was seen: nothing of it is kept.
    expect(cache.get('a', 1)).toBeUndefined();
  });

  it('drops a value read before a write that another request has already seen', () => {
    const cache = new GenerationCache<string>();
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 2)).toBeUndefined(); // a write moved the generation meanwhile
    cache.set('a', 1, 'stale');
    expect(cache.get('a', 2)).toBeUndefined();
  });

  it('keeps nothing without a generation, and stays within its bound', () => {
    const cache = new GenerationCache<number>(3);
    cache.set('x', null, 1);
    expect(cache.get('x', null)).toBeUndefined();
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, 5, i);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((i) => cache.get(`k${i}`, 5) !== undefined).length).toBeLessThanOrEqual(3);
    expect(cache.get('k9', 5)).toBe(9);
  });
});
