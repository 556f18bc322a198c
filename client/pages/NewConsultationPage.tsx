/**
 * «Création de consultation» (SPEC §2.2–§6): identity, consent, accompaniment, slot, then the
 * consultation page. Each step checks its own fields with the server's rules before «Suivant»;
 * the server checks everything again and creates all or nothing.
 */
import { useNavigate } from '@solidjs/router';
import { createResource, createSignal, For, Match, onMount, Show, Switch } from 'solid-js';
import { MAX_DURATION, MIN_DURATION, SLOT_DURATIONS, parisWallClock, parisWallClockToInstant, roomWindow, validateDuration } from '../../schema/consultation.ts';
import type { PatientIdentity } from '../../schema/identity.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { wizardApi } from '../consultation/api.ts';
import { CompanionStep, checkContacts, companionOf, emptyCompanion, type CompanionDraft } from '../consultation/CompanionStep.tsx';
import { Field } from '../consultation/Field.tsx';
import { IdentityStep } from '../consultation/IdentityStep.tsx';
import { formatInstant } from '../consultation/format.ts';
import '../consultation/consultation.css';

type Step = 'identity' | 'consent' | 'companion' | 'slot';
const STEPS: Step[] = ['identity', 'consent', 'companion', 'slot'];
const STEP_OF_FIELD = (field: string): Step =>
  field.startsWith('consent') ? 'consent' : field.startsWith('companion') || field.startsWith('patientContacts') ? 'companion' : field === 'patientId' ? 'identity' : 'slot';

