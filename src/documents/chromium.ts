import { accessSync, constants, readFileSync, statSync } from 'node:fs';

/** Debian's headless shell first: it renders pages and PDFs 3–4× faster than full Chromium. */
const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export interface ChromiumBinary {
  path: string;
  /** puppeteer's `headless` option for this binary. */
  headless: true | 'shell';
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian's /usr/bin/chromium-headless-shell is a two-line `#!/bin/sh` wrapper that runs the real
 * binary WITHOUT exec: the pid puppeteer gets is the shell's, so killing it (or measuring it) misses
 * the browser. A tiny script whose only command is `[exec] /abs/path "$@"` is replaced by its target.
 */
function unwrapShellWrapper(path: string): string {
  try {
    if (statSync(path).size > 512) return path;
    const text = readFileSync(path, 'utf8');
    if (!text.startsWith('#!')) return path;
    const commands = text
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const target = commands.length === 1 ? /^(?:exec\s+)?(\/[^\s"'$;&|]+)\s+"\$@"$/.exec(commands[0] ?? '')?.[1] : undefined;
    return target && isExecutableFile(target) ? target : path;
  } catch {
    return path;
  }
}

/**
 * The system browser to use, or null when none is usable (the portal then runs without PDFs).
 * A configured path is used as it is: when it does not exist there is no fallback to auto-detection,
 * so a typo in config.yml shows up as "PDFs unavailable" rather than silently using another browser.
 */
export function findChromium(configured = ''): ChromiumBinary | null {
  const path = configured ? configured : CANDIDATES.find(isExecutableFile);
  if (!path || !isExecutableFile(path)) return null;
  const real = unwrapShellWrapper(path);
  return { path: real, headless: real.endsWith('headless-shell') ? 'shell' : true };
}

/** Why findChromium() found nothing, with what to do about it; for logs and the admin. */
export function chromiumMissingReason(configured = ''): string {
  const install = 'apt-get install chromium-headless-shell';
  return configured
    ? `documents.chromium_path "${configured}" is not an executable file: fix the path, or empty it and ${install}`
    : `no Chromium found (looked for ${CANDIDATES.join(', ')}): ${install}`;
}

/** Flags for running as root in a container without GPU or network: see docs/admin-guide.md. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
