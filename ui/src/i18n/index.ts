/**
 * Translation: a reactive current locale and `t(key, params?)`.
 *
 * The locale comes from localStorage (`millrace.lang`, set by the language selector)
 * or else from the browser's preferred languages, falling back to English. `t` reads
 * the locale signal, so any JSX that calls it re-renders when the language changes.
 */
import { createSignal } from "solid-js";
import { en, type Dictionary, type MessageKey } from "./en";
import { es } from "./es";

export type { MessageKey, Dictionary } from "./en";

/** Languages the UI ships, in the order the selector lists them. */
export const LOCALES = ["en", "es"] as const;
export type Locale = (typeof LOCALES)[number];

/** Every dictionary by locale (exported for the parity test). */
export const DICTIONARIES: Record<Locale, Dictionary> = { en, es };

/** localStorage key holding the language the admin picked. */
export const LOCALE_STORAGE_KEY = "millrace.lang";

export type Params = Record<string, string | number>;

function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * Picks the locale: a stored choice wins, then the first browser language whose
 * primary subtag we ship (`es-AR` → `es`), then English.
 */
export function detectLocale(stored: string | null, languages: readonly string[]): Locale {
  if (isLocale(stored)) return stored;
  for (const tag of languages) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLocale(primary)) return primary;
  }
  return "en";
}

function readStoredLocale(): string | null {
  try {
    return globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled: fall back to the browser language
  }
}

function browserLanguages(): readonly string[] {
  const nav = globalThis.navigator;
  if (!nav) return [];
  return nav.languages?.length ? nav.languages : [nav.language];
}

const [locale, setLocaleSignal] = createSignal<Locale>(
  detectLocale(readStoredLocale(), browserLanguages()),
);

function applyDocumentLanguage(value: Locale): void {
  if (globalThis.document) document.documentElement.lang = value;
}
applyDocumentLanguage(locale());

/** The current locale (reactive). */
export { locale };

/** Switches the language and remembers the choice in localStorage. */
export function setLocale(value: Locale): void {
  setLocaleSignal(value);
  applyDocumentLanguage(value);
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, value);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

/** Replaces `{name}` placeholders; a placeholder without a value is left visible. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The text for `key` in the current language. */
export function t(key: MessageKey, params?: Params): string {
  return interpolate(DICTIONARIES[locale()][key], params);
}

/** Whether `key` names a message (for keys built at run time, e.g. from an error code). */
export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}
