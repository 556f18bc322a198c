/** «Vue activité» (SPEC §2): the consultations this professional can open. */
import { A } from '@solidjs/router';
import { createResource, For, Match, onMount, Show, Switch } from 'solid-js';
import type { ConsultationSummary } from '../../schema/api.ts';
import { api } from '../api.ts';
import { formatParisDateTime } from '../format.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { cachedConsultations, rememberConsultationList, sessionExpired } from '../session.ts';

export const STATUS_LABELS: Record<ConsultationSummary['status'], MessageKey> = {
  scheduled: 'status.scheduled',
  ongoing: 'status.ongoing',
  ended: 'status.ended',
};

type ListState =
  | { kind: 'live'; list: ConsultationSummary[] }
  | { kind: 'cached'; list: ConsultationSummary[] }
  | { kind: 'error'; message: string };

async function loadList(): Promise<ListState> {
  const result = await api.consultations();
  if (result.ok) {
    const list = [...result.value.consultations].sort((a, b) => a.start.localeCompare(b.start));
    rememberConsultationList(list);
    return { kind: 'live', list };
  }
  if (result.kind === 'unauthorized') {
    sessionExpired();
    return { kind: 'live', list: [] };
  }
  if (result.kind === 'network') return { kind: 'cached', list: cachedConsultations() };
  return { kind: 'error', message: result.message ?? t('activity.error') };
}

export function ActivityPage() {
  const [state] = createResource(loadList);
  const errorMessage = () => {
    const s = state();
    return s?.kind === 'error' ? s.message : null;
  };
  const listed = () => {
    const s = state();
    return s && s.kind !== 'error' ? s : null;
  };
  onMount(() => {
    document.title = `${t('activity.title')} — ${t('app.name')}`;
  });

  return (
    <div class="page">
      <header class="page-header">
        <h1>{t('activity.title')}</h1>
      </header>
      <section class="panel" aria-labelledby="activity-list-title">
        <h2 id="activity-list-title">{t('activity.list')}</h2>
        <Switch fallback={<p aria-busy="true">{t('app.loading')}</p>}>
          <Match when={errorMessage()}>
            {(message) => (
              <p class="form-error" role="alert">
                {message()}
              </p>
            )}
          </Match>
          <Match when={listed()}>
            {(listing) => (
              <>
                <Show when={listing().kind === 'cached'}>
                  <p class="notice">{t('activity.offline')}</p>
                </Show>
                <Show when={listing().list.length > 0} fallback={<p>{t('activity.empty')}</p>}>
                  <ul class="consultation-list" aria-labelledby="activity-list-title">
                    <For each={listing().list}>{(c) => <ConsultationItem consultation={c} />}</For>
                  </ul>
                </Show>
              </>
            )}
          </Match>
        </Switch>
      </section>
    </div>
  );
}

function ConsultationItem(props: { consultation: ConsultationSummary }) {
  return (
    <li>
      <A class="consultation-card" href={`/consultations/${encodeURIComponent(props.consultation.id)}`}>
        <span class="consultation-patient">{props.consultation.patientName}</span>
        <span class="consultation-date">
          <time datetime={props.consultation.start}>{formatParisDateTime(props.consultation.start)}</time>
        </span>
        <span class="status-tag" data-status={props.consultation.status}>
          {t(STATUS_LABELS[props.consultation.status])}
        </span>
        <Show when={props.consultation.reason}>
          <span class="consultation-reason">{props.consultation.reason}</span>
        </Show>
      </A>
    </li>
  );
}
