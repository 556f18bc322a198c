/**
 * «Sélection du type d'accompagnement» (SPEC §5): alone (the patient's contacts, editable), with a
 * relative, or with a professional found in the directory or typed by hand («Je ne trouve pas le
 * professionnel»).
 */
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import type { Companion, Contacts } from '../../schema/consultation.ts';
import type { DirectoryEntry } from '../../schema/directory.ts';
import { isEmail, normaliseMobile } from '../../schema/identity.ts';
import { t } from '../i18n/index.ts';
import { Field } from './Field.tsx';
import { wizardApi } from './api.ts';

export interface CompanionDraft {
  kind: Companion['kind'];
  name: string;
  relationship: string;
  profession: string;
  rpps: string;
  secureEmail: string;
  email: string;
  mobile: string;
  source: 'directory' | 'manual' | null;
}

export const emptyCompanion = (): CompanionDraft => ({
  kind: 'none',
  name: '',
  relationship: '',
  profession: '',
  rpps: '',
  secureEmail: '',
  email: '',
  mobile: '',
  source: null,
});

export function companionOf(d: CompanionDraft): Companion {
  const contacts: Contacts = { email: d.email.trim() || null, mobile: d.mobile.trim() || null };
  if (d.kind === 'relative') return { kind: 'relative', name: d.name.trim(), relationship: d.relationship.trim(), ...contacts };
  if (d.kind === 'professional') {
    return {
      kind: 'professional',
      name: d.name.trim(),
      profession: d.profession.trim(),
      rpps: d.rpps || null,
      secureEmail: d.secureEmail || null,
      source: d.source ?? 'manual',
      ...contacts,
    };
  }
  return { kind: 'none' };
}

/** Client-side check with the server's rules; keys as the server's field errors. */
export function checkContacts(prefix: string, email: string, mobile: string, out: Record<string, string>): void {
  if (email.trim() === '' && mobile.trim() === '') out[`${prefix}.contact`] = t('consultation.identity.error.contactRequired');
  if (email.trim() !== '' && !isEmail(email.trim())) out[`${prefix}.email`] = t('consultation.identity.error.badEmail');
  if (mobile.trim() !== '' && !normaliseMobile(mobile)) out[`${prefix}.mobile`] = t('consultation.identity.error.badMobile');
}

