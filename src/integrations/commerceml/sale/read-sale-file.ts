/**
 * Reads a file 1C sends on `type=sale` completely before anything is applied: order files are
 * small, and a file that turns out to be broken halfway must change nothing at all.
 */
import { parseXmlBuffer, parseXmlFile, type XmlNode, type XmlVisitor } from '../xml/reader.js';

export interface SaleFile {
  /** Документ under the root, or under Контейнер (CommerceML 3.1). */
  documents: XmlNode[];
  /** Контрагенты/Контрагент under the root. */
  counterparties: XmlNode[];
  /** The root's ДатаФормирования, as written; '' when absent. */
  madeAt: string;
}

/** Throws XmlError (with the line) for a file that is not well-formed XML. */
export async function readSaleFile(file: string | Uint8Array): Promise<SaleFile> {
  const result: SaleFile = { documents: [], counterparties: [], madeAt: '' };
  const visitor: XmlVisitor = {
    open(name, attrs, path) {
      if (path.length === 0) result.madeAt = (attrs.ДатаФормирования ?? '').trim();
      if (name === 'Документ') return path.length === 1 || (path.length === 2 && path[1] === 'Контейнер');
      return name === 'Контрагент' && path.length === 2 && path[1] === 'Контрагенты';
    },
    node(node) {
      if (node.name === 'Документ') result.documents.push(node);
      else result.counterparties.push(node);
    },
  };
  if (typeof file === 'string') await parseXmlFile(file, visitor);
  else parseXmlBuffer(file, visitor);
  return result;
}
