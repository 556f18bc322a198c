/** Settings section: French (default) or English for this station's interface. */
import { For } from 'solid-js';
import { lang, setLang, t, type Lang } from '../i18n/index.ts';

const LANGS: { value: Lang; label: 'accounts.language.fr' | 'accounts.language.en'; code: string }[] = [
  { value: 'fr', label: 'accounts.language.fr', code: 'fr' },
  { value: 'en', label: 'accounts.language.en', code: 'en' },
];

export function LanguageSettings() {
  return (
    <section class="panel" aria-labelledby="language-title">
      <fieldset class="language-choice">
        <legend id="language-title">
          <h2>{t('accounts.language.title')}</h2>
        </legend>
        <For each={LANGS}>
          {(option) => (
            <label class="radio-row" lang={option.code}>
              <input type="radio" name="lang" value={option.value} checked={lang() === option.value} onChange={() => setLang(option.value)} />
              {t(option.label)}
            </label>
          )}
        </For>
      </fieldset>
    </section>
  );
}
