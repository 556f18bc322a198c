/** The sidebar's links of the «accounts» area: account security, and for administrators the accounts and the audit log. */
import { A } from '@solidjs/router';
import { Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { user } from '../session.ts';

function ShieldIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M12 3l7 3v5c0 4.5-3 8.5-7 10-4-1.5-7-5.5-7-10V6z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
    </svg>
  );
}

function ListIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

function PeopleIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M9 11a4 4 0 100-8 4 4 0 000 8zM2 21v-1a6 6 0 0112 0v1M16 3.5a4 4 0 010 7M18 14a6 6 0 014 6v1" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
    </svg>
  );
}

export function AccountLinks() {
  return (
    <>
      <A href="/parametres/securite" class="sidebar-link" activeClass="sidebar-link--active">
        <ShieldIcon />
        <span>{t('accounts.settings.nav')}</span>
      </A>
      <Show when={user()?.role === 'admin'}>
        <A href="/administration/comptes" class="sidebar-link" activeClass="sidebar-link--active">
          <PeopleIcon />
          <span>{t('accounts.admin.nav')}</span>
        </A>
        <A href="/administration/journal" class="sidebar-link" activeClass="sidebar-link--active">
          <ListIcon />
          <span>{t('accounts.audit.nav')}</span>
        </A>
      </Show>
    </>
  );
}
