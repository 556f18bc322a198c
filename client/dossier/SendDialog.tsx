/**
 * «Envoyer le document» (SPEC §7.1.4 case 2), PDFs only: «Coffre-fort sécurisé» to the patient's
 * ordinary email («Destinataires sélectionnés», «Ajouter», «Envoyer»), or «Messagerie sécurisée»
 * to a professional of the directory who has an MSSanté address. A modal <dialog>: focus is kept
 * inside and Escape closes it.
 */
import { apiCall } from '../apiCall.ts';
import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import type { DirectoryEntry } from '../../schema/directory.ts';
import type { DocumentEntry } from '../../schema/dossier.ts';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import { documentsApi } from './documentsApi.ts';

const STATE_KEYS = {
  open: 'dossier.send.state.open',
  expired: 'dossier.send.state.expired',
  revoked: 'dossier.send.state.revoked',
  locked: 'dossier.send.state.locked',
} as const;

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[A-Za-z]{2,}$/;

export function SendDialog(props: { consultationId: string; document: DocumentEntry; onClose: () => void }) {
  let dialog: HTMLDialogElement | undefined;
  const [mode, setMode] = createSignal<'vault' | 'mss'>('vault');
  onMount(() => dialog?.showModal());
  const close = () => {
    dialog?.close();
    props.onClose();
  };
  return (
    <dialog ref={(el) => (dialog = el)} class="send-dialog" aria-labelledby="send-title" onClose={() => props.onClose()}>
      <h2 id="send-title">{t('dossier.send.title', { name: props.document.name })}</h2>
      <fieldset class="send-mode">
        <legend>{t('dossier.send.how')}</legend>
        <label>
          <input type="radio" name="send-mode" checked={mode() === 'vault'} onChange={() => setMode('vault')} />
          {t('dossier.send.vault')}
        </label>
        <label>
          <input type="radio" name="send-mode" checked={mode() === 'mss'} onChange={() => setMode('mss')} />
          {t('dossier.send.mss')}
        </label>
      </fieldset>
      <Show when={mode() === 'vault'} fallback={<SecureMessagingForm consultationId={props.consultationId} document={props.document} />}>
        <VaultForm consultationId={props.consultationId} document={props.document} />
      </Show>
      <div class="send-footer">
        <button type="button" class="button" onClick={close}>
          {t('dossier.send.close')}
        </button>
      </div>
    </dialog>
  );
}

