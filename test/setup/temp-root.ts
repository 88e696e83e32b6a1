import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temp folder of a test run (ours, Chromium's profiles and sockets, child processes') goes
 * into one folder made here, and that folder is removed when the run ends, failed tests included:
 * a run leaves nothing in the system temp directory. What the tests did not clean up themselves
 * is named, so that a leak is seen and fixed where it happens.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'optovik-test-run-'));
  // Workers, child processes and Chromium inherit it; os.tmpdir() reads it on every call.
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    // tsx keeps its compile cache (tsx-<uid>) in the temp dir for the child processes it runs.
    const left = readdirSync(root).filter((name) => !name.startsWith('tsx-'));
    if (left.length > 0) console.warn(`test temp folders not cleaned up by their tests (removed now): ${left.join(', ')}`);
    rmSync(root, { recursive: true, force: true });
  };
}
