/**
 * Settings › «Charger une signature» (SPEC §7.1.3): upload a PNG or JPEG of one's signature, see
 * it, replace or delete it, «Fermer».
 */
import { createSignal, Show } from 'solid-js';
import { documentsApi } from '../dossier/documentsApi.ts';
import { t } from '../i18n/index.ts';
import '../dossier/documents.css';

export function SignatureSettings(props: { onClose?: () => void }) {
  let input: HTMLInputElement | undefined;
  // Bumped after each change, so the preview reloads the new image (the URL does not change).
  const [version, setVersion] = createSignal(0);
  const [has, setHas] = createSignal<boolean | null>(null);
  const [error, setError] = createSignal('');
  const [status, setStatus] = createSignal('');
  void documentsApi.hasSignature().then(setHas);

  const upload = async (file: File) => {
    setError('');
    setStatus('');
    const result = await documentsApi.uploadSignature(file).result;
    if (!result.ok) return setError(result.message ?? t('dossier.error.network'));
    setHas(true);
    setVersion(version() + 1);
    setStatus(t('dossier.signatureImage.saved'));
  };

  const remove = async () => {
    setError('');
    const result = await documentsApi.deleteSignature();
    if (!result.ok) return setError(result.message ?? t('dossier.error.network'));
    setHas(false);
    setStatus(t('dossier.signatureImage.deleted'));
  };

  return (
    <section class="panel" aria-labelledby="signature-title">
      <h2 id="signature-title">{t('dossier.signatureImage.title')}</h2>
      <p>{t('dossier.signatureImage.help')}</p>
      <Show when={has()} fallback={<p>{t('dossier.signatureImage.none')}</p>}>
        <figure>
          <img class="signature-preview" src={`${documentsApi.signatureImageUrl}?v=${version()}`} alt={t('dossier.signatureImage.preview')} />
        </figure>
      </Show>
      <input
        ref={(el) => (input = el)}
        type="file"
        accept="image/png,image/jpeg"
        class="visually-hidden"
        tabindex="-1"
        aria-hidden="true"
        data-testid="signature-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) void upload(file);
        }}
      />
      <div class="sign-actions">
        <button type="button" class="button button--primary" onClick={() => input?.click()}>
          {has() ? t('dossier.signatureImage.replace') : t('dossier.signatureImage.choose')}
        </button>
        <Show when={has()}>
          <button type="button" class="button" onClick={() => void remove()}>
            {t('dossier.signatureImage.delete')}
          </button>
        </Show>
        <Show when={props.onClose}>
          {(close) => (
            <button type="button" class="button" onClick={() => close()()}>
              {t('dossier.signatureImage.close')}
            </button>
          )}
        </Show>
      </div>
      <p class="form-error" role="alert">
        {error()}
      </p>
      <p class="send-status" role="status">
        {status()}
      </p>
    </section>
  );
}
