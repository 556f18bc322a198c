/**
 * The patient's «Coffre-fort sécurisé» page (SPEC §7.1.4 case 2), reached from the emailed link
 * without an account: the document's name and sender, a one-time code by SMS or email to the
 * patient's recorded mobile or address (or the birth date when the patient has no mobile), then
 * the download.
 */
import { useParams } from '@solidjs/router';
import { createEffect, createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { formatSize } from '../dossier/DocumentsPanel.tsx';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';
import '../dossier/documents.css';

interface VaultInfo {
  documentName: string;
  senderName: string;
  size: number;
  expiresAt: string;
  state: 'open' | 'expired' | 'revoked' | 'locked';
  proof: 'sms' | 'email' | 'birthDate';
  maskedMobile: string | null;
  maskedEmail: string | null;
  channels: Channel[];
  birthDateAllowed: boolean;
  triesLeft: number;
}

type Channel = 'sms' | 'email';

type Loaded = { ok: true; vault: VaultInfo } | { ok: false; message: string };

async function post(path: string, body: unknown): Promise<{ ok: boolean; json: Record<string, unknown> }> {
  try {
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { ok: res.ok, json: ((await res.json().catch(() => ({}))) ?? {}) as Record<string, unknown> };
  } catch {
    return { ok: false, json: { message: t('dossier.error.network') } };
  }
}

export function VaultPage() {
  const params = useParams<{ token: string }>();
  const base = () => `/api/vault/${encodeURIComponent(params.token)}`;
  const [info] = createResource(
    () => params.token,
    async (): Promise<Loaded> => {
      try {
        const res = await fetch(base());
        const json = (await res.json()) as { vault?: VaultInfo; message?: string };
        return res.ok && json.vault ? { ok: true, vault: json.vault } : { ok: false, message: json.message ?? t('dossier.vault.unavailable') };
      } catch {
        return { ok: false, message: t('dossier.error.network') };
      }
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
    const { ok, json } = await post(`${base()}/code`, { channel });
    if (ok) setCodeSent({ channel, to: String(json.to ?? '') });
    else setError(String(json.message ?? t('dossier.error.network')));
  };

  const unlock = async (e: Event, method: 'code' | 'birthDate') => {
    e.preventDefault();
    setError('');
    const { ok, json } = await post(`${base()}/unlock`, { method, answer: method === 'code' ? answer() : birthDate() });
    if (ok) setKey(String(json.downloadKey));
    else setError(String(json.message ?? t('dossier.error.network')));
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
                          <a class="button button--primary" href={`${base()}/document?key=${encodeURIComponent(key() ?? '')}`} download={v().documentName}>
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
