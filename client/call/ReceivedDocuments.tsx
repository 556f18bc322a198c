/**
 * Documents sent in the call (SPEC §7.1.4 case 1), from the room document's `sent` list: the
 * patient's page shows «Document reçu — <name>» with «Télécharger» as soon as one is sent.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import type { SentDocument } from '../../schema/room.ts';
import { t } from '../i18n/index.ts';
import type { CallAuth, OpenedRoom } from './openRoom.ts';

/** Where a participant downloads a sent document; guests prove themselves with their invitation. */
export function sentDocumentUrl(consultationId: string, documentId: string, auth: CallAuth): string {
  const base = `/api/room/${encodeURIComponent(consultationId)}/sent/${encodeURIComponent(documentId)}`;
  return auth.kind === 'invitation' ? `${base}?invitation=${encodeURIComponent(auth.token)}` : base;
}

export function ReceivedDocuments(props: { consultationId: string; room: OpenedRoom; auth: CallAuth }) {
  // The room stays the same for the life of this component; read it once.
  const room = props.room.room;
  const [sent, setSent] = createSignal<SentDocument[]>(room.sentDocuments());
  const update = () => setSent(room.sentDocuments());
  room.sent.observe(update);
  onCleanup(() => room.sent.unobserve(update));

  return (
    <Show when={sent().length > 0}>
      <section class="call-received" aria-labelledby="received-title">
        <h3 id="received-title">{t('room.received.title')}</h3>
        <ul class="received">
          <For each={sent()}>
            {(doc) => (
              <li>
                <span>{t('room.received.item', { name: doc.name })}</span>
                <a
                  class="button"
                  href={sentDocumentUrl(props.consultationId, doc.documentId, props.auth)}
                  download={doc.name}
                  aria-label={t('room.received.downloadName', { name: doc.name })}
                >
                  {t('room.received.download')}
                </a>
              </li>
            )}
          </For>
        </ul>
      </section>
    </Show>
  );
}
