/**
 * «Comptes» (/administration/comptes): an establishment administrator sees the accounts of the
 * establishments they administer, creates one, gives one a new provisional password, or lifts a
 * lock after too many failed logins. A provisional password is shown once, here, to be handed to
 * the person.
 */
import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import type { AccountRow, NewAccountRequest } from '../../schema/adminAccounts.ts';
import { t } from '../i18n/index.ts';
import { formatParisDateTime } from '../format.ts';
import { user } from '../session.ts';
import { accountsApi } from './accountsApi.ts';
import { formText } from '../formText.ts';

const messageOf = (result: { kind: string; message: string | null }): string =>
  result.kind === 'network' ? t('accounts.error.network') : (result.message ?? t('login.error.unknown'));

export function AccountsPage() {
  const [data, { refetch }] = createResource(async () => accountsApi.accounts());
  const loaded = () => {
    const result = data.latest;
    return result?.ok ? result.value : null;
  };
  const failure = () => {
    const result = data.latest;
    return result && !result.ok ? result : null;
  };
  const [provisional, setProvisional] = createSignal<{ account: AccountRow; password: string } | null>(null);
  const [createMessage, setCreateMessage] = createSignal<string | null>(null);
  const [rowMessage, setRowMessage] = createSignal<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = createSignal(false);
  let notice: HTMLDivElement | undefined;

  onMount(() => {
    document.title = `${t('accounts.admin.title')} — ${t('app.name')}`;
  });

  const showPassword = (value: { account: AccountRow; password: string }) => {
    setProvisional(value);
    // The password is what the administrator needs next: bring it into view and focus.
    queueMicrotask(() => notice?.focus());
  };

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    if (busy()) return;
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const field = (name: string): string => formText(data, name).trim();
    const body: NewAccountRequest = {
      identifier: field('identifier'),
      displayName: field('displayName'),
      profession: field('profession'),
      establishmentId: field('establishmentId'),
      role: field('role') === 'admin' ? 'admin' : 'professional',
      ...(field('specialty') ? { specialty: field('specialty') } : {}),
      ...(field('rpps') ? { rpps: field('rpps') } : {}),
      ...(field('email') ? { email: field('email') } : {}),
      ...(field('mobile') ? { mobile: field('mobile') } : {}),
    };
    setBusy(true);
    setCreateMessage(null);
    const result = await accountsApi.createAccount(body);
    setBusy(false);
    if (!result.ok) return setCreateMessage(messageOf(result));
    form.reset();
    showPassword(result.value);
    void refetch();
  };

  const newPassword = async (account: AccountRow) => {
    if (!window.confirm(t('accounts.admin.resetConfirm', { name: account.displayName }))) return;
    setRowMessage(null);
    const result = await accountsApi.resetPassword(account.id);
    if (!result.ok) return setRowMessage({ text: messageOf(result), error: true });
    showPassword(result.value);
    void refetch();
  };

  const unlock = async (account: AccountRow) => {
    setRowMessage(null);
    const result = await accountsApi.unlockAccount(account.id);
    if (!result.ok) return setRowMessage({ text: messageOf(result), error: true });
    setRowMessage({ text: t('accounts.admin.unlocked', { name: account.displayName }), error: false });
    void refetch();
  };

  const professionOf = (account: AccountRow): string => (account.specialty ? `${account.profession} (${account.specialty})` : account.profession);
  const roleOf = (account: AccountRow): string => (account.role === 'admin' ? t('accounts.admin.roleAdmin') : t('accounts.admin.roleProfessional'));

  const AccountState = (props: { account: AccountRow }) => (
    <>
      {props.account.locked ? <strong>{t('accounts.admin.locked')}</strong> : t('accounts.admin.active')}
      <span class="visually-hidden">, </span>
      <small class="muted"> {t('accounts.admin.since', { date: formatParisDateTime(props.account.createdAt) })}</small>
    </>
  );

  // An account shared with an establishment the administrator does not administer is reset or
  // unlocked by an administrator of that establishment (the server refuses it here): say so.
  const Actions = (props: { account: AccountRow }) => (
    <div class="row-actions">
      <Show when={props.account.sharedWith.length > 0 && props.account.id !== user()?.id}>
        <small class="muted">{t('accounts.admin.sharedWith', { names: props.account.sharedWith.join(', ') })}</small>
      </Show>
      <Show when={props.account.locked && props.account.sharedWith.length === 0}>
        <button type="button" class="button" onClick={() => void unlock(props.account)}>
          {t('accounts.admin.unlock')}
          <span class="visually-hidden"> {props.account.displayName}</span>
        </button>
      </Show>
      <Show when={props.account.id !== user()?.id && props.account.sharedWith.length === 0}>
        <button type="button" class="button" onClick={() => void newPassword(props.account)}>
          {t('accounts.admin.reset')}
          <span class="visually-hidden"> {props.account.displayName}</span>
        </button>
      </Show>
    </div>
  );

  return (
    <div class="page accounts-page">
      <h1>{t('accounts.admin.title')}</h1>
      <Show when={failure()}>
        {(failed) => (
          <p class="form-error" role="alert">
            {failed().kind === 'forbidden' ? t('accounts.admin.forbidden') : messageOf(failed())}
          </p>
        )}
      </Show>
      {/* Not keyed: a refresh after a change updates the rows without rebuilding the page (focus, form). */}
      <Show when={loaded()}>
        {(value) => (
          <>
            <Show when={provisional()}>
              {(shown) => (
                <div class="notice notice--important" role="status" tabIndex={-1} ref={(element) => (notice = element)}>
                  <p>{t('accounts.admin.passwordFor', { name: shown().account.displayName, identifier: shown().account.identifier })}</p>
                  <p class="provisional-password" data-testid="provisional-password">
                    {shown().password}
                  </p>
                  <p>{t('accounts.admin.passwordOnce')}</p>
                  <button type="button" class="button" onClick={() => setProvisional(null)}>
                    {t('accounts.admin.passwordDone')}
                  </button>
                </div>
              )}
            </Show>

            <section aria-labelledby="accounts-list-title">
              <h2 id="accounts-list-title">{t('accounts.admin.listTitle', { count: value().accounts.length })}</h2>
              <p class={rowMessage()?.error ? 'form-error' : 'form-success'} role="status">
                {rowMessage()?.text ?? ''}
              </p>
              {/* A table on a wide screen, a card per account on a phone: one of the two is shown. */}
              <div class="table-scroll accounts-wide">
                <table class="audit-table accounts-table">
                  <caption class="visually-hidden">{t('accounts.admin.listTitle', { count: value().accounts.length })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('accounts.admin.name')}</th>
                      <th scope="col">{t('accounts.admin.identifier')}</th>
                      <th scope="col">{t('accounts.admin.profession')}</th>
                      <th scope="col">{t('accounts.admin.role')}</th>
                      <th scope="col">{t('accounts.admin.state')}</th>
                      <th scope="col">{t('accounts.admin.actions')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={value().accounts}>
                      {(account) => (
                        <tr>
                          <th scope="row">{account.displayName}</th>
                          <td>{account.identifier}</td>
                          <td>{professionOf(account)}</td>
                          <td>{roleOf(account)}</td>
                          <td>
                            <AccountState account={account} />
                          </td>
                          <td>
                            <Actions account={account} />
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <ul class="account-cards" aria-label={t('accounts.admin.listTitle', { count: value().accounts.length })}>
                <For each={value().accounts}>
                  {(account) => (
                    <li class="account-card">
                      <p class="account-card-name">{account.displayName}</p>
                      <p>
                        {account.identifier} · {professionOf(account)} · {roleOf(account)}
                      </p>
                      <p>
                        <AccountState account={account} />
                      </p>
                      <Actions account={account} />
                    </li>
                  )}
                </For>
              </ul>
            </section>

            <section aria-labelledby="accounts-new-title">
              <h2 id="accounts-new-title">{t('accounts.admin.newTitle')}</h2>
              <p>{t('accounts.admin.newExplain')}</p>
              <form class="settings-form" onSubmit={(e) => void create(e)} noValidate>
                <div class="form-field">
                  <label for="account-identifier">{t('accounts.admin.identifier')}</label>
                  <input id="account-identifier" name="identifier" type="text" autocomplete="off" autocapitalize="none" spellcheck={false} required aria-describedby="account-identifier-hint" />
                  <small id="account-identifier-hint">{t('accounts.admin.identifierHint')}</small>
                </div>
                <div class="form-field">
                  <label for="account-name">{t('accounts.admin.name')}</label>
                  <input id="account-name" name="displayName" type="text" autocomplete="off" required aria-describedby="account-name-hint" />
                  <small id="account-name-hint">{t('accounts.admin.nameHint')}</small>
                </div>
                <div class="form-field">
                  <label for="account-profession">{t('accounts.admin.profession')}</label>
                  <input id="account-profession" name="profession" type="text" list="account-professions" required />
                  <datalist id="account-professions">
                    <option value="Médecin" />
                    <option value="Infirmier" />
                    <option value="Infirmière" />
                    <option value="Aide-soignant" />
                    <option value="Aide-soignante" />
                    <option value="Kinésithérapeute" />
                  </datalist>
                </div>
                <div class="form-field">
                  <label for="account-specialty">{t('accounts.admin.specialty')}</label>
                  <input id="account-specialty" name="specialty" type="text" />
                </div>
                <div class="form-field">
                  <label for="account-rpps">{t('accounts.admin.rpps')}</label>
                  <input id="account-rpps" name="rpps" type="text" inputmode="numeric" maxLength={11} aria-describedby="account-rpps-hint" />
                  <small id="account-rpps-hint">{t('accounts.admin.rppsHint')}</small>
                </div>
                <div class="form-field">
                  <label for="account-email">{t('accounts.admin.email')}</label>
                  <input id="account-email" name="email" type="email" autocomplete="off" />
                </div>
                <div class="form-field">
                  <label for="account-mobile">{t('accounts.admin.mobile')}</label>
                  <input id="account-mobile" name="mobile" type="tel" autocomplete="off" aria-describedby="account-mobile-hint" />
                  <small id="account-mobile-hint">{t('accounts.admin.mobileHint')}</small>
                </div>
                <div class="form-field">
                  <label for="account-establishment">{t('accounts.admin.establishment')}</label>
                  <select id="account-establishment" name="establishmentId">
                    <For each={value().establishments}>{(e) => <option value={e.id}>{e.name}</option>}</For>
                  </select>
                </div>
                <div class="form-field">
                  <label for="account-role">{t('accounts.admin.role')}</label>
                  <select id="account-role" name="role">
                    <option value="professional">{t('accounts.admin.roleProfessional')}</option>
                    <option value="admin">{t('accounts.admin.roleAdmin')}</option>
                  </select>
                </div>
                <button type="submit" class="button button--primary" disabled={busy()}>
                  {busy() ? t('accounts.admin.creating') : t('accounts.admin.create')}
                </button>
                <p class="form-error" role="alert">
                  {createMessage() ?? ''}
                </p>
              </form>
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
