/**
 * The logged-in frame: the blue side bar (home, log out) and the page's <main>. On a phone
 * (≤ 700 px, styles.css) the bar becomes a top bar with a «Menu» button (a disclosure:
 * aria-expanded) that shows every entry as a vertical list; Escape or a choice closes it.
 */
import { A, useLocation, useNavigate } from '@solidjs/router';
import { createEffect, createSignal, on, onCleanup, type JSX } from 'solid-js';
import { t } from '../i18n/index.ts';
import { logout, user } from '../session.ts';
import { AccountLinks } from '../accounts/AccountLinks.tsx';

function HouseIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M3 11.5 12 4l9 7.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
      <path d="M5.5 10v9.5h5v-5h3v5h5V10" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
    </svg>
  );
}

function PlusIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <rect x="4" y="4" width="16" height="16" rx="3" fill="none" stroke="currentColor" stroke-width="2" />
      <path d="M12 8v8M8 12h8" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

function PhoneIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <rect x="7" y="2.5" width="10" height="19" rx="2" fill="none" stroke="currentColor" stroke-width="2" />
      <path d="M11 18h2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

function GearIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <circle cx="12" cy="12" r="3.2" fill="none" stroke="currentColor" stroke-width="2" />
      <path
        d="M12 2.5v3M12 18.5v3M2.5 12h3M18.5 12h3M5.3 5.3l2.1 2.1M16.6 16.6l2.1 2.1M5.3 18.7l2.1-2.1M16.6 7.4l2.1-2.1"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
      />
    </svg>
  );
}

function LogoutIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M10 5H5v14h5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
      <path d="M14 8l4 4-4 4M18 12H9" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

function MenuIcon(props: { open: boolean }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path
        d={props.open ? 'M6 6l12 12M18 6L6 18' : 'M4 7h16M4 12h16M4 17h16'}
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
      />
    </svg>
  );
}

export function AppShell(props: { children?: JSX.Element }) {
  const navigate = useNavigate();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = createSignal(false);
  let nav: HTMLElement | undefined;
  let toggle: HTMLButtonElement | undefined;

  // Back or forward while the menu is open: the new page shows without it.
  createEffect(on(() => location.pathname, () => setMenuOpen(false), { defer: true }));

  // A choice in the menu: the menu closes and the keyboard lands in the page's content rather
  // than on a link that just disappeared.
  const onMenuClick = (e: MouseEvent) => {
    if (!menuOpen() || !(e.target as Element).closest('a')) return;
    setMenuOpen(false);
    document.getElementById('contenu')?.focus();
  };

  const closeMenu = (returnFocus: boolean) => {
    setMenuOpen(false);
    if (returnFocus) toggle?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && menuOpen()) {
      e.preventDefault();
      closeMenu(nav?.contains(document.activeElement) ?? false);
    }
  };
  // A tap or a click outside the bar closes the menu, as Escape does.
  const onPointerDown = (e: PointerEvent) => {
    if (menuOpen() && nav && !nav.contains(e.target as Node)) closeMenu(false);
  };
  document.addEventListener('keydown', onKeyDown);
  document.addEventListener('pointerdown', onPointerDown);
  onCleanup(() => {
    document.removeEventListener('keydown', onKeyDown);
    document.removeEventListener('pointerdown', onPointerDown);
  });

  const onLogout = async () => {
    setMenuOpen(false);
    await logout();
    navigate('/connexion', { replace: true });
  };
  return (
    <div class="app">
      <a class="skip-link" href="#contenu">
        {t('app.skipToContent')}
      </a>
      <nav class="sidebar" aria-label={t('nav.label')} ref={(el) => (nav = el)}>
        <span class="brand" aria-hidden="true">
          R
        </span>
        <button
          type="button"
          class="nav-toggle"
          aria-expanded={menuOpen() ? 'true' : 'false'}
          aria-controls="nav-menu"
          ref={(el) => (toggle = el)}
          onClick={() => setMenuOpen(!menuOpen())}
        >
          <MenuIcon open={menuOpen()} />
          <span>{t('nav.menu')}</span>
        </button>
        <div id="nav-menu" class="nav-menu" classList={{ 'nav-menu--open': menuOpen() }} onClick={onMenuClick}>
          <A href="/" end class="sidebar-link" activeClass="sidebar-link--active">
            <HouseIcon />
            <span>{t('nav.home')}</span>
          </A>
          <A href="/consultations/nouvelle" class="sidebar-link" activeClass="sidebar-link--active">
            <PlusIcon />
            <span>{t('consultation.nav.create')}</span>
          </A>
          <A href="/invitation-telephonique" class="sidebar-link" activeClass="sidebar-link--active">
            <PhoneIcon />
            <span>{t('consultation.nav.instant')}</span>
          </A>
          <AccountLinks />
          <div class="sidebar-spacer" />
          <A href="/parametres" class="sidebar-link" activeClass="sidebar-link--active">
            <GearIcon />
            <span>{t('dossier.settings.nav')}</span>
          </A>
          <span class="sidebar-user">{user()?.displayName}</span>
          <button type="button" class="sidebar-link sidebar-button" onClick={() => void onLogout()}>
            <LogoutIcon />
            <span>{t('nav.logout')}</span>
          </button>
        </div>
      </nav>
      <main id="contenu" class="content" tabindex="-1">
        {props.children}
      </main>
    </div>
  );
}
