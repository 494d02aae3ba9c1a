import { t } from "../i18n";
import { CopyButton } from "../components/CopyButton";

/**
 * A newly generated secret, shown this once: a read-only field to copy from, a clear
 * warning, and "I have copied it" to hide it for good.
 */
export function SecretOnce(props: { secret: string; previousKept: boolean; onDone: () => void }) {
  return (
    <div class="notice notice--warning secret-once" role="alert" data-testid="secret-once">
      <p class="notice__title">{t("webhook.secret.newTitle")}</p>
      <p>{t("webhook.secret.onceWarning")}</p>
      <div class="copy-field">
        <input
          class="copy-field__input"
          type="text"
          readonly
          value={props.secret}
          aria-label={t("webhook.secret.newTitle")}
          data-testid="new-secret"
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={props.secret} label={t("webhook.secret.label")} testid="copy-secret" />
      </div>
      <p class="muted">{props.previousKept ? t("webhook.secret.previousKept") : t("webhook.secret.firstSecret")}</p>
      <button type="button" class="button button--quiet" onClick={() => props.onDone()}>
        {t("webhook.secret.done")}
      </button>
    </div>
  );
}
