/**
 * «Recherche et création d'une identité patient» (SPEC §3): search, one click selects, «Vérifier
 * l'identité»; «Créer une identité» opens the form (strict traits normalised as typed), «Valider»,
 * then confirm; a likely duplicate is shown before a second identity is created.
 */
import { createSignal, For, Show } from 'solid-js';
import {
  IDENTITY_DOCUMENTS,
  displayName,
  normaliseStrictTrait,
  validatePatientInput,
  type IdentityErrorCode,
  type PatientIdentity,
} from '../../schema/identity.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { formatBirthDate } from './format.ts';
import { Field } from './Field.tsx';
import { wizardApi, type PatientFields } from './api.ts';

const errorText = (code: IdentityErrorCode): string => t(`consultation.identity.error.${code}` as MessageKey);

export function IdentityStep(props: { selected: PatientIdentity | null; onSelect: (p: PatientIdentity | null) => void; onNext: () => void }) {
  const [query, setQuery] = createSignal('');
  const [birthDate, setBirthDate] = createSignal('');
  const [results, setResults] = createSignal<PatientIdentity[] | null>(null);
  const [searchError, setSearchError] = createSignal<string | null>(null);
  const [checking, setChecking] = createSignal(false);
  const [creating, setCreating] = createSignal(false);
  const [correcting, setCorrecting] = createSignal(false);

  const search = async (e: Event) => {
    e.preventDefault();
    setSearchError(null);
    const r = await wizardApi.searchPatients(query(), birthDate());
    if (r.ok) setResults(r.value.patients);
    else setSearchError(r.error.message ?? t('consultation.error.network'));
  };

  return (
    <section class="panel" aria-labelledby="identity-title">
      <h2 id="identity-title" tabindex="-1">{t('consultation.identity.title')}</h2>
      <Show
        when={!creating()}
        fallback={
          <IdentityForm
            onCancel={() => setCreating(false)}
            onCreated={(p) => {
              setCreating(false);
              setResults([p]);
              props.onSelect(p);
            }}
          />
        }
      >
        <form role="search" aria-label={t('consultation.identity.search')} onSubmit={search}>
          <div class="form-grid">
            <Field id="patient-query" label={t('consultation.identity.query')}>
              {(a) => <input type="search" {...a} value={query()} onInput={(e) => setQuery(e.currentTarget.value)} autocomplete="off" />}
            </Field>
            <Field id="patient-birthdate-query" label={t('consultation.identity.birthDate')}>
              {(a) => <input type="date" {...a} value={birthDate()} onInput={(e) => setBirthDate(e.currentTarget.value)} />}
            </Field>
          </div>
          <div class="actions">
            <button type="submit" class="button">
              {t('consultation.identity.searchButton')}
            </button>
            <button type="button" class="button" onClick={() => setCreating(true)}>
              {t('consultation.identity.create')}
            </button>
          </div>
          <p class="form-error" role="alert">
            {searchError() ?? ''}
          </p>
        </form>
        <Show when={results()}>
          {(list) => (
            <Show when={list().length > 0} fallback={<p role="status">{t('consultation.identity.none')}</p>}>
              <ul class="result-list" aria-label={t('consultation.identity.results')}>
                <For each={list()}>
                  {(p) => (
                    <li>
                      <button
                        type="button"
                        class="result-item"
                        aria-pressed={props.selected?.id === p.id}
                        onClick={() => {
                          props.onSelect(p);
                          setChecking(false);
                        }}
                      >
                        <span>
                          <strong>{p.birthName}</strong> {p.firstNames}
                        </span>
                        <span class="result-meta">
                          {t('consultation.identity.bornOn', { date: formatBirthDate(p.birthDate) })} · {p.status}
                        </span>
                      </button>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
        <Show when={props.selected}>
          {(p) => (
            <>
              <p role="status">{t('consultation.identity.selected', { name: displayName(p()) })}</p>
              <div class="actions">
                <button type="button" class="button" aria-expanded={checking()} onClick={() => setChecking(!checking())}>
                  {t('consultation.identity.check')}
                </button>
                <button type="button" class="button" aria-expanded={correcting()} onClick={() => setCorrecting(!correcting())}>
                  {t('consultation.identity.correct')}
                </button>
              </div>
              <Show when={checking() && !correcting()}>
                <IdentityFacts patient={p()} />
              </Show>
              <Show when={correcting()}>
                <IdentityForm
                  editing={p()}
                  onCancel={() => setCorrecting(false)}
                  onCreated={(corrected) => {
                    setCorrecting(false);
                    setChecking(true);
                    setResults((list) => list?.map((r) => (r.id === corrected.id ? corrected : r)) ?? null);
                    props.onSelect(corrected);
                  }}
                />
              </Show>
            </>
          )}
        </Show>
        <div class="actions">
          <button type="button" class="button button--primary" disabled={!props.selected || correcting()} onClick={() => props.onNext()}>
            {t('consultation.next')}
          </button>
        </div>
      </Show>
    </section>
  );
}

export function IdentityFacts(props: { patient: PatientIdentity }) {
  const p = () => props.patient;
  return (
    <dl class="facts" aria-label={t('consultation.identity.check')}>
      <dt>{t('consultation.identity.birthName')}</dt>
      <dd>{p().birthName}</dd>
      <dt>{t('consultation.identity.firstNames')}</dt>
      <dd>{p().firstNames}</dd>
      <Show when={p().usedName}>
        <dt>{t('consultation.identity.usedName')}</dt>
        <dd>{p().usedName}</dd>
      </Show>
      <dt>{t('consultation.identity.birthDate')}</dt>
      <dd>{formatBirthDate(p().birthDate)}</dd>
      <dt>{t('consultation.identity.sex')}</dt>
      <dd>{t(`consultation.identity.sex.${p().sex}` as MessageKey)}</dd>
      <Show when={p().birthPlace}>
        <dt>{t('consultation.identity.birthPlace')}</dt>
        <dd>{p().birthPlace}</dd>
      </Show>
      <dt>{t('consultation.identity.status')}</dt>
      <dd>{t(`consultation.identity.status.${p().status}` as MessageKey)}</dd>
      <Show when={p().insMatricule}>
        <dt>{t('consultation.identity.insMatricule')}</dt>
        <dd>{p().insMatricule}</dd>
      </Show>
      <dt>{t('consultation.identity.email')}</dt>
      <dd>{p().email ?? '—'}</dd>
      <dt>{t('consultation.identity.mobile')}</dt>
      <dd>{p().mobile ?? '—'}</dd>
    </dl>
  );
}

type FormField =
  | 'birthName'
  | 'firstNames'
  | 'birthDate'
  | 'sex'
  | 'usedName'
  | 'usedFirstName'
  | 'birthPlace'
  | 'insMatricule'
  | 'status'
  | 'identityDocument'
  | 'email'
  | 'mobile';

/**
 * The identity form: a new identity, or (`editing`) the correction of one. A correction of a strict
 * trait brings the status back to PROV (the server decides); a matricule the page was not shown
 * (identity not QUAL) is kept unless a new one is typed.
 */
function IdentityForm(props: { editing?: PatientIdentity; onCancel: () => void; onCreated: (p: PatientIdentity) => void }) {
  const from = props.editing;
  const [values, setValues] = createSignal<Record<FormField, string>>({
    birthName: from?.birthName ?? '',
    firstNames: from?.firstNames ?? '',
    birthDate: from?.birthDate ?? '',
    sex: from?.sex ?? '',
    usedName: from?.usedName ?? '',
    usedFirstName: from?.usedFirstName ?? '',
    birthPlace: from?.birthPlace ?? '',
    insMatricule: from?.insMatricule ?? '',
    status: from?.status ?? 'PROV',
    identityDocument: from?.identityDocument ?? '',
    email: from?.email ?? '',
    mobile: from?.mobile ?? '',
  });
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const [confirming, setConfirming] = createSignal(false);
  const [duplicates, setDuplicates] = createSignal<PatientIdentity[]>([]);
  const [formError, setFormError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const set = (field: FormField, value: string) => setValues({ ...values(), [field]: value });
  const err = (field: string) => errors()[field] ?? null;
  // A date the browser cannot make a day of (31 February) reads as '' from the input, often with
  // no input event at all: told apart from an empty field by `badInput`, read when validating, and
  // never written back (that would wipe what was typed).
  let birthDateField: HTMLInputElement | undefined;
  const birthDateBad = () => birthDateField?.validity.badInput === true;
  const birthDateInput = (e: InputEvent & { currentTarget: HTMLInputElement }) => {
    if (!e.currentTarget.validity.badInput) set('birthDate', e.currentTarget.value);
  };

  const strictInput = (field: FormField) => (e: InputEvent & { currentTarget: HTMLInputElement }) => {
    const normalised = normaliseStrictTrait(e.currentTarget.value);
    if (normalised !== e.currentTarget.value) e.currentTarget.value = normalised;
    set(field, normalised);
  };

  const fields = (): PatientFields => {
    const v = values();
    return { ...v, identityDocument: v.identityDocument || null };
  };

  const validate = (e: Event) => {
    e.preventDefault();
    const result = validatePatientInput(fields(), Date.now());
    const badDate = birthDateBad();
    if (!result.ok || badDate) {
      const messages: Record<string, string> = {};
      const codes = { ...(result.ok ? {} : result.errors), ...(badDate ? { birthDate: 'badDate' as const } : {}) };
      for (const [field, code] of Object.entries(codes)) if (code) messages[field] = errorText(code);
      setErrors(messages);
      setConfirming(false);
      const first = Object.keys(messages)[0];
      document.getElementById(`identity-${first === 'contact' ? 'email' : first}`)?.focus();
      return;
    }
    setErrors({});
    setConfirming(true);
  };

  const submit = async (confirmDuplicate: boolean) => {
    setBusy(true);
    setFormError(null);
    const r = props.editing ? await wizardApi.updatePatient(props.editing.id, fields()) : await wizardApi.createPatient({ ...fields(), confirmDuplicate });
    setBusy(false);
    if (r.ok) {
      props.onCreated(r.value.patient);
      return;
    }
    if (r.error.status === 409) {
      setDuplicates(r.error.duplicates);
      return;
    }
    setErrors(r.error.fields);
    setConfirming(false);
    setFormError(r.error.message ?? t('consultation.error.network'));
  };

  const documentNeeded = () => values().status === 'VALI' || values().status === 'QUAL';

  return (
    <form onSubmit={validate} novalidate aria-labelledby="identity-form-title">
      <h3 id="identity-form-title">{props.editing ? t('consultation.identity.correct') : t('consultation.identity.create')}</h3>
      <Show when={props.editing}>
        <p class="field-hint">{t('consultation.identity.correctHint')}</p>
      </Show>
      <p class="field-hint">{t('consultation.identity.requiredHint')}</p>
      <div class="form-grid">
        <Field id="identity-birthName" label={t('consultation.identity.birthName')} required error={err('birthName')} hint={t('consultation.identity.strictHint')}>
          {(a) => <input type="text" {...a} autocomplete="off" value={values().birthName} onInput={strictInput('birthName')} />}
        </Field>
        <Field id="identity-firstNames" label={t('consultation.identity.firstNames')} required error={err('firstNames')}>
          {(a) => <input type="text" {...a} autocomplete="off" value={values().firstNames} onInput={strictInput('firstNames')} />}
        </Field>
        <Field id="identity-birthDate" label={t('consultation.identity.birthDate')} required error={err('birthDate')}>
          {(a) => <input type="date" ref={(el) => (birthDateField = el)} {...a} value={values().birthDate} onInput={birthDateInput} />}
        </Field>
        <Field id="identity-sex" label={t('consultation.identity.sex')} required error={err('sex')}>
          {(a) => (
            <select {...a} value={values().sex} onChange={(e) => set('sex', e.currentTarget.value)}>
              <option value="">{t('consultation.identity.choose')}</option>
              <option value="F">{t('consultation.identity.sex.F')}</option>
              <option value="M">{t('consultation.identity.sex.M')}</option>
              <option value="I">{t('consultation.identity.sex.I')}</option>
            </select>
          )}
        </Field>
        <Field id="identity-usedName" label={t('consultation.identity.usedName')} error={err('usedName')}>
          {(a) => <input type="text" {...a} autocomplete="off" value={values().usedName} onInput={strictInput('usedName')} />}
        </Field>
        <Field id="identity-usedFirstName" label={t('consultation.identity.usedFirstName')} error={err('usedFirstName')}>
          {(a) => <input type="text" {...a} autocomplete="off" value={values().usedFirstName} onInput={strictInput('usedFirstName')} />}
        </Field>
        <Field id="identity-birthPlace" label={t('consultation.identity.birthPlace')} error={err('birthPlace')} hint={t('consultation.identity.birthPlaceHint')}>
          {(a) => <input type="text" {...a} inputmode="text" maxlength="5" value={values().birthPlace} onInput={(e) => set('birthPlace', e.currentTarget.value.toUpperCase())} />}
        </Field>
        <Field id="identity-insMatricule" label={t('consultation.identity.insMatricule')} error={err('insMatricule')}>
          {(a) => <input type="text" {...a} inputmode="numeric" maxlength="21" value={values().insMatricule} onInput={(e) => set('insMatricule', e.currentTarget.value)} />}
        </Field>
        <Field id="identity-status" label={t('consultation.identity.status')} error={err('status')}>
          {(a) => (
            <select {...a} value={values().status} onChange={(e) => set('status', e.currentTarget.value)}>
              <For each={['PROV', 'VALI', 'RECUP', 'QUAL']}>{(s) => <option value={s}>{t(`consultation.identity.status.${s}` as MessageKey)}</option>}</For>
            </select>
          )}
        </Field>
        <Show when={documentNeeded()}>
          <Field id="identity-identityDocument" label={t('consultation.identity.document')} required error={err('identityDocument')}>
            {(a) => (
              <select {...a} value={values().identityDocument} onChange={(e) => set('identityDocument', e.currentTarget.value)}>
                <option value="">{t('consultation.identity.choose')}</option>
                <For each={[...IDENTITY_DOCUMENTS]}>{(d) => <option value={d}>{t(`consultation.identity.document.${d}` as MessageKey)}</option>}</For>
              </select>
            )}
          </Field>
        </Show>
        <Field id="identity-email" label={t('consultation.identity.email')} error={err('email') ?? err('contact')}>
          {(a) => <input type="email" {...a} autocomplete="off" value={values().email} onInput={(e) => set('email', e.currentTarget.value)} />}
        </Field>
        <Field id="identity-mobile" label={t('consultation.identity.mobile')} error={err('mobile')} hint={t('consultation.identity.mobileHint')}>
          {(a) => <input type="tel" {...a} autocomplete="off" value={values().mobile} onInput={(e) => set('mobile', e.currentTarget.value)} />}
        </Field>
      </div>
      <Show when={!confirming()}>
        <div class="actions">
          <button type="submit" class="button button--primary">
            {t('consultation.identity.validate')}
          </button>
          <button type="button" class="button" onClick={() => props.onCancel()}>
            {t('consultation.cancel')}
          </button>
        </div>
      </Show>
      <Show when={confirming()}>
        <div class="notice" role="status">
          <p>{props.editing ? t('consultation.identity.confirmCorrection') : t('consultation.identity.confirmText')}</p>
          <Show when={duplicates().length > 0}>
            <p>
              <strong>{t('consultation.identity.duplicate')}</strong>
            </p>
            <ul class="result-list">
              <For each={duplicates()}>
                {(d) => (
                  <li>
                    <button type="button" class="result-item" onClick={() => props.onCreated(d)}>
                      <span>
                        {t('consultation.identity.useExisting')} : <strong>{d.birthName}</strong> {d.firstNames} ({formatBirthDate(d.birthDate)})
                      </span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
          <div class="actions">
            <button type="button" class="button button--primary" disabled={busy()} onClick={() => void submit(duplicates().length > 0)}>
              {duplicates().length > 0 ? t('consultation.identity.createAnyway') : t('consultation.identity.confirm')}
            </button>
            <button type="button" class="button" onClick={() => setConfirming(false)}>
              {t('consultation.identity.edit')}
            </button>
          </div>
        </div>
      </Show>
      <p class="form-error" role="alert">
        {formError() ?? ''}
      </p>
    </form>
  );
}
