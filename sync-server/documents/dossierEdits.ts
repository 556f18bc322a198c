/**
 * The server's reads and edits of a télédossier Y.Doc (documents list, signatures). Edits are
 * computed on a private copy and handed to the room registry as one update, so that they are
 * stored in order with clients' edits and reach every open socket, whether or not the document is
 * loaded.
 */
import * as Y from 'yjs';
import { Teledossier, dossierDocName } from '../../schema/dossier.ts';
import type { RoomRegistry } from '../sync/RoomRegistry.ts';

export class DossierEdits {
  constructor(private readonly registry: RoomRegistry) {}

  /** A private copy of the dossier as it is now. Destroy it after use. */
  read(consultationId: string): Teledossier {
    const doc = new Y.Doc();
    doc.transact(() => {
      for (const update of this.registry.readState(dossierDocName(consultationId))) Y.applyUpdate(doc, update);
    });
    return new Teledossier(doc);
  }

  /** Applies `edit` to the live dossier; resolves once it is stored. Returns what `edit` returns. */
  async edit<T>(consultationId: string, edit: (dossier: Teledossier) => T): Promise<T> {
    const dossier = this.read(consultationId);
    try {
      const before = Y.encodeStateVector(dossier.doc);
      let result!: T;
      dossier.doc.transact(() => {
        result = edit(dossier);
      }, 'server');
      const update = Y.encodeStateAsUpdate(dossier.doc, before);
      await this.registry.applyServerUpdate(dossierDocName(consultationId), update);
      return result;
    } finally {
      dossier.doc.destroy();
    }
  }
}
