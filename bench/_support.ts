import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';

export const ROOT = resolve(import.meta.dirname, '..');

/**
 * BENCH_SCALE=0.1 runs a tenth of the data (and a shorter load), small enough for CI; above 1 the
 * catalog grows (10 = 1,000,000 products) so that how cost grows with it can be measured.
 */
export const SCALE = Math.min(10, Math.max(0.01, Number(process.env.BENCH_SCALE ?? '1') || 1));
/**
 * `n` at the requested scale, never above `cap` times `n`: what grows with the catalog takes the
 * default cap; load durations, companies and document counts pass 1 (a bigger catalog is measured
 * over the same time, with the same buyers).
 */
export const scaled = (n: number, cap = 10) => Math.max(1, Math.round(n * Math.min(SCALE, cap)));

// Whatever happens (a thrown error, process.exit, Ctrl-C), started servers are killed and temp
// folders removed before the bench process ends. BENCH_KEEP=1 keeps the folders to look into.
const cleanups: (() => void)[] = [];
process.once('exit', () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // keep cleaning up the rest
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => process.exit(128 + constants.signals[signal]));
}

/** A temp folder for the bench's data, removed when the process exits, whether the bench passed or failed. */
export function benchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `optovik-bench-${name}-`));
  cleanups.push(() => {
    if (process.env.BENCH_KEEP) process.stderr.write(`[bench] kept ${dir} (BENCH_KEEP)\n`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export interface Server {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
  rssMb(): number;
}

/** Starts a process and resolves once it prints the URL it listens on. */
export function startProcess(args: string[], urlPattern: RegExp, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  cleanups.push(() => {
    if (running()) child.kill('SIGKILL');
  });
  let stopping: Promise<void> | undefined;
  // Idempotent: a second stop (a `finally` after an early stop) must not wait for an exit that already happened.
  const stop = () => {
    if (!stopping) {
      if (running()) child.kill('SIGTERM');
      stopping = running() ? exited : Promise.resolve();
    }
    return stopping;
  };
  return new Promise((done, fail) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      fail(new Error(`did not start:\n${output}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const url = urlPattern.exec(output)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining its output: a full pipe would block the server. BENCH_SERVER_LOG=<file> keeps it (e.g. with NODE_OPTIONS=--trace-gc).
      if (process.env.BENCH_SERVER_LOG) {
        const log = createWriteStream(process.env.BENCH_SERVER_LOG, { flags: 'a' });
        log.write(output);
        child.stdout?.pipe(log);
        child.stderr?.pipe(log);
      } else {
        child.stdout?.resume();
        child.stderr?.resume();
      }
      done({
        child,
        url,
        stop,
        rssMb: () => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
          return Math.round(kb / 1024);
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

export interface LoadResult {
  rps: number;
  p95Ms: number;
  p50Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** autocannon against one URL; p95 is computed from every response time (autocannon has no p95). */
export async function load(url: string, opts: { connections: number; seconds: number; headers?: Record<string, string> }): Promise<LoadResult> {
  const times: number[] = [];
  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon({ url, connections: opts.connections, duration: opts.seconds, headers: opts.headers ?? {} }, (error, res) =>
      error ? fail(error) : done(res),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      times.push(responseTime);
    });
  });
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return {
    rps: Math.round(result.requests.total / opts.seconds),
    p95Ms: Math.round(at(0.95) * 100) / 100,
    p50Ms: Math.round(at(0.5) * 100) / 100,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Logs in like a browser (CSRF token from the form) and returns the Cookie header to send. */
export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const form = await fetch(`${baseUrl}/login`);
  const anon = (form.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: anon },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).find((c) => c?.startsWith('optovik_session='));
  if (res.status !== 303 || !session) throw new Error(`login failed: ${res.status}`);
  return session;
}

/** CPU seconds (user + system) one process has used so far, from /proc (Linux reports 100 ticks a second). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy CPU seconds of the whole machine so far, from /proc/stat: the machine is shared. */
export function machineBusySeconds(): number {
  const fields = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').split(' ').map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / 100;
}