export function CompanionStep(props: {
  draft: CompanionDraft;
  onDraft: (d: CompanionDraft) => void;
  patientContacts: { email: string; mobile: string };
  onPatientContacts: (c: { email: string; mobile: string }) => void;
  errors: Record<string, string>;
  onBack: () => void;
  onNext: () => void;
}) {
  const d = () => props.draft;
  const set = (patch: Partial<CompanionDraft>) => props.onDraft({ ...d(), ...patch });
  const [query, setQuery] = createSignal('');
  const [found, setFound] = createSignal<DirectoryEntry[] | null>(null);
  const [searchError, setSearchError] = createSignal<string | null>(null);
  const [manual, setManual] = createSignal(false);
  const err = (k: string) => props.errors[k] ?? null;

  const search = async (e: Event) => {
    e.preventDefault();
    setSearchError(null);
    const r = await wizardApi.searchDirectory(query());
    if (r.ok) setFound(r.value.professionals);
    else setSearchError(r.error.message ?? t('consultation.error.network'));
  };

  const choose = (p: DirectoryEntry) => {
    const mobile = p.phone && normaliseMobile(p.phone) ? p.phone : '';
    set({
      name: `${p.firstName} ${p.lastName}`.trim(),
      profession: p.specialty ? `${p.profession} — ${p.specialty}` : p.profession,
      rpps: p.rpps,
      secureEmail: p.secureEmail ?? '',
      email: p.email ?? p.secureEmail ?? '',
      mobile,
      source: 'directory',
    });
    setManual(false);
  };

  const kinds: { kind: Companion['kind']; label: string }[] = [
    { kind: 'none', label: t('consultation.companion.alone') },
    { kind: 'relative', label: t('consultation.companion.relative') },
    { kind: 'professional', label: t('consultation.companion.professional') },
  ];

  const contactFields = (prefix: string) => (
    <div class="form-grid">
      <Field id={`${prefix}-email`} label={t('consultation.identity.email')} error={err(`${prefix}.email`) ?? err(`${prefix}.contact`)}>
        {(a) => <input type="email" {...a} autocomplete="off" value={d().email} onInput={(e) => set({ email: e.currentTarget.value })} />}
      </Field>
      <Field id={`${prefix}-mobile`} label={t('consultation.identity.mobile')} error={err(`${prefix}.mobile`)}>
        {(a) => <input type="tel" {...a} autocomplete="off" value={d().mobile} onInput={(e) => set({ mobile: e.currentTarget.value })} />}
      </Field>
    </div>
  );

  return (
    <section class="panel" aria-labelledby="companion-title">
      <h2 id="companion-title" tabindex="-1">{t('consultation.companion.title')}</h2>
      <fieldset>
        <legend>{t('consultation.companion.kind')}</legend>
        <For each={kinds}>
          {(k) => (
            <label class="choice">
              <input type="radio" name="companion-kind" checked={d().kind === k.kind} onChange={() => set({ kind: k.kind })} />
              {k.label}
            </label>
          )}
        </For>
      </fieldset>

      <fieldset>
        <legend>{t('consultation.companion.patientContacts')}</legend>
        <div class="form-grid">
          <Field id="patient-email" label={t('consultation.identity.email')} error={err('patientContacts.email') ?? err('patientContacts.contact')}>
            {(a) => (
              <input type="email" {...a} autocomplete="off" value={props.patientContacts.email} onInput={(e) => props.onPatientContacts({ ...props.patientContacts, email: e.currentTarget.value })} />
            )}
          </Field>
          <Field id="patient-mobile" label={t('consultation.identity.mobile')} error={err('patientContacts.mobile')}>
            {(a) => (
              <input type="tel" {...a} autocomplete="off" value={props.patientContacts.mobile} onInput={(e) => props.onPatientContacts({ ...props.patientContacts, mobile: e.currentTarget.value })} />
            )}
          </Field>
        </div>
      </fieldset>

      <Switch>
        <Match when={d().kind === 'relative'}>
          <fieldset>
            <legend>{t('consultation.companion.relativeTitle')}</legend>
            <div class="form-grid">
              <Field id="companion-name" label={t('consultation.companion.name')} required error={err('companion.name')}>
                {(a) => <input type="text" {...a} autocomplete="off" value={d().name} onInput={(e) => set({ name: e.currentTarget.value })} />}
              </Field>
              <Field id="companion-relationship" label={t('consultation.companion.relationship')} required error={err('companion.relationship')}>
                {(a) => <input type="text" {...a} autocomplete="off" value={d().relationship} onInput={(e) => set({ relationship: e.currentTarget.value })} />}
              </Field>
            </div>
            {contactFields('companion')}
          </fieldset>
        </Match>
        <Match when={d().kind === 'professional'}>
          <fieldset>
            <legend>{t('consultation.companion.professionalTitle')}</legend>
            <form role="search" aria-label={t('consultation.directory.search')} onSubmit={search}>
              <Field id="directory-query" label={t('consultation.directory.query')} hint={t('consultation.directory.hint')}>
                {(a) => <input type="search" {...a} autocomplete="off" value={query()} onInput={(e) => setQuery(e.currentTarget.value)} />}
              </Field>
              <div class="actions">
                <button type="submit" class="button">
                  {t('consultation.directory.searchButton')}
                </button>
                <button
                  type="button"
                  class="button"
                  onClick={() => {
                    setManual(true);
                    set({ source: 'manual', rpps: '', secureEmail: '' });
                    queueMicrotask(() => document.getElementById('companion-name')?.focus());
                  }}
                >
                  {t('consultation.directory.notFound')}
                </button>
              </div>
              <p class="form-error" role="alert">
                {searchError() ?? ''}
              </p>
            </form>
            <Show when={found() && !manual()}>
              <Show when={(found() ?? []).length > 0} fallback={<p role="status">{t('consultation.directory.none')}</p>}>
                <div class="table-scroll">
                  <table class="invitation-table">
                    <caption class="visually-hidden">{t('consultation.directory.results')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('consultation.directory.col.name')}</th>
                        <th scope="col">{t('consultation.directory.col.rpps')}</th>
                        <th scope="col">{t('consultation.directory.col.profession')}</th>
                        <th scope="col">{t('consultation.directory.col.place')}</th>
                        <th scope="col">{t('consultation.directory.col.mssante')}</th>
                        <th scope="col">
                          <span class="visually-hidden">{t('consultation.directory.col.action')}</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      <For each={found() ?? []}>
                        {(p) => (
                          <tr>
                            <td>
                              {p.firstName} {p.lastName}
                            </td>
                            <td>{p.rpps}</td>
                            <td>
                              {p.profession}
                              <Show when={p.specialty}> — {p.specialty}</Show>
                            </td>
                            <td>
                              {p.postcode ?? ''} {p.city ?? ''}
                            </td>
                            <td>{p.secureEmail ?? '—'}</td>
                            <td>
                              <button type="button" class="button" aria-pressed={d().rpps === p.rpps} onClick={() => choose(p)}>
                                {t('consultation.directory.choose')}
                                <span class="visually-hidden">
                                  {' '}
                                  {p.firstName} {p.lastName}
                                </span>
                              </button>
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                </div>
              </Show>
            </Show>
            <Show when={manual() || d().source !== null}>
              <div class="form-grid">
                <Field id="companion-name" label={t('consultation.companion.name')} required error={err('companion.name')}>
                  {(a) => <input type="text" {...a} autocomplete="off" value={d().name} onInput={(e) => set({ name: e.currentTarget.value })} />}
                </Field>
                <Field id="companion-profession" label={t('consultation.companion.profession')} required error={err('companion.profession')}>
                  {(a) => <input type="text" {...a} autocomplete="off" value={d().profession} onInput={(e) => set({ profession: e.currentTarget.value })} />}
                </Field>
              </div>
              {contactFields('companion')}
            </Show>
          </fieldset>
        </Match>
      </Switch>
      <div class="actions">
        <button type="button" class="button" onClick={() => props.onBack()}>
          {t('consultation.previous')}
        </button>
        <button type="button" class="button button--primary" onClick={() => props.onNext()}>
          {t('consultation.next')}
        </button>
      </div>
    </section>
  );
}
