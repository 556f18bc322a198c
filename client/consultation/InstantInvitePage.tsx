/**
 * «Invitation téléphonique» (SPEC §7.4, Visio SMS): the patient's mobile number or email,
 * «Inviter», and an immediate teleconsultation opens with the same features.
 */
import { useNavigate } from '@solidjs/router';
import { createSignal, onMount } from 'solid-js';
import { t } from '../i18n/index.ts';
import { wizardApi } from './api.ts';
import { Field } from './Field.tsx';
import './consultation.css';

export function InstantInvitePage() {
  const navigate = useNavigate();
  const [contact, setContact] = createSignal('');
  const [consent, setConsent] = createSignal(false);
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [message, setMessage] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  onMount(() => {
    document.title = `${t('consultation.instant.title')} — ${t('app.name')}`;
  });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    const r = await wizardApi.instantConsultation(contact(), consent());
    setBusy(false);
    if (r.ok) {
      navigate(`/consultations/${encodeURIComponent(r.value.consultation.id)}`);
      return;
    }
    setErrors(r.error.fields);
    setMessage(r.error.message ?? t('consultation.error.network'));
  };

  return (
    <div class="page">
      <header class="page-header">
        <h1>{t('consultation.instant.title')}</h1>
        <p>{t('consultation.instant.intro')}</p>
      </header>
      <form class="panel" onSubmit={submit} novalidate aria-labelledby="instant-form-title">
        <h2 id="instant-form-title">{t('consultation.instant.formTitle')}</h2>
        <Field id="instant-contact" label={t('consultation.instant.contact')} required error={errors().contact ?? null} hint={t('consultation.instant.hint')}>
          {(a) => <input type="text" {...a} inputmode="email" autocomplete="off" value={contact()} onInput={(e) => setContact(e.currentTarget.value)} />}
        </Field>
        <label class="choice">
          <input type="checkbox" checked={consent()} aria-describedby={errors().consent ? 'instant-consent-error' : undefined} onChange={(e) => setConsent(e.currentTarget.checked)} />
          {t('consultation.consent.given')}
        </label>
        <p id="instant-consent-error" class="form-error">
          {errors().consent ?? ''}
        </p>
        <div class="actions">
          <button type="submit" class="button button--primary" disabled={busy()}>
            {t('consultation.instant.invite')}
          </button>
        </div>
        <p class="form-error" role="alert">
          {message() ?? ''}
        </p>
      </form>
    </div>
  );
}
