import { Show } from "solid-js";
import { t } from "../i18n";
import type { SignedOutReason } from "../session";

/** Shown without a token: why, and how to sign in with the login link. */
export function SignedOutPage(props: { reason: SignedOutReason }) {
  return (
    <section class="page signed-out" data-testid="signed-out-page" aria-labelledby="signed-out-title">
      <h1 id="signed-out-title">{t("signin.title")}</h1>
      <Show when={props.reason === "expired"}>
        <p class="notice notice--warning" role="alert" data-testid="session-expired">
          {t("signin.expired")}
        </p>
      </Show>
      <Show when={props.reason === "signed_out"}>
        <p class="notice notice--info" role="status">
          {t("signin.signedOut")}
        </p>
      </Show>
      <div class="card">
        <p>{t("signin.howTo")}</p>
        <ol class="steps">
          <li>{t("signin.stepTerminal")}</li>
          <li>{t("signin.stepOpen")}</li>
        </ol>
        <p class="muted">{t("signin.desktop")}</p>
        <p class="muted">{t("signin.tokenFile")}</p>
      </div>
    </section>
  );
}
