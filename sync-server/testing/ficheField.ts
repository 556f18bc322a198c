/**
 * Where a test types in a dossier, as a professional does: the Y.Text of a fiche field, which the
 * server created (clients may write inside the fields, never beside them: schema/clientWrites.ts).
 */
import type * as Y from 'yjs';
import { Teledossier, type FicheField } from '../../schema/dossier.ts';

export function ficheField(doc: Y.Doc, name: FicheField = 'conclusion'): Y.Text {
  const text = new Teledossier(doc).field(name);
  if (!text) throw new Error('the dossier has not synced yet: its fiche fields come from the server');
  return text;
}
