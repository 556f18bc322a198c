/**
 * Annotating an image of the dossier together (design card, SPEC §7.2.2): the tldraw editor,
 * loaded lazily as a React island, its records bound to the image's Y.Map in the dossier, so
 * every professional sees strokes, arrows and circles appear live. «Enregistrer comme document»
 * exports the annotated image as a PNG document and its one-page PDF.
 *
 * Licence (stack.md): tldraw runs without a key on localhost and plain-http origins; on a
 * production https origin it needs TLDRAW_LICENSE_KEY, and without one the editor is not mounted.
 */
import { apiCall } from '../apiCall.ts';
import { createResource, createSignal, onCleanup, onMount, Show } from 'solid-js';
import type { Editor } from 'tldraw';
import type { DocumentEntry } from '../../schema/dossier.ts';
import { documentsApi, documentUrl } from '../dossier/documentsApi.ts';
import { lang, t } from '../i18n/index.ts';
import type { OpenedDossier } from '../sync/openDossier.ts';

const devOrigin = (): boolean =>
  location.protocol === 'http:' || ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname);

async function licenceKey(): Promise<string | null> {
  const result = await apiCall('annotateLicence');
  return result.ok ? result.value.licenseKey : null;
}

function imageSize(url: string): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => reject(new Error('image'));
    img.src = url;
  });
}

export function AnnotatePanel(props: { consultationId: string; dossier: OpenedDossier; document: DocumentEntry; onClose: () => void }) {
  const [key] = createResource(licenceKey);
  const allowed = () => key.state === 'ready' && (key() !== null || devOrigin());
  return (
    <section class="annotate" aria-labelledby="annotate-title">
      <h3 id="annotate-title">{t('dossier.annotate.title', { name: props.document.name })}</h3>
      <Show when={key.state === 'ready'} fallback={<p>{t('dossier.vault.loading')}</p>}>
        <Show when={allowed()} fallback={<p class="notice">{t('dossier.annotate.noLicence')}</p>}>
          <Canvas {...props} licenseKey={key() ?? undefined} />
        </Show>
      </Show>
      <button type="button" class="button" onClick={() => props.onClose()}>
        {t('dossier.annotate.close')}
      </button>
    </section>
  );
}

function Canvas(props: { consultationId: string; dossier: OpenedDossier; document: DocumentEntry; licenseKey: string | undefined }) {
  let host: HTMLDivElement | undefined;
  const [editor, setEditor] = createSignal<Editor | null>(null);
  const [status, setStatus] = createSignal('');
  const [error, setError] = createSignal('');
  let unmount: (() => void) | null = null;
  let photoShape: string | null = null;

  onMount(() => {
    const map = props.dossier.teledossier.annotationsOf(props.document.id);
    if (!map || !host) return setError(t('dossier.annotate.notReady'));
    const url = documentUrl(props.consultationId, props.document.id, true);
    void Promise.all([import('./mount.react.tsx'), imageSize(url)]).then(
      ([island, size]) => {
        if (!host) return;
        photoShape = island.PHOTO_SHAPE_ID;
        unmount = island.mountCanvas(host, {
          map,
          imageUrl: url,
          imageName: props.document.name,
          width: size.width,
          height: size.height,
          licenseKey: props.licenseKey,
          locale: lang(),
          onEditor: setEditor,
        });
      },
      () => setError(t('dossier.annotate.loadFailed')),
    );
  });
  onCleanup(() => unmount?.());

  const save = async () => {
    const ed = editor();
    if (!ed || !photoShape) return;
    setError('');
    setStatus(t('dossier.annotate.saving'));
    const ids = [...ed.getCurrentPageShapeIds()];
    const { blob } = await ed.toImage(ids, { format: 'png', background: true });
    const name = props.document.name.replace(/\.[A-Za-z0-9]{1,5}$/, '') + ' (annotée).png';
    const uploaded = await documentsApi.upload(props.consultationId, new File([blob], name, { type: 'image/png' })).result;
    if (!uploaded.ok) {
      setStatus('');
      return setError(uploaded.message ?? t('dossier.error.network'));
    }
    const pdf = await documentsApi.toPdf(props.consultationId, uploaded.value.document.id);
    setStatus(pdf.ok ? t('dossier.annotate.saved') : '');
    if (!pdf.ok) setError(pdf.message ?? t('dossier.error.network'));
  };

  return (
    <>
      <div ref={(el) => (host = el)} class="annotate-canvas" data-testid="annotate-canvas" />
      <div class="sign-actions">
        <button type="button" class="button button--primary" disabled={!editor()} onClick={() => void save()}>
          {t('dossier.annotate.save')}
        </button>
      </div>
      <p class="form-error" role="alert">
        {error()}
      </p>
      <p class="send-status" role="status">
        {status()}
      </p>
    </>
  );
}
