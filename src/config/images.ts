import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Images are embedded into every document (a data: URL): a multi-megabyte scan would slow each PDF down. */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** The image types a document may show, told by the file's first bytes (an extension can lie). */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml';

export function sniffImage(head: Buffer): ImageType | null {
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return /^<svg[\s>]/i.test(skipSvgProlog(text)) ? 'image/svg+xml' : null;
}

/**
 * The text after an XML declaration, comments and an SVG doctype at its start. A loop: the one
 * pattern `(<!--[\s\S]*?-->\s*)*` it replaces backtracked exponentially on a run of comments.
 */
function skipSvgProlog(text: string): string {
  let rest = text;
  if (rest.startsWith('<?xml')) {
    const end = rest.indexOf('>');
    if (end < 0) return rest;
    rest = rest.slice(end + 1).trimStart();
  }
  while (rest.startsWith('<!--')) {
    const end = rest.indexOf('-->', 4);
    if (end < 0) return rest;
    rest = rest.slice(end + 3).trimStart();
  }
  if (/^<!DOCTYPE svg/i.test(rest)) {
    const end = rest.indexOf('>');
    if (end >= 0) rest = rest.slice(end + 1).trimStart();
  }
  return rest;
}

/** Why the file at `path` cannot be a document image, or null when it can. */
export function imageProblem(path: string): string | null {
  const named = path.length > 200 ? `${path.slice(0, 197)}...` : path;
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    // A path too long for the system, or a folder on the way that cannot be entered.
    return `cannot read ${named}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  if (!stat) return `file not found: ${named}`;
  if (!stat.isFile()) return `not a file: ${path}`;
  if (stat.size > MAX_IMAGE_BYTES)
    return `${path} is ${(stat.size / 1024 / 1024).toFixed(1)} MB; an image for documents must be at most 2 MB`;
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(512);
      head = head.subarray(0, readSync(fd, head, 0, 512, 0));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return `cannot read ${path}: ${(error as Error).message}`;
  }
  return sniffImage(head) ? null : `${path} is not a PNG, JPEG, GIF, WebP or SVG image`;
}
