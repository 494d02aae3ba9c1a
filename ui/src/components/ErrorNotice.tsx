import { For, Show } from "solid-js";
import type { ApiError } from "../api";
import { hasMessage, t } from "../i18n";

/** A readable, translated sentence for an API error, chosen by its code. */
export function errorText(error: ApiError): string {
  if (error.fieldErrors && Object.keys(error.fieldErrors).length > 0) return t("error.validation");
  const key = `error.${error.code}`;
  return hasMessage(key) ? t(key) : t("error.other", { message: error.message });
}

export interface ErrorNoticeProps {
  title: string;
  error: ApiError;
  /** Extra sentence under the error (e.g. "showing the last known data"). */
  note?: string;
  onRetry?: () => void;
  retrying?: boolean;
}

/** An error box with an optional retry button; announced to screen readers. */
export function ErrorNotice(props: ErrorNoticeProps) {
  return (
    <div class="notice notice--error" role="alert" data-testid="error-notice" data-code={props.error.code}>
      <p class="notice__title">{props.title}</p>
      <p>{errorText(props.error)}</p>
      <Show when={props.error.fieldErrors && Object.keys(props.error.fieldErrors).length > 0}>
        <ul class="error-summary" data-testid="error-fields">
          <For each={Object.entries(props.error.fieldErrors!)}>
            {([path, messages]) => (
              <li>
                <code>{path}</code>: {messages.join("; ")}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={props.note}>
        <p class="muted">{props.note}</p>
      </Show>
      <Show when={props.onRetry}>
        <button
          type="button"
          class="button"
          disabled={props.retrying}
          onClick={() => props.onRetry?.()}
        >
          {props.retrying ? t("status.retrying") : t("status.retry")}
        </button>
      </Show>
    </div>
  );
}
