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

  const recipientOf = (inv: InvitationView) => t(`consultation.invitations.recipient.${inv.recipient}` as MessageKey);
  const channelOf = (inv: InvitationView) => t(`consultation.invitations.channel.${inv.channel}` as MessageKey);

  const Delivery = (p: { inv: InvitationView }) => (
    <>
      <span class="delivery" data-status={p.inv.status}>
        {t(`consultation.invitations.status.${p.inv.status}` as MessageKey)}
      </span>
      <Show when={p.inv.sentAt}>
        {(at) => <span class="result-meta"> · {formatInstant(Date.parse(at()))}</span>}
      </Show>
      <Show when={p.inv.sends > 1}>
        <span class="result-meta"> · {t('consultation.invitations.sends', { count: p.inv.sends })}</span>
      </Show>
    </>
  );

  const Resend = (p: { inv: InvitationView }) => (
    <button type="button" class="button invitation-resend" disabled={busyId() === p.inv.id} onClick={() => void resend(p.inv)}>
      {t('consultation.invitations.resend')}
      <span class="visually-hidden">
        {' '}
        {recipientOf(p.inv)} — {channelOf(p.inv)}
      </span>
    </button>
  );

  return (
    <section class="panel" aria-labelledby="invitations-title">
      <h2 id="invitations-title">{t('consultation.invitations.title')}</h2>
      <Show when={list()} fallback={<Show when={list.state === 'ready'}><p>{t('consultation.invitations.unavailable')}</p></Show>}>
        {(items) => (
          <Show when={items().length > 0} fallback={<p>{t('consultation.invitations.none')}</p>}>
            {/* A table on a wide screen, a card per invitation on a phone: one of the two is shown. */}
            <div class="table-scroll invitations-wide">
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
                          {recipientOf(inv)}
                          <br />
                          <span class="result-meta invitation-to">{inv.to}</span>
                        </td>
                        <td>{channelOf(inv)}</td>
                        <td>
                          <Delivery inv={inv} />
                        </td>
                        <td>
                          <Resend inv={inv} />
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <ul class="invitation-cards" aria-label={t('consultation.invitations.title')}>
              <For each={items()}>
                {(inv) => (
                  <li class="invitation-card">
                    <dl class="invitation-facts">
                      <div>
                        <dt>{t('consultation.invitations.col.recipient')}</dt>
                        <dd>
                          {recipientOf(inv)}
                          <br />
                          <span class="result-meta invitation-to">{inv.to}</span>
                        </dd>
                      </div>
                      <div>
                        <dt>{t('consultation.invitations.col.channel')}</dt>
                        <dd>{channelOf(inv)}</dd>
                      </div>
                      <div>
                        <dt>{t('consultation.invitations.col.status')}</dt>
                        <dd>
                          <Delivery inv={inv} />
                        </dd>
                      </div>
                    </dl>
                    <Resend inv={inv} />
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
      <p role="status" class="field-hint">
        {announce()}
      </p>
    </section>
  );
}
