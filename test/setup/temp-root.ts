import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temp folder of a test run (ours, Chromium's profiles and sockets, child processes') goes
 * into one folder made here, and that folder is removed when the run ends, failed tests included:
 * a run leaves nothing in the system temp directory. What the tests did not clean up themselves
 * is named, so that a leak is seen and fixed where it happens.
 */
const PREFIX = 'optovik-test-run-';
const OWNER = '.owner-pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders of earlier runs that were killed before their teardown (Ctrl-C, a timeout). */
function removeAbandoned(system: string): void {
  for (const name of readdirSync(system).filter((n) => n.startsWith(PREFIX))) {
    let pid = 0;
    try {
      pid = Number(readFileSync(join(system, name, OWNER), 'utf8'));
    } catch {
      continue; // not ours to judge
    }
    if (pid > 0 && !alive(pid)) rmSync(join(system, name), { recursive: true, force: true });
  }
}

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const system = tmpdir();
  removeAbandoned(system);
  const root = mkdtempSync(join(system, PREFIX));
  writeFileSync(join(root, OWNER), String(process.pid));
  // tsx keeps its compile cache in the temp dir: the child processes the tests start keep using
  // the lasting one instead of compiling every module again in each run.
  const tsxCache = `tsx-${process.getuid?.() ?? 0}`;
  mkdirSync(join(system, tsxCache), { recursive: true, mode: 0o700 });
  symlinkSync(join(system, tsxCache), join(root, tsxCache));
  // Workers, child processes and Chromium inherit it; os.tmpdir() reads it on every call.
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(root).filter((name) => name !== tsxCache && name !== OWNER);
    if (left.length > 0) console.warn(`test temp folders not cleaned up by their tests (removed now): ${left.join(', ')}`);
    rmSync(root, { recursive: true, force: true });
  };
}
