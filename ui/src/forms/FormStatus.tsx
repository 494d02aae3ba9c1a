import { For, Show, useContext } from "solid-js";
import type { ApiError } from "../api";
import { errorText } from "../components/ErrorNotice";
import { t } from "../i18n";
import { FormErrorsContext } from "./errors";

/**
 * The outcome of a form's last save, announced to screen readers: the hub's error in
 * plain words, and any field errors no input on screen shows (with their paths).
 */
export function FormStatus(props: { error: ApiError | undefined; title?: string }) {
  const form = useContext(FormErrorsContext);
  const unclaimed = () => form?.unclaimed() ?? [];
  return (
    <div aria-live="polite">
      <Show when={props.error}>
        {(error) => (
          <div class="notice notice--error" role="alert" data-testid="form-error" data-code={error().code}>
            <p class="notice__title">{props.title ?? t("form.saveFailed")}</p>
            <p>{errorText(error())}</p>
            <Show when={unclaimed().length > 0}>
              <ul class="error-summary" data-testid="error-summary">
                <For each={unclaimed()}>
                  {([path, messages]) => (
                    <li>
                      <code>{path}</code>: {messages.join("; ")}
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </div>
        )}
      </Show>
    </div>
  );
}