function VaultForm(props: { consultationId: string; document: DocumentEntry }) {
  const [email, setEmail] = createSignal('');
  const [recipients, setRecipients] = createSignal<string[]>([]);
  const [error, setError] = createSignal('');
  const [status, setStatus] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [links, { refetch }] = createResource(async () => {
    const result = await documentsApi.vaultLinks(props.consultationId);
    return result.ok ? result.value.links.filter((l) => l.documentId === props.document.id) : [];
  });

  const add = (e: Event) => {
    e.preventDefault();
    const value = email().trim().toLowerCase();
    if (!EMAIL.test(value)) return setError(t('dossier.send.invalidEmail'));
    setError('');
    if (!recipients().includes(value)) setRecipients([...recipients(), value]);
    setEmail('');
  };

  const send = async () => {
    setBusy(true);
    setError('');
    setStatus('');
    const result = await documentsApi.sendToVault(props.consultationId, props.document.id, recipients());
    setBusy(false);
    if (!result.ok) return setError(result.message ?? t('dossier.error.network'));
    setRecipients([]);
    setStatus(t('dossier.send.sent'));
    void refetch();
  };

  const revoke = async (id: string) => {
    const result = await documentsApi.revokeVaultLink(props.consultationId, id);
    if (!result.ok) setError(result.message ?? t('dossier.error.network'));
    void refetch();
  };

  return (
    <div class="send-section">
      <p class="send-help">{t('dossier.send.vaultHelp')}</p>
      <form class="send-add" onSubmit={add}>
        <div class="form-field">
          <label for="vault-email">{t('dossier.send.email')}</label>
          <input id="vault-email" type="email" autocomplete="off" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button">
          {t('dossier.send.add')}
        </button>
      </form>
      <h3 id="vault-recipients">{t('dossier.send.recipients')}</h3>
      <Show when={recipients().length > 0} fallback={<p>{t('dossier.send.noRecipient')}</p>}>
        <ul class="recipient-list" aria-labelledby="vault-recipients">
          <For each={recipients()}>
            {(r) => (
              <li>
                <span>{r}</span>
                <button type="button" class="button button--small" onClick={() => setRecipients(recipients().filter((x) => x !== r))}>
                  {t('dossier.send.remove', { email: r })}
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <button type="button" class="button button--primary" disabled={busy() || recipients().length === 0} onClick={() => void send()}>
        {busy() ? t('dossier.send.sending') : t('dossier.send.send')}
      </button>
      <p class="form-error" role="alert">
        {error()}
      </p>
      <p class="send-status" role="status">
        {status()}
      </p>
      <Show when={(links() ?? []).length > 0}>
        <h3 id="vault-links">{t('dossier.send.links')}</h3>
        <ul class="recipient-list" aria-labelledby="vault-links">
          <For each={links()}>
            {(link) => (
              <li>
                <span>
                  {link.recipientEmail} —{' '}
                  {link.state === 'open' ? t('dossier.send.state.open', { when: formatParisDateTime(link.expiresAt) }) : t(STATE_KEYS[link.state])}
                  {' · '}
                  {t('dossier.send.downloads', { n: link.downloads })}
                </span>
                <Show when={link.state === 'open'}>
                  <button type="button" class="button button--small" onClick={() => void revoke(link.id)}>
                    {t('dossier.send.revoke', { email: link.recipientEmail })}
                  </button>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
}

function SecureMessagingForm(props: { consultationId: string; document: DocumentEntry }) {
  const [query, setQuery] = createSignal('');
  const [results, setResults] = createSignal<DirectoryEntry[] | null>(null);
  const [error, setError] = createSignal('');
  const [status, setStatus] = createSignal('');

  const search = async (e: Event) => {
    e.preventDefault();
    setError('');
    const result = await apiCall('directory', { query: { q: query().trim() } });
    if (result.ok) setResults(result.value.professionals);
    else setError(result.message ?? t('dossier.error.network'));
  };

  const send = async (p: DirectoryEntry) => {
    setError('');
    setStatus('');
    const result = await documentsApi.sendSecureMessage(props.consultationId, props.document.id, p.rpps);
    if (result.ok) setStatus(t('dossier.send.sent'));
    else setError(result.message ?? t('dossier.error.network'));
  };

  return (
    <div class="send-section">
      <form class="send-add" onSubmit={(e) => void search(e)}>
        <div class="form-field">
          <label for="mss-search">{t('dossier.send.search')}</label>
          <input id="mss-search" type="search" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button">
          {t('dossier.send.searchButton')}
        </button>
      </form>
      <Show when={results()}>
        {(list) => (
          <Show when={list().length > 0} fallback={<p>{t('dossier.send.noResult')}</p>}>
            <ul class="recipient-list" aria-label={t('dossier.send.results')}>
              <For each={list()}>
                {(p) => (
                  <li>
                    <span>
                      {p.firstName} {p.lastName} — {p.profession}
                      {p.city ? `, ${p.city}` : ''}
                      {p.secureEmail ? ` — ${p.secureEmail}` : ` — ${t('dossier.send.noMss')}`}
                    </span>
                    <Show when={p.secureEmail}>
                      <button type="button" class="button button--small" onClick={() => void send(p)}>
                        {t('dossier.send.sendTo', { name: `${p.firstName} ${p.lastName}` })}
                      </button>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        )}
      </Show>
      <p class="form-error" role="alert">
        {error()}
      </p>
      <p class="send-status" role="status">
        {status()}
      </p>
    </div>
  );
}
