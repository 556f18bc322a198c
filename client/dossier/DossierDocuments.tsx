/**
 * What the «Dossier» panel shows under the fiche: the signature bar («Signer», «Générer le PDF»),
 * the documents, and «Exporter». Mounted once by the consultation page.
 */
import { t } from '../i18n/index.ts';
import type { OpenedDossier } from '../sync/openDossier.ts';
import { DocumentsPanel } from './DocumentsPanel.tsx';
import { documentsApi } from './documentsApi.ts';
import { trackDossierState } from './dossierState.ts';
import { FicheSignBar } from './FicheSignBar.tsx';

export function DossierDocuments(props: { consultationId: string; dossier: OpenedDossier }) {
  const state = trackDossierState(props.dossier.teledossier);
  const online = () => props.dossier.connection() !== 'offline' && props.dossier.connection() !== 'refused';
  return (
    <div class="dossier-documents">
      <FicheSignBar consultationId={props.consultationId} state={state} online={online} />
      <DocumentsPanel consultationId={props.consultationId} dossier={props.dossier} state={state} online={online} />
      <p>
        <a class="button" href={documentsApi.exportUrl(props.consultationId)} download="">
          {t('dossier.documents.export')}
        </a>
      </p>
    </div>
  );
}
