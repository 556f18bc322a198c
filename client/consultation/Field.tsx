/** A labelled form field with its error message tied to it (aria-describedby), and the red asterisk. */
import { Show, type JSX } from 'solid-js';
import { t } from '../i18n/index.ts';

export function Field(props: {
  id: string;
  label: string;
  required?: boolean;
  error?: string | null;
  hint?: string;
  children: (aria: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined; required: boolean }) => JSX.Element;
}) {
  const describedBy = () => [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="form-field">
      <label for={props.id}>
        {props.label}
        <Show when={props.required}>
          <span class="required-mark" title={t('consultation.form.required')}>
            {' *'}
          </span>
        </Show>
      </label>
      <Show when={props.hint}>
        <span id={`${props.id}-hint`} class="field-hint">
          {props.hint}
        </span>
      </Show>
      {props.children({ id: props.id, 'aria-invalid': Boolean(props.error), 'aria-describedby': describedBy(), required: Boolean(props.required) })}
      <Show when={props.error}>
        <span id={`${props.id}-error`} class="form-error field-error">
          {props.error}
        </span>
      </Show>
    </div>
  );
}
