/**
 * Solid signals over the parts of the télédossier that are not the fiche's text: the documents
 * list and where the fiche stands against its last signature. Recomputed on every change of the
 * Y.Doc (both are small), so a signature or an upload by a colleague shows at once.
 */
import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type { DocumentEntry, FicheSignature, SignatureState, Teledossier } from '../../schema/dossier.ts';

export interface DossierState {
  documents: Accessor<DocumentEntry[]>;
  signatureState: Accessor<SignatureState>;
  lastSignature: Accessor<FicheSignature | undefined>;
}

export function trackDossierState(dossier: Teledossier): DossierState {
  const [documents, setDocuments] = createSignal<DocumentEntry[]>(dossier.documentList());
  const [signatureState, setSignatureState] = createSignal<SignatureState>(dossier.signatureState());
  const [lastSignature, setLastSignature] = createSignal<FicheSignature | undefined>(dossier.lastSignature());
  const refresh = (): void => {
    setDocuments(dossier.documentList());
    setSignatureState(dossier.signatureState());
    setLastSignature(dossier.lastSignature());
  };
  dossier.doc.on('update', refresh);
  onCleanup(() => dossier.doc.off('update', refresh));
  return { documents, signatureState, lastSignature };
}
