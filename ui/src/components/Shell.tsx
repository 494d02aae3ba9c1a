import { For, Show, type ParentProps } from "solid-js";
import { t } from "../i18n";
import { PAGES } from "../pages";
import { LanguageSelect } from "./LanguageSelect";

export interface ShellProps {
  signedIn: boolean;
  /** `id` of the page being shown (marked `aria-current` in the navigation). */
  currentPage: string;
  onSignOut: () => void;
}

/**
 * The frame around every page: skip link, header with the product name, the page
 * navigation and sign-out (when signed in), the language picker, and the main landmark.
 */
export function Shell(props: ParentProps<ShellProps>) {
  return (
    <>
      <a class="skip-link" href="#main">
        {t("shell.skipToContent")}
      </a>
      <header class="app-header">
        <div class="app-header__inner">
          <div class="brand">
            <svg class="brand__mark" viewBox="0 0 32 32" aria-hidden="true">
              <rect width="32" height="32" rx="7" fill="currentColor" />
              <path d="M6 20c3-5 6-5 10 0s7 5 10 0" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" />
              <path d="M6 12c3-5 6-5 10 0s7 5 10 0" fill="none" stroke="#fff" stroke-opacity=".6" stroke-width="3" stroke-linecap="round" />
            </svg>
            <span class="brand__name">{t("app.name")}</span>
            <span class="brand__tagline">{t("app.tagline")}</span>
          </div>
          <Show when={props.signedIn}>
            <nav class="app-nav" aria-label={t("shell.mainNav")}>
              <ul>
                <For each={PAGES}>
                  {(page) => (
                    <li>
                      <a
                        href={page.path}
                        aria-current={page.id === props.currentPage ? "page" : undefined}
                      >
                        {t(page.label)}
                      </a>
                    </li>
                  )}
                </For>
              </ul>
            </nav>
          </Show>
          <div class="app-header__tools">
            <LanguageSelect />
            <Show when={props.signedIn}>
              <button type="button" class="button button--quiet" onClick={() => props.onSignOut()}>
                {t("shell.signOut")}
              </button>
            </Show>
          </div>
        </div>
      </header>
      <main id="main" class="app-main" tabindex="-1">
        {props.children}
      </main>
    </>
  );
}
