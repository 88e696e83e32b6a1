// Worker entry: TypeScript runs through tsx here too (no build step), as in bin/optovik.js.
import { register } from 'tsx/esm/api';

register();
await import('./read-worker.ts');
