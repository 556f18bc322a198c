/**
 * Translations: French by default, English as a second language. The language comes from
 * localStorage 'relais.lang'; `<html lang>` follows it.
 */
import { createSignal } from 'solid-js';
import { fr, type MessageKey, type Messages } from './fr.ts';
import { en } from './en.ts';

export type Lang = 'fr' | 'en';
export type { MessageKey };

const LANG_KEY = 'relais.lang';
const catalogs: Record<Lang, Messages> = { fr, en };

function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'fr';
  } catch {
    return 'fr';
  }
}

const [lang, setLangSignal] = createSignal<Lang>(storedLang());
export { lang };

export function applyLang(): void {
  document.documentElement.lang = lang();
}

export function setLang(next: Lang): void {
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  setLangSignal(next);
  applyLang();
}

/** Whether `key` is a message of the catalogs (keys built from a server's error code). */
export function hasMessage(key: string): key is MessageKey {
  return key in fr;
}

/** The message for `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogs[lang()][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
