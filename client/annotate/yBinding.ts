/**
 * Binds a tldraw store to a Y.Map of its document records (id → record), so that every
 * professional draws on the same canvas live (design card, SPEC §7.2.2). Local edits go to the
 * Y.Map in one transaction each; edits from others are merged into the store as remote changes,
 * which tldraw does not echo back.
 */
import * as Y from 'yjs';
import type { TLRecord, TLStore } from 'tldraw';

const LOCAL = Symbol('tldraw');

export function bindStoreToYMap(store: TLStore, map: Y.Map<unknown>): () => void {
  const doc = map.doc;
  if (!doc) throw new Error('the annotation map is not in a document');

  // Existing strokes first, then the records this store started with that the map lacks
  // (document and page records, the same ids on every station).
  const existing = [...map.values()] as TLRecord[];
  store.mergeRemoteChanges(() => {
    if (existing.length > 0) store.put(existing);
  });
  doc.transact(() => {
    for (const record of store.allRecords()) {
      if (store.scopedTypes.document.has(record.typeName) && !map.has(record.id)) map.set(record.id, record);
    }
  }, LOCAL);

  const stopStore = store.listen(
    ({ changes }) => {
      doc.transact(() => {
        for (const record of Object.values(changes.added)) map.set(record.id, record);
        for (const [, to] of Object.values(changes.updated)) map.set(to.id, to);
        for (const record of Object.values(changes.removed)) map.delete(record.id);
      }, LOCAL);
    },
    { source: 'user', scope: 'document' },
  );

  const onMap = (event: Y.YMapEvent<unknown>, transaction: Y.Transaction): void => {
    if (transaction.origin === LOCAL) return;
    const put: TLRecord[] = [];
    const remove: TLRecord['id'][] = [];
    for (const [key, change] of event.changes.keys) {
      if (change.action === 'delete') remove.push(key as TLRecord['id']);
      else put.push(map.get(key) as TLRecord);
    }
    store.mergeRemoteChanges(() => {
      if (remove.length > 0) store.remove(remove);
      if (put.length > 0) store.put(put);
    });
  };
  map.observe(onMap);

  return () => {
    stopStore();
    map.unobserve(onMap);
  };
}
