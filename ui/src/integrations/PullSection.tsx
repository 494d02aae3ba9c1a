import { For, Show } from "solid-js";
import { Field, PathErrors } from "../forms/Field";
import { PairRows } from "../forms/PairRows";
import { t } from "../i18n";
import { rowKey, type IntegrationDraft } from "./draft";
import type { DraftSetter } from "./IntegrationForm";

type PairGroup = "query" | "headers" | "mapping";

/** Where and how often to pull, and the request and response settings (`pull_config`). */
export function PullSection(props: { draft: IntegrationDraft; update: DraftSetter }) {
  const pull = () => props.draft.pull;
  const rows = (group: PairGroup) => ({
    rows: pull()[group],
    path: `pull_config.${group}`,
    onEdit: (i: number, field: "name" | "value", value: string) =>
      props.update((d) => {
        d.pull[group][i]![field] = value;
      }),
    onAdd: () => props.update((d) => void d.pull[group].push({ key: rowKey(), name: "", value: "" })),
    onRemove: (i: number) => props.update((d) => void d.pull[group].splice(i, 1)),
  });

  return (
    <section class="card form-section" aria-labelledby="pull-heading" data-testid="pull-section">
      <h2 id="pull-heading">{t("pull.heading")}</h2>
      <p class="muted">{t("pull.intro")}</p>
      <Field label={t("pull.endpoint")} path="pull_endpoint" required help={t("pull.endpointHelp")}>
        {(c) => (
          <input
            {...c}
            type="text"
            inputmode="url"
            spellcheck={false}
            value={props.draft.pull_endpoint}
            onInput={(e) => props.update((d) => void (d.pull_endpoint = e.currentTarget.value))}
          />
        )}
      </Field>
      <div class="form-grid form-grid--4">
        <Field label={t("pull.interval")} path="pull_interval_seconds" required help={t("pull.intervalHelp")}>
          {(c) => (
            <input
              {...c}
              type="number"
              inputmode="numeric"
              min="30"
              step="1"
              value={props.draft.pull_interval_seconds}
              onInput={(e) => props.update((d) => void (d.pull_interval_seconds = e.currentTarget.value))}
            />
          )}
        </Field>
        <Field label={t("pull.fetcher")} path="pull_config.fetcher" help={t(`pull.fetcherHelp.${pull().fetcher}`)}>
          {(c) => (
            <select {...c} onChange={(e) => props.update((d) => void (d.pull.fetcher = e.currentTarget.value as IntegrationDraft["pull"]["fetcher"]))}>
              <For each={["json", "rss", "openweather"] as const}>
                {(f) => (
                  <option value={f} selected={pull().fetcher === f}>
                    {t(`pull.fetcher.${f}`)}
                  </option>
                )}
              </For>
            </select>
          )}
        </Field>
        <Field label={t("pull.timeout")} path="pull_config.timeout" help={t("pull.timeoutHelp")}>
          {(c) => (
            <input
              {...c}
              type="number"
              inputmode="numeric"
              step="1"
              value={pull().timeout}
              onInput={(e) => props.update((d) => void (d.pull.timeout = e.currentTarget.value))}
            />
          )}
        </Field>
        <Field label={t("pull.rateLimit")} path="pull_config.rate_limit" help={t("pull.rateLimitHelp")}>
          {(c) => (
            <input
              {...c}
              type="number"
              inputmode="numeric"
              step="1"
              value={pull().rate_limit}
              onInput={(e) => props.update((d) => void (d.pull.rate_limit = e.currentTarget.value))}
            />
          )}
        </Field>
      </div>
      <PathErrors path="pull_config" />
      <p class="field__help">{t("pull.templatesHelp")}</p>
      <div class="pair-groups">
        <PairRows
          legend={t("pull.query")}
          nameLabel={t("pull.paramName")}
          valueLabel={t("pull.template")}
          valuePlaceholder="{{options.city}}"
          addLabel={t("pull.addQuery")}
          testid="pull-query"
          {...rows("query")}
        />
        <PairRows
          legend={t("pull.headers")}
          nameLabel={t("pull.headerName")}
          valueLabel={t("pull.template")}
          valuePlaceholder="{{credentials.api_key}}"
          addLabel={t("pull.addHeader")}
          testid="pull-headers"
          {...rows("headers")}
        />
        <Show when={pull().fetcher === "json" || pull().mapping.length > 0}>
          <PairRows
            legend={t("pull.mapping")}
            help={t("pull.mappingHelp")}
            nameLabel={t("pull.outputField")}
            valueLabel={t("pull.pointer")}
            valuePlaceholder="/data/title"
            addLabel={t("pull.addMapping")}
            testid="pull-mapping"
            {...rows("mapping")}
          />
        </Show>
      </div>
    </section>
  );
}
