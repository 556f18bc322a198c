import { Navigate } from '@solidjs/router';
import { Match, Switch, type JSX } from 'solid-js';
import { t } from '../i18n/index.ts';
import { AppShell } from '../layout/AppShell.tsx';
import { sessionStatus } from '../session.ts';

/** Pages behind a login: anonymous visitors go to «Connexion». */
export function RequireSession(props: { children?: JSX.Element }) {
  return (
    <Switch>
      <Match when={sessionStatus() === 'unknown'}>
        <main id="contenu" class="loading-page" aria-busy="true">
          <h1 class="visually-hidden">{t('app.name')}</h1>
          <p>{t('app.loading')}</p>
        </main>
      </Match>
      <Match when={sessionStatus() === 'anonymous'}>
        <Navigate href="/connexion" />
      </Match>
      <Match when={sessionStatus() === 'authenticated'}>
        <AppShell>{props.children}</AppShell>
      </Match>
    </Switch>
  );
}
