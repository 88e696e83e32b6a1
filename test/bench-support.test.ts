import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const PROBE = join(ROOT, 'test', 'fixtures', 'bench', 'probe.ts');

function runProbe(mode: 'ok' | 'throw', scale = '1') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', PROBE, mode], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, BENCH_SCALE: scale, BENCH_KEEP: '' },
    timeout: 60_000,
  });
  const started = JSON.parse(/^\{.*"pid".*\}$/m.exec(result.stderr)?.[0] ?? 'null') as { dir: string; pid: number } | null;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, started };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

describe('bench support (bench/_support.ts)', () => {
  it('a bench that stops its server twice exits 0 after its JSON line, its temp folder gone', async () => {
    const run = runProbe('ok');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({ bench: 'probe', products: 100_000 });
    expect(run.started).not.toBeNull();
    expect(existsSync(run.started?.dir ?? '/'), 'temp folder left behind').toBe(false);
    expect(await gone(run.started?.pid ?? 0)).toBe(true);
  });

  it('a failing bench exits non-zero, kills its server and removes its temp folder', async () => {
    const run = runProbe('throw');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('the probe fails on purpose');
    expect(existsSync(run.started?.dir ?? '/'), 'temp folder left behind').toBe(false);
    expect(await gone(run.started?.pid ?? 0), 'server still running').toBe(true);
  });

  it('BENCH_SCALE=10 grows the catalog to 1,000,000 products, not what is capped at 1', () => {
    const run = runProbe('ok', '10');
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '')).toEqual({
      bench: 'probe',
      scale: 10,
      products: 1_000_000,
      companies: 2_000,
    });
  });
});
