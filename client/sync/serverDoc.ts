/**
 * A document only the server writes, opened read-only (the activity feed behind «Mes rendez-vous»).
 * The server may replace such a document by a fresh generation holding only its current state
 * (docs/ARCHITECTURE.md, «Server edits»); it then closes the socket with DocumentReplaced (4410),
 * also when this copy comes back after being offline during the replacement. A Yjs copy of the old
 * generation must not meet the new one (old entries would come back, some twice): on that code the
 * copy is dropped and the document opened again into an empty Y.Doc. The copy lives in memory only
 * (no IndexedDB), so there is no offline store to clear.
 *
 * The new copy replaces the old one once it has synced, so the view never shows an empty list in
 * between. Pure of the DOM: the integration tests run it with a Node WebSocket.
 */
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';

/** sync-server/sync/closeCodes.ts `DocumentReplaced`. */
export const DOCUMENT_REPLACED = 4410;

export interface FollowedDoc {
  /** The copy to read now. */
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** How many times the server replaced the document while it was open here. */
  readonly generations: number;
  destroy(): void;
}

/**
 * Opens a server-written document with `connect` (which makes the provider for a Y.Doc), following
 * its generations: `onSwap(doc, provider)` is called each time a fresh copy, synced, replaces the
 * one before (which is then destroyed).
 */
export function followServerDoc(
  connect: (doc: Y.Doc) => WebsocketProvider,
  onSwap: (doc: Y.Doc, provider: WebsocketProvider) => void = () => undefined,
): FollowedDoc {
  let doc = new Y.Doc();
  let provider = connect(doc);
  let generations = 0;
  let destroyed = false;
  // A fresh copy being synced, not shown yet.
  let incoming: { doc: Y.Doc; provider: WebsocketProvider } | null = null;

  const drop = (d: Y.Doc, p: WebsocketProvider): void => {
    p.destroy();
    d.destroy();
  };

  const watch = (p: WebsocketProvider): void => {
    p.on('closed', ({ code }: { code: number }) => {
      if (destroyed || code !== DOCUMENT_REPLACED) return;
      if (incoming) drop(incoming.doc, incoming.provider);
      const next = { doc: new Y.Doc(), provider: null as unknown as WebsocketProvider };
      next.provider = connect(next.doc);
      incoming = next;
      watch(next.provider);
      const onSync = (synced: boolean): void => {
        if (!synced || incoming !== next || destroyed) return;
        next.provider.off('sync', onSync);
        incoming = null;
        const [oldDoc, oldProvider] = [doc, provider];
        doc = next.doc;
        provider = next.provider;
        generations++;
        onSwap(doc, provider);
        drop(oldDoc, oldProvider);
      };
      next.provider.on('sync', onSync);
    });
  };
  watch(provider);

  return {
    get doc() {
      return doc;
    },
    get provider() {
      return provider;
    },
    get generations() {
      return generations;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (incoming) drop(incoming.doc, incoming.provider);
      incoming = null;
      drop(doc, provider);
    },
  };
}
