/** Telling the files of a package apart: their reading order, and catalog versus order files. */
import { open } from 'node:fs/promises';
import { TextDecoder } from 'node:util';

/** Classifier and products before offers, prices and stock, as 1C orders its own files. */
export function filePriority(name: string): number {
  const base = name.split('/').pop() ?? name;
  if (/^(import|properties|groups)/i.test(base) || /^properties\//i.test(name)) return 0;
  if (/^offers/i.test(base)) return 1;
  if (/^prices/i.test(base)) return 2;
  if (/^rests/i.test(base)) return 3;
  return 4;
}

/** Whether a file holds orders or counterparties, from its first elements. */
export async function holdsSaleDocuments(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead).toString('latin1');
    const utf8 = buffer.subarray(0, bytesRead).toString('utf8');
    const text = /encoding="windows-1251"/i.test(head)
      ? new TextDecoder('windows-1251').decode(buffer.subarray(0, bytesRead))
      : utf8;
    const sale = text.search(/<(\w+:)?(Документ|Контейнер|Контрагенты)[\s>]/);
    const catalog = text.search(/<(\w+:)?(Классификатор|Каталог|ПакетПредложений)[\s>]/);
    return sale >= 0 && (catalog < 0 || sale < catalog);
  } finally {
    await handle.close();
  }
}
