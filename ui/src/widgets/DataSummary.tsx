import { For, Match, Show, Switch } from "solid-js";
import { t } from "../i18n";
import { formatDateTime } from "../i18n/format";

interface FeedItem {
  title?: unknown;
  link?: unknown;
  published?: unknown;
}

/** The data's shape, for the small rendered summary: an RSS feed, a weather reading, or other. */
export function dataShape(data: unknown): "rss" | "weather" | "other" {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "other";
  const record = data as Record<string, unknown>;
  if (Array.isArray(record.items)) return "rss";
  if ("temperature" in record && ("condition" in record || "location" in record)) return "weather";
  return "other";
}

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));

/** A small rendering of RSS and weather data, as a sign would roughly show it. */
export function DataSummary(props: { data: unknown }) {
  const record = () => props.data as Record<string, unknown>;
  return (
    <Switch>
      <Match when={dataShape(props.data) === "rss"}>
        <div class="data-summary" data-testid="rss-summary">
          <Show when={record().feed_title}>
            <p class="data-summary__title">{str(record().feed_title)}</p>
          </Show>
          <Show when={(record().items as FeedItem[]).length > 0} fallback={<p class="muted">{t("preview.noItems")}</p>}>
            <ol class="feed-items">
              <For each={record().items as FeedItem[]}>
                {(item) => (
                  <li data-testid="rss-item">
                    <span class="feed-items__title">{str(item.title) || t("preview.untitled")}</span>
                    <Show when={typeof item.published === "string" && item.published}>
                      <span class="muted"> · {formatDateTime(str(item.published))}</span>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </Show>
        </div>
      </Match>
      <Match when={dataShape(props.data) === "weather"}>
        <div class="data-summary weather" data-testid="weather-summary">
          <span class="weather__temp">{str(record().temperature)}°</span>
          <span>
            <strong>{str(record().condition)}</strong>
            <Show when={record().description}> — {str(record().description)}</Show>
            <br />
            <span class="muted">{str(record().location)}</span>
          </span>
        </div>
      </Match>
    </Switch>
  );
}
