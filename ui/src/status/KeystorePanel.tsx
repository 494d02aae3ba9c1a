import { Show } from "solid-js";
import type { Keystore } from "../api";
import { t } from "../i18n";

function kindLabel(kind: string): string {
  switch (kind) {
    case "keyring":
      return t("keystore.kind.keyring");
    case "file":
      return t("keystore.kind.file");
    case "memory":
      return t("keystore.kind.memory");
    default:
      return t("keystore.kind.unknown", { kind });
  }
}

/**
 * Where the master key lives. The hub's warning (a key file protected by file
 * permissions only, an in-memory key) is shown as a prominent warning box.
 */
export function KeystorePanel(props: { keystore: Keystore }) {
  return (
    <section
      class="card"
      aria-labelledby="keystore-heading"
      data-testid="keystore"
      data-kind={props.keystore.kind}
    >
      <h2 id="keystore-heading">{t("keystore.heading")}</h2>
      <p class="muted">{t("keystore.intro")}</p>
      <Show when={props.keystore.warning}>
        {(warning) => (
          <div class="notice notice--warning" role="note" data-testid="keystore-warning">
            <p class="notice__title">
              <span class="notice__icon" aria-hidden="true">
                !
              </span>
              {t("keystore.warningTitle")}
            </p>
            <p>{warning()}</p>
          </div>
        )}
      </Show>
      <dl class="facts">
        <div>
          <dt>{t("keystore.kind")}</dt>
          <dd>
            <span data-testid="keystore-kind">{kindLabel(props.keystore.kind)}</span>{" "}
            <code class="muted">{props.keystore.kind}</code>
          </dd>
        </div>
        <div>
          <dt>{t("keystore.description")}</dt>
          <dd>{props.keystore.description}</dd>
        </div>
      </dl>
    </section>
  );
}
