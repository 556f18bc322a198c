/** «Connexion» (SPEC §1): identifier and password. The other methods come later. */
import { Navigate, useNavigate } from '@solidjs/router';
import { createSignal, onMount, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { login, sessionStatus } from '../session.ts';

export function LoginPage() {
  const navigate = useNavigate();
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let identifierInput: HTMLInputElement | undefined;

  onMount(() => {
    document.title = `${t('login.title')} — ${t('app.name')}`;
  });

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setBusy(true);
    setError(null);
    const result = await login({
      identifier: String(data.get('identifier') ?? ''),
      password: String(data.get('password') ?? ''),
    });
    setBusy(false);
    if (result.ok) {
      navigate('/', { replace: true });
      return;
    }
    setError(result.kind === 'network' ? t('login.error.network') : (result.message ?? t('login.error.unknown')));
    identifierInput?.focus();
  };

  return (
    <Show when={sessionStatus() !== 'authenticated'} fallback={<Navigate href="/" />}>
      <main id="contenu" class="login">
        <div class="login-card">
          <p class="login-brand">
            <span class="brand" aria-hidden="true">
              R
            </span>
            {t('app.name')}
          </p>
          <h1>{t('login.title')}</h1>
          <p class="login-subtitle">{t('login.subtitle')}</p>
          <form class="login-form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="login-method" noValidate>
            <h2 id="login-method" class="login-method">
              {t('login.method.password')}
            </h2>
            <div class="form-field">
              <label for="login-identifier">{t('login.identifier')}</label>
              <input
                ref={(el) => (identifierInput = el)}
                id="login-identifier"
                name="identifier"
                type="text"
                autocomplete="username"
                autocapitalize="none"
                spellcheck={false}
                required
                aria-invalid={error() !== null}
                aria-describedby={error() ? 'login-error' : undefined}
              />
            </div>
            <div class="form-field">
              <label for="login-password">{t('login.password')}</label>
              <input
                id="login-password"
                name="password"
                type="password"
                autocomplete="current-password"
                required
                aria-invalid={error() !== null}
                aria-describedby={error() ? 'login-error' : undefined}
              />
            </div>
            <div id="login-error" class="form-error" role="alert">
              {error()}
            </div>
            <button type="submit" class="button button--primary" disabled={busy()}>
              {busy() ? t('login.submitting') : t('login.submit')}
            </button>
          </form>
        </div>
      </main>
    </Show>
  );
}
