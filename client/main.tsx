/**
 * Relais browser client: SolidJS + @solidjs/router.
 *   pages/    one file per route    dossier/  the fiche bound to Yjs, presence
 *   sync/     Yjs providers and the connection state    i18n/  fr (default), en
 * The service worker (public/sw.js) makes the app shell load offline once visited (SPEC §8).
 */
import { Navigate, Route, Router } from '@solidjs/router';
import type { JSX } from 'solid-js';
import { render } from 'solid-js/web';
import { applyLang } from './i18n/index.ts';
import { ActivityPage } from './pages/ActivityPage.tsx';
import { ConsultationPage } from './pages/ConsultationPage.tsx';
import { JoinPage } from './pages/JoinPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NewConsultationPage } from './pages/NewConsultationPage.tsx';
import { InstantInvitePage } from './consultation/InstantInvitePage.tsx';
import { RequireSession } from './pages/RequireSession.tsx';
import { SecurityPage } from './accounts/SecurityPage.tsx';
import { AuditPage } from './accounts/AuditPage.tsx';
import { AccountsPage } from './accounts/AccountsPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { VaultPage } from './pages/VaultPage.tsx';
import { loadSession } from './session.ts';
import './styles.css';

applyLang();
void loadSession();

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((error: unknown) => {
      console.warn('Relais: service worker not registered', error);
    });
  });
}

function Root(props: { children?: JSX.Element }) {
  return <>{props.children}</>;
}

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

render(
  () => (
    <Router root={Root}>
      <Route path="/connexion" component={LoginPage} />
      <Route path="/rejoindre/:token" component={JoinPage} />
      <Route path="/coffre/:token" component={VaultPage} />
      <Route path="/" component={RequireSession}>
        <Route path="/" component={ActivityPage} />
        <Route path="/consultations/nouvelle" component={NewConsultationPage} />
        <Route path="/invitation-telephonique" component={InstantInvitePage} />
        <Route path="/consultations/:id" component={ConsultationPage} />
        <Route path="/parametres/securite" component={SecurityPage} />
        <Route path="/administration/journal" component={AuditPage} />
        <Route path="/administration/comptes" component={AccountsPage} />
        <Route path="/parametres" component={SettingsPage} />
      </Route>
      <Route path="*" component={() => <Navigate href="/" />} />
    </Router>
  ),
  root,
);
