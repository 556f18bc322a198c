/**
 * The patient's «Coffre-fort sécurisé» page (SPEC §7.1.4 case 2), reached from the emailed link
 * without an account: the document's name and sender, a one-time code by SMS or email to the
 * patient's recorded mobile or address (or the birth date when the patient has no mobile), then
 * the download.
 */
import { apiCall, apiUrl, type ApiFailure } from '../apiCall.ts';
import type { ResponseOf } from '../../schema/routes.ts';
import { useParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { formatSize } from '../dossier/DocumentsPanel.tsx';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import '../dossier/documents.css';

type VaultInfo = ResponseOf<'vault'>['vault'];

type Channel = 'sms' | 'email';

type Loaded = { ok: true; vault: VaultInfo } | { ok: false; message: string };

/** What a refusal says to the person holding the link. */
const reasonOf = (failure: ApiFailure): string => (failure.kind === 'network' ? t('dossier.error.network') : (failure.message ?? t('dossier.error.network')));

export function VaultPage() {
  const params = useParams<{ token: string }>();
  const token = () => ({ params: { token: params.token } });
  const [info] = createResource(
    () => params.token,
    async (): Promise<Loaded> => {
      const result = await apiCall('vault', token());
      if (result.ok) return { ok: true, vault: result.value.vault };
      return { ok: false, message: result.kind === 'network' ? t('dossier.error.network') : (result.message ?? t('dossier.vault.unavailable')) };
    },
  );
  const [answer, setAnswer] = createSignal('');
  const [birthDate, setBirthDate] = createSignal('');
  const [codeSent, setCodeSent] = createSignal<{ channel: Channel; to: string } | null>(null);
  const [error, setError] = createSignal('');
  const [key, setKey] = createSignal<string | null>(null);
  createEffect(() => {
    document.title = `${t('dossier.vault.title')} — ${t('app.name')}`;
  });

  const sendCode = async (channel: Channel) => {
    setError('');
    const result = await apiCall('vaultCode', { ...token(), body: { channel } });
    if (result.ok) setCodeSent({ channel, to: result.value.to });
    else setError(reasonOf(result));
  };

  const unlock = async (e: Event, method: 'code' | 'birthDate') => {
    e.preventDefault();
    setError('');
    const result = await apiCall('vaultUnlock', { ...token(), body: { method, answer: method === 'code' ? answer() : birthDate() } });
    if (result.ok) setKey(result.value.downloadKey);
    else setError(reasonOf(result));
  };

  return (
    <main id="contenu" class="vault-page">
      <h1>{t('dossier.vault.title')}</h1>
      <Show when={info()} fallback={<p>{t('dossier.vault.loading')}</p>}>
        {(loaded) => (
          <Switch>
            <Match when={!loaded().ok && loaded()}>
              {(l) => (
                <p class="form-error" role="alert">
                  {(l() as { message: string }).message}
                </p>
              )}
            </Match>
            <Match when={loaded().ok && (loaded() as { vault: VaultInfo }).vault}>
              {(v) => (
                <div class="panel">
                  <p>{t('dossier.vault.intro', { sender: v().senderName, name: v().documentName, size: formatSize(v().size) })}</p>
                  <Show when={v().state === 'open'} fallback={<p class="form-error" role="alert">{t('dossier.vault.unavailable')}</p>}>
                    <p>{t('dossier.vault.until', { when: formatParisDateTime(v().expiresAt) })}</p>
                    <Show
                      when={!key()}
                      fallback={
                        <>
                          <p role="status">{t('dossier.vault.unlocked')}</p>
                          <a class="button button--primary" href={apiUrl('vaultDocument', { ...token(), query: { key: key() ?? '' } })} download={v().documentName}>
                            {t('dossier.vault.download')}
                          </a>
                        </>
                      }
                    >
                      <Show when={v().channels.length > 0}>
                        <p>{t('dossier.vault.codeIntro')}</p>
                        <div class="vault-channels">
                          <Show when={v().channels.includes('sms')}>
                            <button type="button" class="button" onClick={() => void sendCode('sms')}>
                              {t('dossier.vault.sendCode')}
                            </button>
                          </Show>
                          <Show when={v().channels.includes('email')}>
                            <button type="button" class="button" onClick={() => void sendCode('email')}>
                              {t('dossier.vault.sendCodeEmail')}
                            </button>
                          </Show>
                        </div>
                        <Show when={codeSent()}>
                          {(sent) => (
                            <p role="status">
                              {sent().channel === 'sms' ? t('dossier.vault.codeSent', { mobile: sent().to }) : t('dossier.vault.codeSentEmail', { email: sent().to })}
                            </p>
                          )}
                        </Show>
                        <form onSubmit={(e) => void unlock(e, 'code')} class="send-add">
                          <div class="form-field">
                            <label for="vault-answer">
                              {(codeSent()?.channel ?? v().channels[0]) === 'email' ? t('dossier.vault.codeEmail') : t('dossier.vault.code')}
                            </label>
                            <input
                              id="vault-answer"
                              type="text"
                              inputmode="numeric"
                              autocomplete="one-time-code"
                              value={answer()}
                              onInput={(e) => setAnswer(e.currentTarget.value)}
                            />
                          </div>
                          <button type="submit" class="button button--primary">
                            {t('dossier.vault.unlock')}
                          </button>
                        </form>
                      </Show>
                      <Show when={v().birthDateAllowed}>
                        <Show when={v().channels.length > 0}>
                          <p>{t('dossier.vault.birthDateInstead')}</p>
                        </Show>
                        <form onSubmit={(e) => void unlock(e, 'birthDate')} class="send-add">
                          <div class="form-field">
                            <label for="vault-birth-date">{t('dossier.vault.birthDate')}</label>
                            <input id="vault-birth-date" type="date" autocomplete="off" value={birthDate()} onInput={(e) => setBirthDate(e.currentTarget.value)} />
                          </div>
                          <button type="submit" class="button button--primary">
                            {v().channels.length > 0 ? t('dossier.vault.unlockBirthDate') : t('dossier.vault.unlock')}
                          </button>
                        </form>
                      </Show>
                    </Show>
                  </Show>
                  <p class="form-error" role="alert">
                    {error()}
                  </p>
                </div>
              )}
            </Match>
          </Switch>
        )}
      </Show>
    </main>
  );
}
