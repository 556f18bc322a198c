/**
 * The server's reads and edits of a télédossier Y.Doc (documents list, signatures) and of the call
 * room's `sent` list: the parts only the server writes (schema/clientWrites.ts). Edits are
 * computed on a private copy and handed to the room registry as one update, so that they are
 * stored in order with clients' edits and reach every open socket, whether or not the document is
 * loaded.
 */
import * as Y from 'yjs';
import { Teledossier, dossierDocName } from '../../schema/dossier.ts';
import { RoomDoc, roomDocName, type SentDocument } from '../../schema/room.ts';
import type { RoomRegistry } from '../sync/RoomRegistry.ts';

export class DossierEdits {
  constructor(private readonly registry: RoomRegistry) {}

  /** A private copy of the dossier as it is now. Destroy it after use. */
  read(consultationId: string): Teledossier {
    return new Teledossier(this.copyOf(dossierDocName(consultationId)));
  }

  /** What was sent to the patient in the call room, as it is now. */
  sentInRoom(consultationId: string): SentDocument[] {
    const doc = this.copyOf(roomDocName(consultationId));
    try {
      return new RoomDoc(doc).sentDocuments();
    } finally {
      doc.destroy();
    }
  }

  private copyOf(docName: string): Y.Doc {
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const update of this.registry.readState(docName)) Y.applyUpdate(doc, update);
    });
    return doc;
  }

  /** Applies `edit` to the live dossier; resolves once it is stored. Returns what `edit` returns. */
  edit<T>(consultationId: string, edit: (dossier: Teledossier) => T): Promise<T> {
    return this.editDoc(dossierDocName(consultationId), (doc) => edit(new Teledossier(doc)));
  }

  /** Applies `edit` to the consultation's call room document; resolves once it is stored. */
  editRoom<T>(consultationId: string, edit: (room: RoomDoc) => T): Promise<T> {
    return this.editDoc(roomDocName(consultationId), (doc) => edit(new RoomDoc(doc)));
  }

  private async editDoc<T>(docName: string, edit: (doc: Y.Doc) => T): Promise<T> {
    const doc = this.copyOf(docName);
    try {
      const before = Y.encodeStateVector(doc);
      let result!: T;
      doc.transact(() => {
        result = edit(doc);
      }, 'server');
      const update = Y.encodeStateAsUpdate(doc, before);
      await this.registry.applyServerUpdate(docName, update);
      return result;
    } finally {
      doc.destroy();
    }
  }
}
