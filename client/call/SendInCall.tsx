/**
 * «Envoyer le document» during the call, to the patient (SPEC §7.1.4 case 1): a PDF of the dossier,
 * checked, audited and added to the room's `sent` list by the server (clients do not write that
 * list), so that it shows on the patient's page at once.
 */
import { apiCall } from '../apiCall.ts';
import { createSignal, For, onCleanup, Show } from 'solid-js';
import type { DocumentEntry } from '../../schema/dossier.ts';
import { t } from '../i18n/index.ts';
import { openDossier } from '../sync/openDossier.ts';

export function SendInCall(props: { consultationId: string }) {
  const dossier = openDossier(props.consultationId);
  onCleanup(() => dossier.close());
  const pdfs = () => dossier.teledossier.documentList().filter((d) => d.mimeType === 'application/pdf');
  const [list, setList] = createSignal<DocumentEntry[]>(pdfs());
  const refresh = () => setList(pdfs());
  dossier.teledossier.documents.observeDeep(refresh);
  onCleanup(() => dossier.teledossier.documents.unobserveDeep(refresh));
  const [choice, setChoice] = createSignal('');
  const [message, setMessage] = createSignal<string | null>(null);

  const send = async (event: SubmitEvent) => {
    event.preventDefault();
    const documentId = choice() || list()[0]?.id;
    if (!documentId) return;
    const result = await apiCall('roomSend', { params: { consultationId: props.consultationId }, body: { documentId } });
    if (result.ok) setMessage(t('room.send.done', { name: result.value.sent.name }));
    else setMessage(t('room.send.failed', { reason: result.kind === 'network' ? t('login.error.network') : (result.message ?? String(result.status)) }));
  };

  return (
    <Show when={list().length > 0}>
      <form class="send-in-call" onSubmit={(e) => void send(e)}>
        <label for="send-in-call-document">{t('room.send.label')}</label>
        <select id="send-in-call-document" value={choice()} onChange={(e) => setChoice(e.currentTarget.value)}>
          <For each={list()}>{(doc) => <option value={doc.id}>{doc.name}</option>}</For>
        </select>
        <button type="submit" class="button">
          {t('room.send.submit')}
        </button>
        <p role="status">{message() ?? ''}</p>
      </form>
    </Show>
  );
}
