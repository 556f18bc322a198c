/**
 * The consultation page (SPEC §7.1) with its «Dossier» panel. Offline (SPEC §8), the summary
 * comes from this station's cache and the fiche from IndexedDB; edits merge when the network
 * returns.
 */
import { A, useParams } from '@solidjs/router';
import { createEffect, createResource, Match, onCleanup, Show, Switch } from 'solid-js';
import type { ConsultationSummary } from '../../schema/api.ts';
import { api } from '../api.ts';
import { CallPanel } from '../call/CallPanel.tsx';
import { InvitationsPanel } from '../consultation/InvitationsPanel.tsx';
import { FicheEditor } from '../dossier/FicheEditor.tsx';
import { DossierDocuments } from '../dossier/DossierDocuments.tsx';
import { PresenceList } from '../dossier/PresenceList.tsx';
import { trackPresence } from '../dossier/presence.ts';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import { cachedConsultation, rememberConsultation, sessionExpired, user } from '../session.ts';
import { ConnectionBadge } from '../sync/ConnectionBadge.tsx';
import { openDossier } from '../sync/openDossier.ts';
import { STATUS_LABELS } from './ActivityPage.tsx';

type SummaryState =
  | { kind: 'found'; consultation: ConsultationSummary }
  | { kind: 'unavailable' }
  | { kind: 'refused'; message: string };

async function loadSummary(id: string): Promise<SummaryState> {
  const result = await api.consultation(id);
  if (result.ok) {
    rememberConsultation(result.value.consultation);
    return { kind: 'found', consultation: result.value.consultation };
  }
  if (result.kind === 'unauthorized') {
    sessionExpired();
    return { kind: 'unavailable' };
  }
  if (result.kind === 'forbidden' || result.kind === 'notFound') {
    return { kind: 'refused', message: result.message ?? t('consultation.notFound') };
  }
  // Offline or server trouble: what this station saw last time is better than nothing.
  const cached = cachedConsultation(id);
  return cached ? { kind: 'found', consultation: cached } : { kind: 'unavailable' };
}

export function ConsultationPage() {
  const params = useParams<{ id: string }>();
  return (
    <Show when={params.id} keyed>
      {(id) => <ConsultationView id={id} />}
    </Show>
  );
}

function ConsultationView(props: { id: string }) {
  // Start from the cache so that the page shows at once, then refresh from the server.
  const initial = cachedConsultation(props.id);
  const [summary] = createResource(
    () => props.id,
    loadSummary,
    initial ? { initialValue: { kind: 'found', consultation: initial } } : {},
  );
  const consultation = () => {
    const s = summary.latest;
    return s?.kind === 'found' ? s.consultation : null;
  };
  const refusal = () => {
    const s = summary.latest;
    return s?.kind === 'refused' ? s.message : null;
  };

  const title = () => {
    const c = consultation();
    return c ? t('consultation.titleWith', { patient: c.patientName }) : t('consultation.title');
  };
  createEffect(() => {
    document.title = `${title()} — ${t('app.name')}`;
  });

  return (
    <div class="page">
      <header class="page-header consultation-header">
        <div>
          <h1>{title()}</h1>
          <Show when={consultation()}>
            {(c) => (
              <dl class="consultation-facts">
                <div>
                  <dt>{t('consultation.when')}</dt>
                  <dd>
                    <time datetime={c().start}>{formatParisDateTime(c().start)}</time>
                    {' · '}
                    {t('consultation.duration', { minutes: c().durationMinutes })}
                  </dd>
                </div>
                <div>
                  <dt>{t('consultation.status')}</dt>
                  <dd>
                    <span class="status-tag" data-status={c().status}>
                      {t(STATUS_LABELS[c().status])}
                    </span>
                  </dd>
                </div>
                <Show when={c().reason}>
                  <div>
                    <dt>{t('consultation.reason')}</dt>
                    <dd>{c().reason}</dd>
                  </div>
                </Show>
                <Show when={c().consent}>
                  {(consent) => (
                    <div>
                      <dt>{t('consultation.consent')}</dt>
                      <dd>
                        {t('consultation.consentLine', {
                          who:
                            consent().givenBy === 'patient'
                              ? t('consultation.consentBy.patient')
                              : t('consultation.consentBy.representative', { name: consent().representativeName ?? '' }),
                          how: t(consent().method === 'oral' ? 'consultation.consentMethod.oral' : 'consultation.consentMethod.written'),
                          when: formatParisDateTime(consent().givenAt),
                        })}
                      </dd>
                    </div>
                  )}
                </Show>
                <Show when={c().accompaniment}>
                  {(a) => (
                    <div>
                      <dt>{t('consultation.accompaniment')}</dt>
                      <dd>
                        {a().kind === 'none'
                          ? t('consultation.accompaniment.none')
                          : t(a().kind === 'relative' ? 'consultation.accompaniment.relative' : 'consultation.accompaniment.professional', {
                              name: a().name,
                              detail: a().detail,
                            })}
                      </dd>
                    </div>
                  )}
                </Show>
              </dl>
            )}
          </Show>
          <Show when={summary.state === 'ready' && summary.latest?.kind === 'unavailable'}>
            <p class="notice">{t('consultation.unavailable')}</p>
          </Show>
        </div>
      </header>
      <Switch>
        <Match when={refusal()}>
          {(message) => (
            <div class="panel">
              <p class="form-error" role="alert">
                {message()}
              </p>
              <A href="/" class="button">
                {t('consultation.back')}
              </A>
            </div>
          )}
        </Match>
        <Match when={!refusal()}>
          <CallPanel consultationId={props.id} />
          <InvitationsPanel consultationId={props.id} />
          <DossierPanel consultationId={props.id} />
        </Match>
      </Switch>
    </div>
  );
}

function DossierPanel(props: { consultationId: string }) {
  const dossier = openDossier(props.consultationId);
  onCleanup(() => dossier.close());
  const me = user();
  const presence = trackPresence(dossier.awareness, {
    name: me?.displayName ?? '',
    color: me?.color ?? '#5b6475',
  });

  return (
    <section class="panel dossier" aria-labelledby="dossier-title">
      <div class="dossier-head">
        <h2 id="dossier-title">{t('dossier.title')}</h2>
        <ConnectionBadge state={dossier.connection} />
      </div>
      <Show when={dossier.connection() === 'offline'}>
        <p class="notice">{t('sync.offlineHint')}</p>
      </Show>
      <div class="dossier-body">
        <FicheEditor dossier={dossier} peers={presence.peers} onFieldFocus={(field) => presence.setField(field)} />
        <PresenceList peers={presence.peers} />
      </div>
      <DossierDocuments consultationId={props.consultationId} dossier={dossier} />
    </section>
  );
}
