import { Show } from "solid-js";
import type { Integration, IntegrationType } from "../api";
import { t } from "../i18n";

/** pull / push / both as a badge. */
export function TypeBadge(props: { type: IntegrationType }) {
  return <span class="badge badge--info">{t(`integration.type.${props.type}`)}</span>;
}

/** Whether an integration's credentials are in place, in a word. */
export function CredentialsSummary(props: { integration: Integration }) {
  const needs = () => Object.keys(props.integration.credential_schema ?? {}).length > 0;
  return (
    <Show when={needs()} fallback={<span class="muted">{t("credentials.notNeeded")}</span>}>
      <Show when={props.integration.credential_scope === "organization"} fallback={<span class="muted">{t("credentials.perWidget")}</span>}>
        <Show
          when={props.integration.credentials?.configured}
          fallback={<span class="badge badge--warning">{t("credentials.notConfigured")}</span>}
        >
          <span class={`badge ${props.integration.credentials?.is_valid ? "badge--ok" : "badge--error"}`}>
            {props.integration.credentials?.is_valid ? t("credentials.configured") : t("credentials.refused")}
          </span>
        </Show>
      </Show>
    </Show>
  );
}