export function NewConsultationPage() {
  const navigate = useNavigate();
  const [step, setStep] = createSignal<Step>('identity');
  const [patient, setPatient] = createSignal<PatientIdentity | null>(null);
  const [patientContacts, setPatientContacts] = createSignal({ email: '', mobile: '' });
  const [consent, setConsent] = createSignal<{ given: boolean; givenBy: 'patient' | 'representative'; representativeName: string; method: 'oral' | 'written' }>({
    given: false,
    givenBy: 'patient',
    representativeName: '',
    method: 'oral',
  });
  const [companion, setCompanion] = createSignal<CompanionDraft>(emptyCompanion());
  const now = parisWallClock(Date.now());
  const [slot, setSlot] = createSignal<{ mode: 'now' | 'later'; date: string; time: string; duration: string; custom: string }>({ mode: 'now', date: now.date, time: now.time, duration: '30', custom: '' });
  const [reason, setReason] = createSignal('');
  // Colleagues chosen here open the télédossier too (docs/ACCESS.md); those of the patient's establishment only.
  const [colleagues] = createResource(async () => {
    const r = await wizardApi.colleagues();
    return r.ok ? r.value.colleagues : [];
  });
  const [chosenColleagues, setChosenColleagues] = createSignal<string[]>([]);
  const colleaguesOfPatient = () => (colleagues() ?? []).filter((c) => !patient() || c.establishmentIds.includes(patient()!.establishmentId));
  const toggleColleague = (id: string, on: boolean) =>
    setChosenColleagues(on ? [...chosenColleagues(), id] : chosenColleagues().filter((c) => c !== id));
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [serverError, setServerError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  onMount(() => {
    document.title = `${t('consultation.new.title')} — ${t('app.name')}`;
  });

  const go = (next: Step) => {
    setStep(next);
    queueMicrotask(() => document.getElementById(`${next}-title`)?.focus());
  };

  const selectPatient = (p: PatientIdentity | null) => {
    setPatient(p);
    setPatientContacts({ email: p?.email ?? '', mobile: p?.mobile ?? '' });
  };

  const consentNext = () => {
    const e: Record<string, string> = {};
    const c = consent();
    if (!c.given) e.consent = t('consultation.consent.required');
    if (c.givenBy === 'representative' && c.representativeName.trim() === '') e['consent.representativeName'] = t('consultation.consent.representativeRequired');
    setErrors(e);
    if (Object.keys(e).length === 0) go('companion');
  };

  const companionNext = () => {
    const e: Record<string, string> = {};
    checkContacts('patientContacts', patientContacts().email, patientContacts().mobile, e);
    const c = companion();
    if (c.kind !== 'none') {
      if (c.name.trim() === '') e['companion.name'] = t('consultation.companion.nameRequired');
      if (c.kind === 'relative' && c.relationship.trim() === '') e['companion.relationship'] = t('consultation.companion.relationshipRequired');
      if (c.kind === 'professional' && c.profession.trim() === '') e['companion.profession'] = t('consultation.companion.professionRequired');
      checkContacts('companion', c.email, c.mobile, e);
    }
    setErrors(e);
    if (Object.keys(e).length === 0) go('slot');
  };

  const duration = () => (slot().duration === 'custom' ? Number(slot().custom) : Number(slot().duration));
  const start = () => (slot().mode === 'now' ? Date.now() : parisWallClockToInstant(slot().date, slot().time));
  const openWindow = () => {
    const s = start();
    return s === null || !Number.isFinite(duration()) || duration() <= 0 ? null : roomWindow({ start: new Date(s).toISOString(), durationMinutes: duration() });
  };

  const create = async () => {
    const e: Record<string, string> = {};
    if (validateDuration(duration())) e['slot.durationMinutes'] = t('consultation.slot.badDuration', { min: MIN_DURATION, max: MAX_DURATION });
    if (slot().mode === 'later' && start() === null) e['slot.date'] = t('consultation.slot.badDate');
    setErrors(e);
    if (Object.keys(e).length > 0) return;
    const p = patient();
    if (!p) return go('identity');
    setBusy(true);
    setServerError(null);
    const c = consent();
    const r = await wizardApi.createConsultation({
      patientId: p.id,
      consent: { givenBy: c.givenBy, representativeName: c.givenBy === 'representative' ? c.representativeName : null, method: c.method, givenAt: new Date().toISOString() },
      patientContacts: { email: patientContacts().email.trim() || null, mobile: patientContacts().mobile.trim() || null },
      companion: companionOf(companion()),
      slot: slot().mode === 'now' ? { mode: 'now', durationMinutes: duration() } : { mode: 'later', date: slot().date, time: slot().time, durationMinutes: duration() },
      reason: reason(),
      colleagues: chosenColleagues().filter((id) => colleaguesOfPatient().some((c) => c.id === id)),
    });
    setBusy(false);
    if (r.ok) {
      navigate(`/consultations/${encodeURIComponent(r.value.consultation.id)}`);
      return;
    }
    setErrors(r.error.fields);
    setServerError(r.error.message ?? t('consultation.error.network'));
    const first = Object.keys(r.error.fields)[0];
    if (first) go(STEP_OF_FIELD(first));
  };

  const err = (k: string) => errors()[k] ?? null;

  return (
    <div class="page">
      <header class="page-header">
        <h1>{t('consultation.new.title')}</h1>
        <ol class="wizard-steps" aria-label={t('consultation.new.steps')}>
          <For each={STEPS}>{(s) => <li aria-current={step() === s ? 'step' : undefined}>{t(`consultation.step.${s}` as MessageKey)}</li>}</For>
        </ol>
      </header>
      <Show when={serverError()}>
        <p class="form-error" role="alert">
          {serverError()}
        </p>
      </Show>
      <Switch>
        <Match when={step() === 'identity'}>
          <IdentityStep selected={patient()} onSelect={selectPatient} onNext={() => go('consent')} />
        </Match>
        <Match when={step() === 'consent'}>
          <section class="panel" aria-labelledby="consent-title">
            <h2 id="consent-title" tabindex="-1">
              {t('consultation.consent.title')}
            </h2>
            <fieldset>
              <legend>{t('consultation.consent.who')}</legend>
              <label class="choice">
                <input type="radio" name="consent-by" checked={consent().givenBy === 'patient'} onChange={() => setConsent({ ...consent(), givenBy: 'patient' })} />
                {t('consultation.consent.patient')}
              </label>
              <label class="choice">
                <input type="radio" name="consent-by" checked={consent().givenBy === 'representative'} onChange={() => setConsent({ ...consent(), givenBy: 'representative' })} />
                {t('consultation.consent.representative')}
              </label>
              <Show when={consent().givenBy === 'representative'}>
                <Field id="consent-representative" label={t('consultation.consent.representativeName')} required error={err('consent.representativeName')}>
                  {(a) => <input type="text" {...a} value={consent().representativeName} onInput={(e) => setConsent({ ...consent(), representativeName: e.currentTarget.value })} />}
                </Field>
              </Show>
            </fieldset>
            <fieldset>
              <legend>{t('consultation.consent.how')}</legend>
              <label class="choice">
                <input type="radio" name="consent-method" checked={consent().method === 'oral'} onChange={() => setConsent({ ...consent(), method: 'oral' })} />
                {t('consultation.consent.oral')}
              </label>
              <label class="choice">
                <input type="radio" name="consent-method" checked={consent().method === 'written'} onChange={() => setConsent({ ...consent(), method: 'written' })} />
                {t('consultation.consent.written')}
              </label>
            </fieldset>
            <label class="choice">
              <input
                type="checkbox"
                checked={consent().given}
                aria-describedby={err('consent') ? 'consent-error' : undefined}
                onChange={(e) => setConsent({ ...consent(), given: e.currentTarget.checked })}
              />
              {t('consultation.consent.given')}
            </label>
            <p id="consent-error" class="form-error" role="alert">
              {err('consent') ?? ''}
            </p>
            <p class="field-hint">{t('consultation.consent.recorded')}</p>
            <div class="actions">
              <button type="button" class="button" onClick={() => go('identity')}>
                {t('consultation.previous')}
              </button>
              <button type="button" class="button button--primary" onClick={consentNext}>
                {t('consultation.next')}
              </button>
            </div>
          </section>
        </Match>
        <Match when={step() === 'companion'}>
          <CompanionStep
            draft={companion()}
            onDraft={setCompanion}
            patientContacts={patientContacts()}
            onPatientContacts={setPatientContacts}
            errors={errors()}
            onBack={() => go('consent')}
            onNext={companionNext}
          />
        </Match>
        <Match when={step() === 'slot'}>
          <section class="panel" aria-labelledby="slot-title">
            <h2 id="slot-title" tabindex="-1">
              {t('consultation.slot.title')}
            </h2>
            <fieldset>
              <legend>{t('consultation.slot.when')}</legend>
              <label class="choice">
                <input type="radio" name="slot-mode" checked={slot().mode === 'now'} onChange={() => setSlot({ ...slot(), mode: 'now' })} />
                {t('consultation.slot.now')}
              </label>
              <label class="choice">
                <input type="radio" name="slot-mode" checked={slot().mode === 'later'} onChange={() => setSlot({ ...slot(), mode: 'later' })} />
                {t('consultation.slot.later')}
              </label>
            </fieldset>
            <Show when={slot().mode === 'later'}>
              <div class="form-grid">
                <Field id="slot-date" label={t('consultation.slot.date')} required error={err('slot.date')}>
                  {(a) => <input type="date" {...a} value={slot().date} onInput={(e) => setSlot({ ...slot(), date: e.currentTarget.value })} />}
                </Field>
                <Field id="slot-time" label={t('consultation.slot.time')} required>
                  {(a) => <input type="time" {...a} value={slot().time} onInput={(e) => setSlot({ ...slot(), time: e.currentTarget.value })} />}
                </Field>
              </div>
            </Show>
            <fieldset>
              <legend>{t('consultation.slot.duration')}</legend>
              <For each={[...SLOT_DURATIONS.map(String), 'custom']}>
                {(value) => (
                  <label class="choice">
                    <input type="radio" name="slot-duration" checked={slot().duration === value} onChange={() => setSlot({ ...slot(), duration: value })} />
                    {value === 'custom' ? t('consultation.slot.custom') : t('consultation.duration', { minutes: value })}
                  </label>
                )}
              </For>
              <Show when={slot().duration === 'custom'}>
                <Field id="slot-custom" label={t('consultation.slot.customMinutes')} required error={err('slot.durationMinutes')}>
                  {(a) => <input type="number" {...a} min={MIN_DURATION} max={MAX_DURATION} value={slot().custom} onInput={(e) => setSlot({ ...slot(), custom: e.currentTarget.value })} />}
                </Field>
              </Show>
            </fieldset>
            <Show when={openWindow()}>
              {(w) => <p class="field-hint">{t('consultation.slot.window', { opens: formatInstant(w().opensAt), closes: formatInstant(w().closesAt) })}</p>}
            </Show>
            <Show when={colleaguesOfPatient().length > 0}>
              <fieldset aria-describedby="slot-colleagues-hint">
                <legend>{t('consultation.colleagues.title')}</legend>
                <p id="slot-colleagues-hint" class="field-hint">
                  {t('consultation.colleagues.hint')}
                </p>
                <For each={colleaguesOfPatient()}>
                  {(c) => (
                    <label class="choice">
                      <input type="checkbox" checked={chosenColleagues().includes(c.id)} onChange={(e) => toggleColleague(c.id, e.currentTarget.checked)} />
                      {c.displayName} — {c.profession}
                    </label>
                  )}
                </For>
                <Show when={err('colleagues')}>
                  <p class="form-error" role="alert">
                    {err('colleagues')}
                  </p>
                </Show>
              </fieldset>
            </Show>
            <Field id="slot-reason" label={t('consultation.reason')} error={err('reason')}>
              {(a) => <textarea {...a} rows="3" maxlength="500" value={reason()} onInput={(e) => setReason(e.currentTarget.value)} />}
            </Field>
            <div class="actions">
              <button type="button" class="button" onClick={() => go('companion')}>
                {t('consultation.previous')}
              </button>
              <button type="button" class="button button--primary" disabled={busy()} onClick={() => void create()}>
                {busy() ? t('consultation.slot.creating') : t('consultation.slot.create')}
              </button>
            </div>
          </section>
        </Match>
      </Switch>
    </div>
  );
}
