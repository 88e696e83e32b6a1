import { afterAll } from 'vitest';
import { removeTempDirs } from '../temp-dirs.js';

// Folders from tempDir() go when their test file ends, passed or failed.
afterAll(() => removeTempDirs());
