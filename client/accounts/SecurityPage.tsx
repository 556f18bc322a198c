/**
 * «Sécurité du compte» (/parametres/securite): enrol an authenticator app with a QR code (SPEC §1.1.3), change the
 * password, log out everywhere.
 */
import { useNavigate } from '@solidjs/router';
import { createResource, createSignal, onMount, Show } from 'solid-js';
import type { TotpEnrolment } from '../../schema/auth.ts';
import { t } from '../i18n/index.ts';
import { sessionExpired } from '../session.ts';
import { accountsApi } from './accountsApi.ts';
import { formText } from '../formText.ts';

const messageOf = (result: { kind: string; message: string | null }): string =>
  result.kind === 'network' ? t('accounts.error.network') : (result.message ?? t('login.error.unknown'));

export function SecurityPage() {
  const navigate = useNavigate();
  const [security, { refetch }] = createResource(async () => {
    const result = await accountsApi.security();
    return result.ok ? result.value : null;
  });
  const [enrolment, setEnrolment] = createSignal<TotpEnrolment | null>(null);
  const [totpMessage, setTotpMessage] = createSignal<{ text: string; error: boolean } | null>(null);
  const [passwordMessage, setPasswordMessage] = createSignal<{ text: string; error: boolean } | null>(null);

  onMount(() => {
    document.title = `${t('accounts.settings.title')} — ${t('app.name')}`;
  });

  const startTotp = async () => {
    setTotpMessage(null);
    const result = await accountsApi.startTotp();
    if (!result.ok) return setTotpMessage({ text: messageOf(result), error: true });
    setEnrolment(result.value);
  };

  const confirmTotp = async (event: SubmitEvent) => {
    event.preventDefault();
    const code = formText(new FormData(event.currentTarget as HTMLFormElement), 'code');
    const result = await accountsApi.confirmTotp(code);
    if (!result.ok) return setTotpMessage({ text: messageOf(result), error: true });
    setEnrolment(null);
    setTotpMessage({ text: t('accounts.totp.done'), error: false });
    void refetch();
  };

  const removeTotp = async () => {
    await accountsApi.removeTotp();
    setTotpMessage(null);
    void refetch();
  };

  const changePassword = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const result = await accountsApi.changePassword(formText(data, 'current'), formText(data, 'next'));
    if (!result.ok) return setPasswordMessage({ text: messageOf(result), error: true });
    form.reset();
    setPasswordMessage({ text: t('accounts.password.done'), error: false });
  };

  const logoutEverywhere = async () => {
    await accountsApi.logoutEverywhere();
    sessionExpired();
    navigate('/connexion', { replace: true });
  };

  return (
    <div class="page security-page">
      <h1>{t('accounts.settings.title')}</h1>

      <section aria-labelledby="totp-title">
        <h2 id="totp-title">{t('accounts.totp.title')}</h2>
        <Show when={security()}>
          {(s) => (
            <Show
              when={s().totpEnrolled}
              fallback={
                <>
                  <p>{t('accounts.totp.none')}</p>
                  <Show when={!enrolment()}>
                    <button type="button" class="button button--primary" onClick={() => void startTotp()}>
                      {t('accounts.totp.start')}
                    </button>
                  </Show>
                </>
              }
            >
              <p>{t('accounts.totp.enrolled')}</p>
              <button type="button" class="button" onClick={() => void removeTotp()}>
                {t('accounts.totp.remove')}
              </button>
            </Show>
          )}
        </Show>
        <Show when={enrolment()}>
          {(e) => (
            <form class="settings-form" onSubmit={(ev) => void confirmTotp(ev)} noValidate>
              <p>{t('accounts.totp.scan')}</p>
              <img class="totp-qr" src={`data:image/svg+xml;base64,${btoa(e().qrSvg)}`} alt={t('accounts.totp.qrAlt')} width="200" height="200" />
              <p class="totp-secret">{t('accounts.totp.secret', { secret: e().secret })}</p>
              <div class="form-field">
                <label for="totp-code">{t('accounts.totp.code')}</label>
                <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxLength={7} required />
              </div>
              <button type="submit" class="button button--primary">
                {t('accounts.totp.confirm')}
              </button>
            </form>
          )}
        </Show>
        <p class={totpMessage()?.error ? 'form-error' : 'form-success'} role="status">
          {totpMessage()?.text}
        </p>
      </section>

      <section aria-labelledby="password-title">
        <h2 id="password-title">{t('accounts.password.title')}</h2>
        <form class="settings-form" onSubmit={(e) => void changePassword(e)} noValidate>
          <div class="form-field">
            <label for="password-current">{t('accounts.password.current')}</label>
            <input id="password-current" name="current" type="password" autocomplete="current-password" required />
          </div>
          <div class="form-field">
            <label for="password-next">{t('accounts.password.next')}</label>
            <input id="password-next" name="next" type="password" autocomplete="new-password" minLength={12} required />
          </div>
          <button type="submit" class="button button--primary">
            {t('accounts.password.submit')}
          </button>
          <p class={passwordMessage()?.error ? 'form-error' : 'form-success'} role="status">
            {passwordMessage()?.text}
          </p>
        </form>
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('accounts.sessions.title')}</h2>
        <p>{t('accounts.sessions.explain')}</p>
        <button type="button" class="button" onClick={() => void logoutEverywhere()}>
          {t('accounts.sessions.everywhere')}
        </button>
      </section>
    </div>
  );
}
