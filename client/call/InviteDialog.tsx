/**
 * «Inviter un participant» during the call (SPEC §7.2 control 1): one more person by email and/or
 * SMS, through the consultation's invitations (POST /api/consultations/<id>/invitations).
 */
import { createSignal, onMount, Show } from 'solid-js';
import { apiCall } from '../apiCall.ts';
import { t } from '../i18n/index.ts';

export function InviteDialog(props: { consultationId: string; onClose: (message: string | null) => void }) {
  let dialog: HTMLDialogElement | undefined = undefined;
  let first: HTMLInputElement | undefined = undefined;
  const [name, setName] = createSignal('');
  const [email, setEmail] = createSignal('');
  const [mobile, setMobile] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  onMount(() => {
    dialog?.showModal();
    first?.focus();
  });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!email().trim() && !mobile().trim()) {
      setError(t('room.invite.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    const result = await apiCall('invitationCreate', {
      params: { consultationId: props.consultationId },
      body: { name: name().trim(), email: email().trim() || null, mobile: mobile().trim() || null },
    });
    setBusy(false);
    if (result.ok) {
      dialog?.close();
      props.onClose(t('room.invite.sent'));
      return;
    }
    const fields = Object.values(result.fields);
    const reason = result.kind === 'network' ? t('login.error.network') : fields.length ? fields.join(' ') : (result.message ?? String(result.status));
    setError(t('room.invite.failed', { reason }));
  };

  return (
    <dialog
      ref={(el) => (dialog = el)}
      class="invite-dialog"
      aria-labelledby="invite-title"
      onCancel={() => props.onClose(null)}
    >
      <form onSubmit={(e) => void submit(e)}>
        <h3 id="invite-title">{t('room.invite.title')}</h3>
        <p class="hint">{t('room.invite.hint')}</p>
        <label class="field">
          <span>{t('room.invite.name')}</span>
          <input ref={(el) => (first = el)} type="text" autocomplete="off" value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('room.invite.email')}</span>
          <input type="email" autocomplete="off" value={email()} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('room.invite.mobile')}</span>
          <input type="tel" autocomplete="off" value={mobile()} onInput={(e) => setMobile(e.currentTarget.value)} />
        </label>
        <Show when={error()}>
          <p class="form-error" role="alert">
            {error()}
          </p>
        </Show>
        <div class="dialog-actions">
          <button type="button" class="button" onClick={() => {
            dialog?.close();
            props.onClose(null);
          }}>
            {t('room.invite.cancel')}
          </button>
          <button type="submit" class="button button--primary" disabled={busy()}>
            {t('room.invite.send')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
