/**
 * The server's reads and edits of a télédossier Y.Doc (documents list, signatures) and of the call
 * room's `sent` list: the parts only the server writes (schema/clientWrites.ts). Edits run on the
 * live room (RoomRegistry.transact: one server client id, no reload per edit), so that they are
 * stored in order with clients' edits and reach every open socket, whether or not the document
 * was loaded.
 */
import { Teledossier, dossierDocName } from '../../schema/dossier.ts';
import { RoomDoc, roomDocName, type SentDocument } from '../../schema/room.ts';
import type { RoomRegistry } from '../sync/RoomRegistry.ts';

export class DossierEdits {
  constructor(private readonly registry: Pick<RoomRegistry, 'transact' | 'read' | 'copy'>) {}

  /**
   * A private copy of the dossier as it is now, for callers that keep it across awaits (a PDF, an
   * export). Destroy it after use.
   */
  async read(consultationId: string): Promise<Teledossier> {
    return new Teledossier(await this.registry.copy(dossierDocName(consultationId)));
  }

  /** What was sent to the patient in the call room, as it is now (read on the live room when loaded). */
  sentInRoom(consultationId: string): Promise<SentDocument[]> {
    return this.registry.read(roomDocName(consultationId), (doc) => new RoomDoc(doc).sentDocuments());
  }

  /** Applies `edit` to the live dossier; resolves once it is stored. Returns what `edit` returns. */
  edit<T>(consultationId: string, edit: (dossier: Teledossier) => T): Promise<T> {
    return this.registry.transact(dossierDocName(consultationId), (doc) => edit(new Teledossier(doc)));
  }

  /** Applies `edit` to the consultation's call room document; resolves once it is stored. */
  editRoom<T>(consultationId: string, edit: (room: RoomDoc) => T): Promise<T> {
    return this.registry.transact(roomDocName(consultationId), (doc) => edit(new RoomDoc(doc)));
  }
}
