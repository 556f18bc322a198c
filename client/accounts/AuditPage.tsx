/** «Journal d’audit» (SPEC §9): an establishment administrator reads it, by person, patient, date. */
import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import { t, type MessageKey } from '../i18n/index.ts';
import { formatParisDateTime } from '../format.ts';
import { accountsApi } from './accountsApi.ts';
import { formText } from '../formText.ts';

export function AuditPage() {
  const [filters, setFilters] = createSignal<Record<string, string>>({});
  const [data] = createResource(filters, async (f) => accountsApi.audit(f));

  onMount(() => {
    document.title = `${t('accounts.audit.title')} — ${t('app.name')}`;
  });

  const onFilter = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next: Record<string, string> = {};
    for (const key of ['person', 'patient', 'from', 'to']) {
      const value = formText(form, key).trim();
      if (value) next[key] = value;
    }
    setFilters(next);
  };

  const typeLabel = (type: string): string => t(`accounts.audit.type.${type}` as MessageKey) ?? type;

  return (
    <div class="page audit-page">
      <h1>{t('accounts.audit.title')}</h1>
      <Show when={data()} keyed>
        {(result) => (
          <Show
            when={result.ok ? result.value : null}
            fallback={
              <p class="form-error" role="alert">
                {!result.ok && result.kind === 'forbidden' ? t('accounts.audit.forbidden') : !result.ok ? (result.message ?? t('accounts.error.network')) : ''}
              </p>
            }
          >
            {(value) => (
              <>
                <form class="audit-filters" onSubmit={onFilter}>
                  <div class="form-field">
                    <label for="audit-person">{t('accounts.audit.person')}</label>
                    <select id="audit-person" name="person" value={filters().person ?? ''}>
                      <option value="">{t('accounts.audit.everyone')}</option>
                      <For each={value().people}>{(p) => <option value={p.id}>{p.displayName}</option>}</For>
                    </select>
                  </div>
                  <div class="form-field">
                    <label for="audit-patient">{t('accounts.audit.patient')}</label>
                    <input id="audit-patient" name="patient" type="text" value={filters().patient ?? ''} />
                  </div>
                  <div class="form-field">
                    <label for="audit-from">{t('accounts.audit.from')}</label>
                    <input id="audit-from" name="from" type="date" value={filters().from ?? ''} />
                  </div>
                  <div class="form-field">
                    <label for="audit-to">{t('accounts.audit.to')}</label>
                    <input id="audit-to" name="to" type="date" value={filters().to ?? ''} />
                  </div>
                  <button type="submit" class="button button--primary">
                    {t('accounts.audit.filter')}
                  </button>
                </form>
                <Show when={value().events.length > 0} fallback={<p>{t('accounts.audit.empty')}</p>}>
                  <div class="table-scroll">
                    <table class="audit-table">
                      <caption class="visually-hidden">{t('accounts.audit.title')}</caption>
                      <thead>
                        <tr>
                          <th scope="col">{t('accounts.audit.when')}</th>
                          <th scope="col">{t('accounts.audit.what')}</th>
                          <th scope="col">{t('accounts.audit.who')}</th>
                          <th scope="col">{t('accounts.audit.how')}</th>
                          <th scope="col">{t('accounts.audit.detail')}</th>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={value().events}>
                          {(e) => (
                            <tr>
                              <td>{formatParisDateTime(e.at)}</td>
                              <td>{typeLabel(e.type)}</td>
                              <td>{e.actorName ?? e.identifier ?? '—'}</td>
                              <td>{e.method ?? ''}</td>
                              <td>{e.detail ?? ''}</td>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </div>
                </Show>
              </>
            )}
          </Show>
        )}
      </Show>
    </div>
  );
}
