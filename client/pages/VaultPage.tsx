/**
 * The patient's «Coffre-fort sécurisé» page (SPEC §7.1.4 case 2), reached from the emailed link
 * without an account: the document's name and sender, a one-time code by SMS (or the birth date
 * when the patient has no mobile), then the download.
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
  proof: 'sms' | 'birthDate';
  maskedMobile: string | null;
  triesLeft: number;
}

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
  const [codeSentTo, setCodeSentTo] = createSignal<string | null>(null);
  const [error, setError] = createSignal('');
  const [key, setKey] = createSignal<string | null>(null);
  createEffect(() => {
    document.title = `${t('dossier.vault.title')} — ${t('app.name')}`;
  });

  const sendCode = async () => {
    setError('');
    const { ok, json } = await post(`${base()}/code`, {});
    if (ok) setCodeSentTo(String(json.maskedMobile ?? ''));
    else setError(String(json.message ?? t('dossier.error.network')));
  };

  const unlock = async (e: Event) => {
    e.preventDefault();
    setError('');
    const { ok, json } = await post(`${base()}/unlock`, { answer: answer() });
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
                      <Show when={v().proof === 'sms'}>
                        <p>{t('dossier.vault.smsIntro', { mobile: v().maskedMobile ?? '' })}</p>
                        <button type="button" class="button" onClick={() => void sendCode()}>
                          {t('dossier.vault.sendCode')}
                        </button>
                        <Show when={codeSentTo()}>
                          <p role="status">{t('dossier.vault.codeSent', { mobile: codeSentTo() ?? '' })}</p>
                        </Show>
                      </Show>
                      <form onSubmit={(e) => void unlock(e)} class="send-add">
                        <div class="form-field">
                          <label for="vault-answer">{v().proof === 'sms' ? t('dossier.vault.code') : t('dossier.vault.birthDate')}</label>
                          <input
                            id="vault-answer"
                            type={v().proof === 'sms' ? 'text' : 'date'}
                            inputmode={v().proof === 'sms' ? 'numeric' : undefined}
                            autocomplete={v().proof === 'sms' ? 'one-time-code' : 'off'}
                            value={answer()}
                            onInput={(e) => setAnswer(e.currentTarget.value)}
                          />
                        </div>
                        <button type="submit" class="button button--primary">
                          {t('dossier.vault.unlock')}
                        </button>
                      </form>
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
