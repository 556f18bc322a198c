/**
 * Opens the télédossier of one consultation (SPEC §7.1.2, §8): a Y.Doc kept in IndexedDB on this
 * station and synced with the server over WebSocket. The page keeps working on the local copy
 * while offline and merges when the connection returns.
 */
import { createSignal, type Accessor } from 'solid-js';
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { WebsocketProvider } from 'y-websocket';
import type { Awareness } from 'y-protocols/awareness';
import { Teledossier, dossierDocName } from '../../schema/dossier.ts';
import { connectionState, type ConnectionFacts, type ConnectionState } from './connectionState.ts';

export interface OpenedDossier {
  doc: Y.Doc;
  teledossier: Teledossier;
  awareness: Awareness;
  connection: Accessor<ConnectionState>;
  /** Bumped whenever the fiche map changes (fields appear once the server's structure synced). */
  ficheRevision: Accessor<number>;
  close(): void;
}

function syncOrigin(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/sync`;
}

export function openDossier(consultationId: string): OpenedDossier {
  const docName = dossierDocName(consultationId);
  const doc = new Y.Doc();
  const teledossier = new Teledossier(doc);
  const persistence = new IndexeddbPersistence(docName, doc);
  const provider = new WebsocketProvider(syncOrigin(), docName, doc, {
    connect: navigator.onLine,
    // Several tabs of one station each keep their own socket: the server is the one hub.
    disableBc: true,
  });

  const [facts, setFacts] = createSignal<ConnectionFacts>({
    navigatorOnline: navigator.onLine,
    socket: provider.wsconnected ? 'connected' : navigator.onLine ? 'connecting' : 'disconnected',
    synced: provider.synced,
    lastAttemptFailed: false,
    refused: false,
  });
  const update = (patch: Partial<ConnectionFacts>) => setFacts((prev) => ({ ...prev, ...patch }));

  const onStatus = ({ status }: { status: ConnectionFacts['socket'] }) =>
    update(status === 'connected' ? { socket: status, lastAttemptFailed: false } : { socket: status, synced: false });
  const onSync = (synced: boolean) => update({ synced });
  const onClose = () => {
    if (!provider.wsconnected) update({ lastAttemptFailed: true });
  };
  const onClosed = () => update({ refused: true });
  provider.on('status', onStatus);
  provider.on('sync', onSync);
  provider.on('connection-close', onClose);
  provider.on('closed', onClosed);

  // Browsers do not always close a socket when the network drops: follow their online flag.
  const onOffline = () => {
    update({ navigatorOnline: false, socket: 'disconnected', synced: false });
    provider.disconnect();
  };
  const onOnline = () => {
    update({ navigatorOnline: true, lastAttemptFailed: false, refused: false });
    provider.connect();
  };
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);

  const [ficheRevision, setFicheRevision] = createSignal(0);
  const onFicheChange = () => setFicheRevision((n) => n + 1);
  teledossier.fiche.observe(onFicheChange);

  let closed = false;
  return {
    doc,
    teledossier,
    awareness: provider.awareness,
    connection: () => connectionState(facts()),
    ficheRevision,
    close() {
      if (closed) return;
      closed = true;
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      teledossier.fiche.unobserve(onFicheChange);
      provider.awareness.setLocalState(null);
      provider.destroy();
      void persistence.destroy();
      doc.destroy();
    },
  };
}
