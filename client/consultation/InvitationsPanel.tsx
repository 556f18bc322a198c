/**
 * The invitations of a consultation on its page (SPEC §6, §7.1.1): to whom, by which channel, the
 * delivery status, and «Renvoyer l'invitation» per recipient and channel.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import type { InvitationView } from '../../schema/consultation.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { wizardApi } from './api.ts';
import { formatInstant } from './format.ts';
import './consultation.css';

export function InvitationsPanel(props: { consultationId: string }) {
  const [list, { mutate, refetch }] = createResource(
    () => props.consultationId,
    async (id) => {
      const r = await wizardApi.invitations(id);
      return r.ok ? r.value.invitations : null;
    },
  );
  const [announce, setAnnounce] = createSignal('');
  const [busyId, setBusyId] = createSignal<string | null>(null);

  const resend = async (inv: InvitationView) => {
    setBusyId(inv.id);
    const r = await wizardApi.resend(props.consultationId, inv.id);
    setBusyId(null);
    if (r.ok) {
      mutate((current) => current?.map((i) => (i.id === inv.id ? r.value.invitation : i)) ?? null);
      setAnnounce(t('consultation.invitations.resent', { to: inv.to }));
      void refetch();
    } else {
      setAnnounce(r.error.message ?? t('consultation.error.network'));
    }
  };

  return (
    <section class="panel" aria-labelledby="invitations-title">
      <h2 id="invitations-title">{t('consultation.invitations.title')}</h2>
      <Show when={list()} fallback={<Show when={list.state === 'ready'}><p>{t('consultation.invitations.unavailable')}</p></Show>}>
        {(items) => (
          <Show when={items().length > 0} fallback={<p>{t('consultation.invitations.none')}</p>}>
            <div class="table-scroll">
              <table class="invitation-table">
                <caption class="visually-hidden">{t('consultation.invitations.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('consultation.invitations.col.recipient')}</th>
                    <th scope="col">{t('consultation.invitations.col.channel')}</th>
                    <th scope="col">{t('consultation.invitations.col.status')}</th>
                    <th scope="col">
                      <span class="visually-hidden">{t('consultation.invitations.col.action')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={items()}>
                    {(inv) => (
                      <tr>
                        <td>
                          {t(`consultation.invitations.recipient.${inv.recipient}` as MessageKey)}
                          <br />
                          <span class="result-meta">{inv.to}</span>
                        </td>
                        <td>{t(`consultation.invitations.channel.${inv.channel}` as MessageKey)}</td>
                        <td>
                          <span class="delivery" data-status={inv.status}>
                            {t(`consultation.invitations.status.${inv.status}` as MessageKey)}
                          </span>
                          <Show when={inv.sentAt}>
                            {(at) => <span class="result-meta"> · {formatInstant(Date.parse(at()))}</span>}
                          </Show>
                          <Show when={inv.sends > 1}>
                            <span class="result-meta"> · {t('consultation.invitations.sends', { count: inv.sends })}</span>
                          </Show>
                        </td>
                        <td>
                          <button type="button" class="button" disabled={busyId() === inv.id} onClick={() => void resend(inv)}>
                            {t('consultation.invitations.resend')}
                            <span class="visually-hidden">
                              {' '}
                              {t(`consultation.invitations.recipient.${inv.recipient}` as MessageKey)} — {t(`consultation.invitations.channel.${inv.channel}` as MessageKey)}
                            </span>
                          </button>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
      <p role="status" class="field-hint">
        {announce()}
      </p>
    </section>
  );
}
