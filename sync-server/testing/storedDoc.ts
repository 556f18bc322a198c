/** A document as LMDB holds it (snapshot then tail), read straight from the store, not from a room. */
import * as Y from 'yjs';
import type { Store } from '../store/index.ts';

export async function storedDoc(store: Pick<Store, 'docs'>, docName: string): Promise<Y.Doc> {
  const { updates } = await store.docs.load(docName);
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const u of updates) Y.applyUpdate(doc, u);
  });
  return doc;
}
