/**
 * «Connexion» (SPEC §1): the four ways in, each a button with the guide's label — «Carte CPS»,
 * «Pro Santé Connect», «Authentification forte», «Identifiant / mot de passe» (shown first, the
 * most used in EHPAD stations).
 */
import { Navigate, useNavigate, useSearchParams } from '@solidjs/router';
import { createSignal, For, Match, onMount, Show, Switch } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import { login, sessionStatus } from '../session.ts';
import { StrongAuthForm } from '../accounts/StrongAuthForm.tsx';
import { formText } from '../formText.ts';

type Method = 'cps' | 'psc' | 'strong' | 'password';
const METHODS: { id: Method; label: MessageKey }[] = [
  { id: 'cps', label: 'accounts.login.cps' },
  { id: 'psc', label: 'accounts.login.psc' },
  { id: 'strong', label: 'accounts.login.strong' },
  { id: 'password', label: 'accounts.login.password' },
];
const PSC_ERRORS: Record<string, MessageKey> = {
  acr: 'accounts.psc.error.acr',
  unknown: 'accounts.psc.error.unknown',
  expired: 'accounts.psc.error.expired',
  cancelled: 'accounts.psc.error.cancelled',
  failed: 'accounts.psc.error.failed',
  unavailable: 'accounts.psc.error.unavailable',
  unconfigured: 'accounts.psc.error.unconfigured',
};

export function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const pscError = (): MessageKey | undefined => PSC_ERRORS[String(params.psc ?? '')];
  const [method, setMethod] = createSignal<Method>(pscError() ? 'psc' : 'password');
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
      identifier: formText(data, 'identifier'),
      password: formText(data, 'password'),
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
          <div class="login-methods" role="group" aria-label={t('accounts.login.methods')}>
            <For each={METHODS}>
              {(m) => (
                <button type="button" class="button login-method-button" aria-pressed={method() === m.id} onClick={() => setMethod(m.id)}>
                  {t(m.label)}
                </button>
              )}
            </For>
          </div>
          <h2 id="login-method" class="login-method">
            {t(METHODS.find((m) => m.id === method())!.label)}
          </h2>
          <Switch>
            <Match when={method() === 'cps'}>
              <p>{t('accounts.cps.explain')}</p>
              <a class="button button--primary" href="/api/auth/psc" rel="external">
                {t('accounts.cps.continue')}
              </a>
            </Match>
            <Match when={method() === 'psc'}>
              <Show when={pscError()}>
                {(key) => (
                  <p class="form-error" role="alert">
                    {t(key())}
                  </p>
                )}
              </Show>
              <p>{t('accounts.psc.explain')}</p>
              <a class="button button--primary" href="/api/auth/psc" rel="external">
                {t('accounts.psc.go')}
              </a>
            </Match>
            <Match when={method() === 'strong'}>
              <StrongAuthForm />
            </Match>
            <Match when={method() === 'password'}>
            <form class="login-form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="login-method" noValidate>
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
            </Match>
          </Switch>
        </div>
      </main>
    </Show>
  );
}
