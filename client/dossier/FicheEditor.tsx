/** The «Dossier» panel's fiche: one textarea per field, co-edited live with presence. */
import { createEffect, createMemo, For, onCleanup, Show } from 'solid-js';
import { FICHE_FIELDS, type FicheField } from '../../schema/dossier.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import type { OpenedDossier } from '../sync/openDossier.ts';
import { bindTextarea } from './bindText.ts';
import type { Peer } from './presence.ts';

export const FIELD_LABELS: Record<FicheField, MessageKey> = {
  motif: 'dossier.field.motif',
  antecedents: 'dossier.field.antecedents',
  traitements: 'dossier.field.traitements',
  examenClinique: 'dossier.field.examenClinique',
  conclusion: 'dossier.field.conclusion',
  conduiteATenir: 'dossier.field.conduiteATenir',
  prescriptions: 'dossier.field.prescriptions',
};

interface FicheEditorProps {
  dossier: OpenedDossier;
  peers: () => Peer[];
  onFieldFocus: (field: FicheField | null) => void;
}

export function FicheEditor(props: FicheEditorProps) {
  return (
    <form class="fiche" aria-labelledby="fiche-title" onSubmit={(e) => e.preventDefault()}>
      <h3 id="fiche-title" class="fiche-title">
        {t('dossier.fiche')}
      </h3>
      <For each={FICHE_FIELDS}>
        {(name) => (
          <FicheFieldEditor
            name={name}
            dossier={props.dossier}
            others={() => props.peers().filter((p) => !p.self && p.field === name)}
            onFocus={() => props.onFieldFocus(name)}
            onBlur={() => props.onFieldFocus(null)}
          />
        )}
      </For>
    </form>
  );
}

function FicheFieldEditor(props: {
  name: FicheField;
  dossier: OpenedDossier;
  others: () => Peer[];
  onFocus: () => void;
  onBlur: () => void;
}) {
  const id = `fiche-${props.name}`;
  let textarea: HTMLTextAreaElement | undefined;
  // The Y.Text appears once the server's structure reached this copy (server or IndexedDB).
  const ytext = createMemo(() => {
    props.dossier.ficheRevision();
    return props.dossier.teledossier.field(props.name);
  });

  createEffect(() => {
    const text = ytext();
    if (!text || !textarea) return;
    const unbind = bindTextarea(textarea, text);
    onCleanup(unbind);
  });

  return (
    <div class="fiche-field" classList={{ 'fiche-field--shared': props.others().length > 0 }}>
      <div class="fiche-field-head">
        <label for={id}>{t(FIELD_LABELS[props.name])}</label>
        <Show when={props.others().length > 0}>
          <ul class="fiche-field-peers">
            <For each={props.others()}>
              {(peer) => (
                <li class="peer-chip">
                  <span class="peer-dot" style={{ 'background-color': peer.color }} aria-hidden="true" />
                  {t('dossier.editingHere', { name: peer.name })}
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>
      <textarea
        ref={(el) => (textarea = el)}
        id={id}
        name={props.name}
        rows={props.name === 'motif' ? 2 : 4}
        disabled={!ytext()}
        aria-busy={!ytext()}
        aria-describedby={ytext() ? undefined : `${id}-loading`}
        onFocus={props.onFocus}
        onBlur={props.onBlur}
        style={{ 'border-color': props.others()[0]?.color }}
      />
      <Show when={!ytext()}>
        <p id={`${id}-loading`} class="fiche-field-loading">
          {t('dossier.fieldLoading')}
        </p>
      </Show>
    </div>
  );
}
