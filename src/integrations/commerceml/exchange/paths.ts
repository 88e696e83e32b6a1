/**
 * File names 1C sends (`filename=import_files/9d/….jpg`, `goods/1/import___<guid>.xml`) and
 * names inside its archives become paths under the run's directory — only after this check.
 */
const REFUSED_EXTENSIONS = /\.(php\d?|phtml|phar|cgi|pl|py|sh|bash|exe|bat|cmd|com|js|mjs|cjs|ts|htaccess|asp|aspx|jsp)$/i;

/** Known prefixes a 1C server on Linux may put in front of the names (Bitrix strips them too). */
const STRIPPED_PREFIXES = [/^.*?\/upload\/1c_catalog\//i, /^upload\/1c\/webdata\//i, /^.*?\/webdata\//i];

export class UnsafeNameError extends Error {}

/** A safe relative path, or UnsafeNameError saying why not. */
export function safeRelativePath(raw: string): string {
  if (raw.length > 1000) throw new UnsafeNameError(`file name too long: ${raw.slice(0, 80)}…`);
  let name = raw.trim().replace(/\\/g, '/');
  if (name === '') throw new UnsafeNameError('no file name given');
  if (/^[a-zA-Z]:/.test(name)) throw new UnsafeNameError(`absolute path refused: ${raw}`);
  for (const prefix of STRIPPED_PREFIXES) name = name.replace(prefix, '');
  if (name.startsWith('/')) throw new UnsafeNameError(`absolute path refused: ${raw}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new UnsafeNameError(`bad file name: ${raw}`);
  if (parts.some((p) => p === '..')) throw new UnsafeNameError(`".." in a file name refused: ${raw}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (parts.some((p) => /[\u0000-\u001f]/.test(p)))
    throw new UnsafeNameError(`control characters in a file name refused: ${raw}`);
  if (parts.length > 8 || name.length > 400) throw new UnsafeNameError(`file name too long: ${raw.slice(0, 80)}…`);
  const joined = parts.join('/');
  if (REFUSED_EXTENSIONS.test(joined)) throw new UnsafeNameError(`this kind of file is refused: ${raw}`);
  return joined;
}

export function isXmlName(name: string): boolean {
  return /\.xml$/i.test(name);
}

export function isZipName(name: string): boolean {
  return /\.zip$/i.test(name);
}
