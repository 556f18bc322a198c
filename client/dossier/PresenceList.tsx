import { For, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { FIELD_LABELS } from './FicheEditor.tsx';
import type { Peer } from './presence.ts';

/** «Personnes présentes»: everyone with the dossier open, yourself included. */
export function PresenceList(props: { peers: () => Peer[] }) {
  return (
    <section class="presence" aria-labelledby="presence-title">
      <h3 id="presence-title" class="presence-title">
        {t('presence.title')}
      </h3>
      <ul class="presence-list">
        <For each={props.peers()}>
          {(peer) => (
            <li class="presence-item">
              <span class="peer-dot" style={{ 'background-color': peer.color }} aria-hidden="true" />
              <span class="presence-name">{peer.self ? t('presence.you', { name: peer.name }) : peer.name}</span>
              <Show when={peer.field}>
                {(field) => <span class="presence-field">{t('presence.inField', { field: t(FIELD_LABELS[field()]) })}</span>}
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
