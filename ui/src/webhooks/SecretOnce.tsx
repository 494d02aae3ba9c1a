import { Show } from "solid-js";
import { CopyButton } from "../components/CopyButton";
import { t } from "../i18n";

export interface SecretOnceProps {
  secret: string;
  /** e.g. "New signing secret". */
  title: string;
  /** What to do with it, and that it is shown only this once. */
  warning: string;
  /** What changes now (the previous secret stays valid…). */
  note?: string;
  /** What is copied, for the copy button's name. */
  copyLabel: string;
  onDone: () => void;
}

/**
 * A newly generated secret, shown this once: a read-only field to copy from, a clear
 * warning, and "I have copied it" to hide it for good.
 */
export function SecretOnce(props: SecretOnceProps) {
  return (
    <div class="notice notice--warning secret-once" role="alert" data-testid="secret-once">
      <p class="notice__title">{props.title}</p>
      <p>{props.warning}</p>
      <div class="copy-field">
        <input
          class="copy-field__input"
          type="text"
          readonly
          value={props.secret}
          aria-label={props.title}
          data-testid="new-secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={props.secret} label={props.copyLabel} testid="copy-secret" />
      </div>
      <Show when={props.note}>
        <p class="muted">{props.note}</p>
      </Show>
      <button type="button" class="button button--quiet" onClick={() => props.onDone()}>
        {t("webhook.secret.done")}
      </button>
    </div>
  );
}
