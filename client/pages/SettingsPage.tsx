/**
 * Settings (the gear): each section is its own component, mounted here. «Charger une signature»
 * (SPEC §7.1.3) is settings/SignatureSettings.tsx; account sections join it.
 */
import { useNavigate } from '@solidjs/router';
import { createEffect } from 'solid-js';
import { t } from '../i18n/index.ts';
import { SignatureSettings } from '../settings/SignatureSettings.tsx';
import { LanguageSettings } from '../settings/LanguageSettings.tsx';

export function SettingsPage() {
  const navigate = useNavigate();
  createEffect(() => {
    document.title = `${t('dossier.settings.title')} — ${t('app.name')}`;
  });
  return (
    <div class="page">
      <header class="page-header">
        <h1>{t('dossier.settings.title')}</h1>
      </header>
      <SignatureSettings onClose={() => (history.length > 1 ? history.back() : navigate('/'))} />
      <LanguageSettings />
    </div>
  );
}
