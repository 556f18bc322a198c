/**
 * «Signer» and «Générer le PDF» under the fiche (SPEC §7.1.2), with where the fiche stands: not
 * signed, signed by whom and when, or «modifiée après signature». «Générer le PDF» gives the
 * signed PDF while the fiche is unchanged since its signature, a draft otherwise.
 */
import { createSignal, Match, Show, Switch } from 'solid-js';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import { documentsApi, documentUrl, draftPdfUrl } from './documentsApi.ts';
import type { DossierState } from './dossierState.ts';

export function FicheSignBar(props: { consultationId: string; state: DossierState; online: () => boolean }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal('');
  const [done, setDone] = createSignal('');

  const sign = async () => {
    setBusy(true);
    setError('');
    setDone('');
    const result = await documentsApi.sign(props.consultationId);
    setBusy(false);
    if (result.ok) setDone(t('dossier.sign.done'));
    else setError(result.message ?? t('dossier.error.network'));
  };

  const pdfHref = () => {
    const last = props.state.lastSignature();
    return props.state.signatureState() === 'signed' && last?.documentId
      ? documentUrl(props.consultationId, last.documentId)
      : draftPdfUrl(props.consultationId);
  };

  return (
    <div class="sign-bar" aria-labelledby="sign-bar-title">
      <h3 id="sign-bar-title" class="visually-hidden">
        {t('dossier.sign.title')}
      </h3>
      <p class="sign-status" role="status">
        <Switch>
          <Match when={props.state.signatureState() === 'unsigned'}>{t('dossier.sign.unsigned')}</Match>
          <Match when={props.state.signatureState() === 'signed' && props.state.lastSignature()}>
            {(s) => t('dossier.sign.signedBy', { name: s().signerName, when: formatParisDateTime(s().signedAt) })}
          </Match>
          <Match when={props.state.signatureState() === 'modifiedAfterSignature'}>
            <strong class="sign-modified">{t('dossier.sign.modified')}</strong>
          </Match>
        </Switch>
      </p>
      <div class="sign-actions">
        <button type="button" class="button button--primary" disabled={busy() || !props.online()} onClick={() => void sign()}>
          {busy() ? t('dossier.sign.signing') : t('dossier.sign.sign')}
        </button>
        <a class="button" href={pdfHref()} download="">
          {t('dossier.sign.pdf')}
        </a>
      </div>
      <Show when={!props.online()}>
        <p class="sign-hint">{t('dossier.sign.offline')}</p>
      </Show>
      <p class="form-error" role="alert">
        {error()}
      </p>
      <p class="sign-done" aria-live="polite">
        {done()}
      </p>
    </div>
  );
}
