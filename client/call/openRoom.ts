/**
 * Opens the call room document `room/<consultationId>` (SPEC §7.2): presence in its awareness,
 * layout hints and documents sent in the call in the document. Professionals come with their
 * session cookie; guests with the invitation token of their join link. Not kept in IndexedDB:
 * nothing in it is worth having offline.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { Awareness } from 'y-protocols/awareness';
import { RoomDoc, roomDocName } from '../../schema/room.ts';

export interface OpenedRoom {
  room: RoomDoc;
  awareness: Awareness;
  provider: WebsocketProvider;
  close(): void;
}

/** How a participant proves who they are: their session, or a guest's invitation token. */
export type CallAuth = { kind: 'session' } | { kind: 'invitation'; token: string };

function syncOrigin(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/sync`;
}

export function openRoom(consultationId: string, auth: CallAuth): OpenedRoom {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(syncOrigin(), roomDocName(consultationId), doc, {
    disableBc: true,
    params: auth.kind === 'invitation' ? { invitation: auth.token } : {},
  });
  let closed = false;
  return {
    room: new RoomDoc(doc),
    awareness: provider.awareness,
    provider,
    close() {
      if (closed) return;
      closed = true;
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}
