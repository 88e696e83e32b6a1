#!/usr/bin/env node
// `npm run bench -- <name>` runs bench/<name>.ts; its last output line is one JSON object.
import { readdirSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const available = readdirSync(new URL('../bench/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}>   (BENCH_SCALE=0.1 for a small run)`);
  process.exit(2);
}
await import(`../bench/${name}.ts`);
