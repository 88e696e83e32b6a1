import { existsSync } from 'node:fs';

/** Debian's headless shell first: it renders pages and PDFs 3–4× faster than full Chromium. */
const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export interface ChromiumBinary {
  path: string;
  /** puppeteer's `headless` option for this binary. */
  headless: true | 'shell';
}

/** The system browser to use, or null when none is installed (the portal then runs without PDFs). */
export function findChromium(configured = ''): ChromiumBinary | null {
  const path = configured || CANDIDATES.find((candidate) => existsSync(candidate));
  if (!path || !existsSync(path)) return null;
  return { path, headless: path.endsWith('headless-shell') ? 'shell' : true };
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
