/** «Authentification forte» (SPEC §1.1.3): identifier + password + channel, then the one-time code. */
import { useNavigate } from '@solidjs/router';
import { createSignal, Show } from 'solid-js';
import type { CodeChannel } from '../../schema/auth.ts';
import { t } from '../i18n/index.ts';
import { loadSession } from '../session.ts';
import { accountsApi } from './accountsApi.ts';
import { formText } from '../formText.ts';

export function StrongAuthForm() {
  const navigate = useNavigate();
  const [challenge, setChallenge] = createSignal<{ id: string; destination: string | null } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let codeInput: HTMLInputElement | undefined;

  const fail = (result: { kind: string; message: string | null }) =>
    setError(result.kind === 'network' ? t('accounts.error.network') : (result.message ?? t('login.error.unknown')));

  const onRequest = async (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    const result = await accountsApi.challenge({
      identifier: formText(data, 'identifier'),
      password: formText(data, 'password'),
      channel: formText(data, 'channel', 'sms') as CodeChannel,
    });
    setBusy(false);
    if (!result.ok) return fail(result);
    setChallenge({ id: result.value.challengeId, destination: result.value.destination });
    codeInput?.focus();
  };

  const onVerify = async (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    const result = await accountsApi.code({ challengeId: challenge()!.id, code: formText(data, 'code') });
    setBusy(false);
    if (!result.ok) {
      // An expired or exhausted code cannot be retried: back to the first step for a new one.
      if (result.status === 401 && /expiré|Trop d’essais/.test(result.message ?? '')) setChallenge(null);
      return fail(result);
    }
    await loadSession();
    navigate('/', { replace: true });
  };

  return (
    <>
      <Show
        when={challenge()}
        fallback={
          <form class="login-form" onSubmit={(e) => void onRequest(e)} noValidate>
            <div class="form-field">
              <label for="strong-identifier">{t('login.identifier')}</label>
              <input id="strong-identifier" name="identifier" type="text" autocomplete="username" autocapitalize="none" spellcheck={false} required />
            </div>
            <div class="form-field">
              <label for="strong-password">{t('login.password')}</label>
              <input id="strong-password" name="password" type="password" autocomplete="current-password" required />
            </div>
            <fieldset class="form-field choice-group">
              <legend>{t('accounts.strong.channel')}</legend>
              <label>
                <input type="radio" name="channel" value="sms" checked /> {t('accounts.strong.sms')}
              </label>
              <label>
                <input type="radio" name="channel" value="email" /> {t('accounts.strong.email')}
              </label>
              <label>
                <input type="radio" name="channel" value="totp" /> {t('accounts.strong.totp')}
              </label>
            </fieldset>
            <div id="strong-error" class="form-error" role="alert">
              {error()}
            </div>
            <button type="submit" class="button button--primary" disabled={busy()}>
              {busy() ? t('accounts.strong.sending') : t('accounts.strong.send')}
            </button>
          </form>
        }
      >
        {(current) => (
          <form class="login-form" onSubmit={(e) => void onVerify(e)} noValidate>
            <p role="status">
              {current().destination ? t('accounts.strong.sent', { destination: current().destination! }) : t('accounts.strong.totpPrompt')}
            </p>
            <div class="form-field">
              <label for="strong-code">{t('accounts.strong.code')}</label>
              <input
                ref={(el) => (codeInput = el)}
                id="strong-code"
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={7}
                required
                aria-invalid={error() !== null}
                aria-describedby={error() ? 'strong-code-error' : undefined}
              />
            </div>
            <div id="strong-code-error" class="form-error" role="alert">
              {error()}
            </div>
            <button type="submit" class="button button--primary" disabled={busy()}>
              {t('accounts.strong.verify')}
            </button>
            <button type="button" class="button" onClick={() => setChallenge(null)}>
              {t('accounts.strong.restart')}
            </button>
          </form>
        )}
      </Show>
    </>
  );
}
