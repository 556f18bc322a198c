/**
 * The télédossier's documents (SPEC §7.1.3): «Ajouter un document» from the file picker or by
 * drag and drop, several at once, a progress bar and «Annuler» each; the list (live for every
 * professional), «Télécharger», «Appliquer la signature» on PDFs, «Convertir en PDF» on images,
 * «Envoyer le document» on PDFs.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import type { DocumentEntry } from '../../schema/dossier.ts';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import { documentsApi, documentUrl, type Upload } from './documentsApi.ts';
import type { DossierState } from './dossierState.ts';
import { SendDialog } from './SendDialog.tsx';
import { AnnotatePanel } from '../annotate/AnnotatePanel.tsx';
import type { OpenedDossier } from '../sync/openDossier.ts';
import './documents.css';

interface UploadRow {
  key: number;
  name: string;
  progress: () => number;
  error: () => string;
  upload: Upload;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return t('dossier.size.bytes', { n: bytes });
  if (bytes < 1024 * 1024) return t('dossier.size.kb', { n: Math.round(bytes / 1024) });
  return t('dossier.size.mb', { n: (bytes / 1024 / 1024).toFixed(1).replace('.', ',') });
}

let nextKey = 0;

export function DocumentsPanel(props: { consultationId: string; dossier: OpenedDossier; state: DossierState; online: () => boolean }) {
  let input: HTMLInputElement | undefined;
  const [rows, setRows] = createSignal<UploadRow[]>([]);
  const [dragging, setDragging] = createSignal(false);
  const [actionError, setActionError] = createSignal('');
  const [offerStamp, setOfferStamp] = createSignal<DocumentEntry | null>(null);
  const [sending, setSending] = createSignal<DocumentEntry | null>(null);
  const [annotating, setAnnotating] = createSignal<DocumentEntry | null>(null);
  const [busy, setBusy] = createSignal<string | null>(null);
  const [hasSignature] = createResource(() => documentsApi.hasSignature());

  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const upload = documentsApi.upload(props.consultationId, file);
      const [progress, setProgress] = createSignal(0);
      const [error, setError] = createSignal('');
      const row: UploadRow = { key: nextKey++, name: file.name, progress, error, upload };
      upload.onProgress(setProgress);
      setRows((r) => [...r, row]);
      void upload.result.then((result) => {
        if (result.ok) {
          setRows((r) => r.filter((x) => x !== row));
          if (result.value.document.mimeType === 'application/pdf' && hasSignature()) setOfferStamp(result.value.document);
        } else if (result.status === -1) {
          setRows((r) => r.filter((x) => x !== row));
        } else {
          setError(result.message ?? t('dossier.error.network'));
        }
      });
    }
  };

  const act = async (doc: DocumentEntry, what: 'stamp' | 'toPdf') => {
    setActionError('');
    setBusy(`${what}:${doc.id}`);
    const result = what === 'stamp' ? await documentsApi.stamp(props.consultationId, doc.id) : await documentsApi.toPdf(props.consultationId, doc.id);
    setBusy(null);
    if (!result.ok) setActionError(result.message ?? t('dossier.error.network'));
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer?.files.length) start(e.dataTransfer.files);
  };

  return (
    <section class="documents" aria-labelledby="documents-title">
      <h3 id="documents-title">{t('dossier.documents.title')}</h3>
      <div
        class="drop-zone"
        classList={{ 'drop-zone--active': dragging() }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <button type="button" class="button" disabled={!props.online()} onClick={() => input?.click()}>
          {t('dossier.documents.add')}
        </button>
        <span class="drop-hint">{t('dossier.documents.dropHint')}</span>
        <input
          ref={(el) => (input = el)}
          type="file"
          multiple
          accept="application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
          class="visually-hidden"
          tabindex="-1"
          aria-hidden="true"
          data-testid="document-input"
          onChange={(e) => {
            if (e.currentTarget.files) start(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </div>
      <Show when={!props.online()}>
        <p class="sign-hint">{t('dossier.documents.offline')}</p>
      </Show>

      <Show when={rows().length > 0}>
        <ul class="upload-list" aria-label={t('dossier.documents.uploads')}>
          <For each={rows()}>
            {(row) => (
              <li class="upload-row">
                <span class="upload-name" id={`upload-${row.key}`}>
                  {row.name}
                </span>
                <Show
                  when={!row.error()}
                  fallback={
                    <p class="form-error" role="alert">
                      {t('dossier.documents.refused', { name: row.name, reason: row.error() })}
                    </p>
                  }
                >
                  <progress max="1" value={row.progress()} aria-labelledby={`upload-${row.key}`} />
                  <span class="upload-percent">{Math.round(row.progress() * 100)} %</span>
                </Show>
                <button
                  type="button"
                  class="button button--small"
                  onClick={() => (row.error() ? setRows((r) => r.filter((x) => x !== row)) : row.upload.cancel())}
                >
                  {row.error() ? t('dossier.documents.dismiss') : t('dossier.documents.cancel')}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>

      <Show when={offerStamp()}>
        {(doc) => (
          <div class="stamp-offer" role="dialog" aria-labelledby="stamp-offer-title" aria-modal="false">
            <p id="stamp-offer-title">{t('dossier.documents.stampOffer', { name: doc().name })}</p>
            <div class="sign-actions">
              <button
                type="button"
                class="button button--primary"
                onClick={() => {
                  // Read before hiding: the accessor of a closed <Show> must not be read.
                  const target = doc();
                  setOfferStamp(null);
                  void act(target, 'stamp');
                }}
              >
                {t('dossier.documents.stamp')}
              </button>
              <button type="button" class="button" onClick={() => setOfferStamp(null)}>
                {t('dossier.documents.noStamp')}
              </button>
            </div>
          </div>
        )}
      </Show>

      <p class="form-error" role="alert">
        {actionError()}
      </p>

      <Show when={props.state.documents().length > 0} fallback={<p class="documents-empty">{t('dossier.documents.empty')}</p>}>
        <ul class="document-list" aria-label={t('dossier.documents.list')}>
          <For each={props.state.documents()}>
            {(doc) => (
              <li class="document-item">
                <div class="document-main">
                  <a class="document-name" href={documentUrl(props.consultationId, doc.id)} download={doc.name}>
                    {doc.name}
                  </a>
                  <span class="document-meta">
                    {formatSize(doc.size)} · {t('dossier.documents.addedBy', { name: doc.addedByName ?? '', when: formatParisDateTime(doc.addedAt) })}
                  </span>
                  <span class="document-tags">
                    <Show when={doc.signed}>
                      <span class="tag tag--signed">{t('dossier.documents.signed')}</span>
                    </Show>
                    <Show when={(doc.sentTo ?? []).length > 0}>
                      <span class="tag">{t('dossier.documents.sent', { n: (doc.sentTo ?? []).length })}</span>
                    </Show>
                  </span>
                </div>
                <div class="document-actions">
                  <Show when={doc.mimeType === 'application/pdf' && hasSignature() && !doc.signed}>
                    <button type="button" class="button button--small" disabled={busy() !== null || !props.online()} onClick={() => void act(doc, 'stamp')}>
                      {t('dossier.documents.stamp')}
                      <span class="visually-hidden"> — {doc.name}</span>
                    </button>
                  </Show>
                  <Show when={doc.mimeType !== 'application/pdf'}>
                    <button type="button" class="button button--small" disabled={!props.online()} onClick={() => setAnnotating(doc)}>
                      {t('dossier.annotate.open')}
                      <span class="visually-hidden"> — {doc.name}</span>
                    </button>
                    <button type="button" class="button button--small" disabled={busy() !== null || !props.online()} onClick={() => void act(doc, 'toPdf')}>
                      {t('dossier.documents.toPdf')}
                      <span class="visually-hidden"> — {doc.name}</span>
                    </button>
                  </Show>
                  <Show when={doc.mimeType === 'application/pdf'}>
                    <button type="button" class="button button--small" disabled={!props.online()} onClick={() => setSending(doc)}>
                      {t('dossier.documents.send')}
                      <span class="visually-hidden"> — {doc.name}</span>
                    </button>
                  </Show>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={annotating()} keyed>
        {(doc) => <AnnotatePanel consultationId={props.consultationId} dossier={props.dossier} document={doc} onClose={() => setAnnotating(null)} />}
      </Show>
      <Show when={sending()}>
        {(doc) => <SendDialog consultationId={props.consultationId} document={doc()} onClose={() => setSending(null)} />}
      </Show>
    </section>
  );
}
