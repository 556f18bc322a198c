/**
 * The warning that a télédossier will soon be purged (SPEC §7.3), shown PURGE_WARNING_DAYS days
 * before (purge.ts) in the activity view and on the consultation page, so that someone
 * «Exporter» it first.
 */
import { Show } from 'solid-js';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import { purgeSoon } from './purge.ts';
import './documents.css';

export function PurgeWarning(props: { purgeAt: string | undefined }) {
  return (
    <Show when={purgeSoon(props.purgeAt) && props.purgeAt}>
      {(at) => <span class="purge-warning">{t('dossier.purge.soon', { when: formatParisDateTime(at()) })}</span>}
    </Show>
  );
}
