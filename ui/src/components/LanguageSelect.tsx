import { For } from "solid-js";
import { LOCALES, locale, setLocale, t, type Locale } from "../i18n";

/** The language picker in the header; the choice is remembered in localStorage. */
export function LanguageSelect() {
  return (
    <div class="language-select">
      <label for="language-select">{t("language.label")}</label>
      <select
        id="language-select"
        value={locale()}
        onChange={(event) => setLocale(event.currentTarget.value as Locale)}
      >
        <For each={LOCALES}>
          {(code) => (
            <option value={code} lang={code} selected={code === locale()}>
              {t(`language.name.${code}`)}
            </option>
          )}
        </For>
      </select>
    </div>
  );
}
