/** A document as LMDB holds it (snapshot then tail), read straight from the store, not from a room. */
import * as Y from 'yjs';
import type { Store } from '../store/index.ts';

export function storedDoc(store: Pick<Store, 'docs'>, docName: string): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const u of store.docs.load(docName).updates) Y.applyUpdate(doc, u);
  });
  return doc;
}
