import { Show } from "solid-js";
import type { PlayerData } from "../api";
import { HealthBadge } from "../components/HealthBadge";
import { JsonBlock } from "../components/JsonBlock";
import { RelativeTime } from "../components/RelativeTime";
import { t } from "../i18n";
import { DataSummary } from "./DataSummary";

/** Exactly what players receive: status, staleness, error, version, fetch time, and the data. */
export function DataPreview(props: { payload: PlayerData }) {
  const p = () => props.payload;
  return (
    <div class="preview" data-testid="preview" data-version={p().version} data-status={p().status}>
      <dl class="facts facts--inline">
        <div>
          <dt>{t("preview.status")}</dt>
          <dd>
            <HealthBadge health={p().status} testid="preview-status" />
            <Show when={p().stale}>
              {" "}
              <span class="badge badge--warning" data-testid="preview-stale">
                {t("preview.stale")}
              </span>
            </Show>
            <Show when={p().active === false}>
              {" "}
              <span class="badge badge--muted">{t("state.disabled")}</span>
            </Show>
          </dd>
        </div>
        <div>
          <dt>{t("preview.version")}</dt>
          <dd data-testid="preview-version">{p().version}</dd>
        </div>
        <div>
          <dt>{t("preview.fetchedAt")}</dt>
          <dd>
            <RelativeTime value={p().fetched_at} testid="preview-fetched-at" />
          </dd>
        </div>
      </dl>
      <Show when={p().error}>
        <p class="notice notice--error" data-testid="preview-error">
          {p().stale ? t("preview.staleError", { error: p().error! }) : p().error}
        </p>
      </Show>
      <Show
        when={p().data !== null && p().data !== undefined}
        fallback={<p class="muted" data-testid="preview-empty">{p().status === "pending" ? t("preview.pending") : t("preview.noData")}</p>}
      >
        <DataSummary data={p().data} />
        <details class="preview__json" open>
          <summary>{t("preview.json")}</summary>
          <JsonBlock value={p().data} label={t("preview.json")} testid="preview-json" />
        </details>
      </Show>
    </div>
  );
}
