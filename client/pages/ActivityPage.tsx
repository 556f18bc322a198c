/**
 * «Vue activité» (SPEC §2): left, the télédossiers this professional can open (search by patient
 * name, filter by status); right, «Mes rendez-vous», live from the establishment's activity
 * document: a colleague's new consultation appears without reloading. Both show the status as it
 * follows who is in the call room (`consultationStatus`), live from that document.
 */
import { A } from '@solidjs/router';
import { createMemo, createResource, createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import type { ConsultationSummary } from '../../schema/api.ts';
import { consultationStatus } from '../../schema/consultation.ts';
import { searchForm } from '../../schema/directory.ts';
import { api } from '../api.ts';
import { formatParisDateTime } from '../format.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { cachedConsultations, rememberConsultationList, sessionExpired, user } from '../session.ts';
import { openActivity } from '../consultation/openActivity.ts';
import '../consultation/consultation.css';
import { PurgeWarning } from '../dossier/PurgeWarning.tsx';


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
  const activity = openActivity(user()?.establishmentIds ?? []);
  onCleanup(() => activity.close());
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 30_000);
  onCleanup(() => clearInterval(timer));
  const inRoom = createMemo(() => new Map(activity.appointments().map((a) => [a.consultationId, a.inRoom])));
  // The list came from the server once; who is in the room arrives live from the activity document.
  const withLiveStatus = (list: ConsultationSummary[]): ConsultationSummary[] =>
    list.map((c) => ({ ...c, status: consultationStatus(c, now(), inRoom().get(c.id) ?? 0) }));
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
  const [search, setSearch] = createSignal('');
  const [statusFilter, setStatusFilter] = createSignal<'' | ConsultationSummary['status']>('');
  const filtered = (list: ConsultationSummary[]) => {
    const words = searchForm(search()).split(/\s+/).filter(Boolean);
    return withLiveStatus(list).filter(
      (c) => (statusFilter() === '' || c.status === statusFilter()) && words.every((w) => searchForm(c.patientName).includes(w)),
    );
  };

  return (
    <div class="page">
      <header class="page-header">
        <h1>{t('activity.title')}</h1>
      </header>
      <div class="activity-columns">
      <section class="panel" aria-labelledby="activity-list-title">
        <h2 id="activity-list-title">{t('activity.list')}</h2>
        <div class="activity-filters">
          <div class="form-field">
            <label for="activity-search">{t('consultation.activity.search')}</label>
            <input id="activity-search" type="search" autocomplete="off" value={search()} onInput={(e) => setSearch(e.currentTarget.value)} />
          </div>
          <div class="form-field">
            <label for="activity-status">{t('consultation.activity.status')}</label>
            <select id="activity-status" value={statusFilter()} onChange={(e) => setStatusFilter(e.currentTarget.value as '' | ConsultationSummary['status'])}>
              <option value="">{t('consultation.activity.allStatuses')}</option>
              <For each={Object.keys(STATUS_LABELS) as ConsultationSummary['status'][]}>{(s) => <option value={s}>{t(STATUS_LABELS[s])}</option>}</For>
            </select>
          </div>
        </div>
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
                <Show when={filtered(listing().list).length > 0} fallback={<p>{t('activity.empty')}</p>}>
                  <ul class="consultation-list" aria-labelledby="activity-list-title">
                    <For each={filtered(listing().list)}>{(c) => <ConsultationItem consultation={c} />}</For>
                  </ul>
                </Show>
              </>
            )}
          </Match>
        </Switch>
      </section>
      <Appointments activity={activity} now={now()} />
      </div>
    </div>
  );
}

/**
 * «Mes rendez-vous»: ongoing and scheduled teleconsultations of the establishment, live. The
 * activity document lists the whole establishment's; only those the user takes part in are shown,
 * since the others would not open (docs/ACCESS.md).
 */
function Appointments(props: { activity: ReturnType<typeof openActivity>; now: number }) {
  const activity = props.activity;
  const upcoming = createMemo(() =>
    activity
      .appointments()
      .filter((a) => a.participants.includes(user()?.id ?? ''))
      .map((a) => ({ ...a, status: consultationStatus(a, props.now, a.inRoom) }))
      .filter((a) => a.status !== 'ended'),
  );
  return (
    <section class="panel" aria-labelledby="appointments-title">
      <h2 id="appointments-title">{t('consultation.activity.appointments')}</h2>
      <div class="actions">
        <A href="/consultations/nouvelle" class="button button--primary">
          {t('consultation.nav.create')}
        </A>
      </div>
      <Show when={upcoming().length > 0} fallback={<p>{activity.synced() ? t('consultation.activity.noAppointment') : t('app.loading')}</p>}>
        <ul class="appointment-list" aria-labelledby="appointments-title">
          <For each={upcoming()}>
            {(a) => (
              <li class="appointment">
                <A href={`/consultations/${encodeURIComponent(a.consultationId)}`}>
                  <strong>{a.patientName}</strong>
                </A>
                <div>
                  <time datetime={a.start}>{formatParisDateTime(a.start)}</time> · {t('consultation.duration', { minutes: a.durationMinutes })}{' '}
                  <span class="status-tag" data-status={a.status}>
                    {t(STATUS_LABELS[a.status])}
                  </span>
                </div>
                <div class="result-meta">{t('consultation.activity.createdBy', { name: a.createdByName })}</div>
                <Show when={a.status === 'ongoing' && a.startedAt}>
                  {(at) => <div class="result-meta">{t('consultation.activity.startedAt', { time: formatParisDateTime(at()) })}</div>}
                </Show>
                <Show when={a.inRoom.length > 0}>
                  <div class="result-meta">{t('consultation.activity.inRoom', { names: a.inRoom.join(', ') })}</div>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
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
        <PurgeWarning purgeAt={props.consultation.purgeAt} />
      </A>
    </li>
  );
}
