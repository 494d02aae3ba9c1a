import { For, Show, createSignal } from "solid-js";
import { useHub, type Delivery } from "../api";
import { createAction, createLoader } from "../async";
import { Dialog } from "../components/Dialog";
import { JsonBlock } from "../components/JsonBlock";
import { isUnsupported, LoadError, UnsupportedNotice } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { RelativeTime } from "../components/RelativeTime";
import { hasMessage, t } from "../i18n";
import { formatDateTime } from "../i18n/format";

export const OUTCOMES = [
  "accepted",
  "duplicate",
  "bad_signature",
  "invalid_json",
  "rate_limited",
  "not_found",
  "too_large",
  "transform_failed",
  "no_secret",
  "challenge",
  "challenge_refused",
] as const;

/** Milliseconds for people: one decimal under 10 ms, whole numbers above. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  return t("deliveries.ms", { ms: ms < 10 ? ms.toFixed(1) : String(Math.round(ms)) });
}

const PAGE_SIZE = 50;
export const DELIVERIES_REFRESH_MS = 5_000;

/** An outcome or verification result in words (unknown values as sent). */
export function deliveryWord(kind: "outcome" | "verification", value: string): string {
  const key = `delivery.${kind}.${value}`;
  return hasMessage(key) ? t(key) : value;
}

export function outcomeTone(outcome: string): string {
  if (outcome === "accepted" || outcome === "challenge") return "ok";
  if (outcome === "duplicate") return "info";
  return "error";
}

/** The received webhooks of one integration: a table filterable by outcome, with a detail drawer. */
export function DeliveriesInspector(props: { integrationId: number }) {
  const hub = useHub();
  const [outcome, setOutcome] = createSignal("");
  const [older, setOlder] = createSignal<Delivery[]>([]);
  const [exhausted, setExhausted] = createSignal(false);
  const [open, setOpen] = createSignal<Delivery>();

  const latest = createLoader(
    () => hub.deliveries({ integration_id: props.integrationId, outcome: outcome() || undefined, limit: PAGE_SIZE }),
    { pollMs: DELIVERIES_REFRESH_MS },
  );
  const rows = () => {
    const first = latest.data() ?? [];
    const seen = new Set(first.map((d) => d.id));
    return [...first, ...older().filter((d) => !seen.has(d.id))];
  };
  const loadOlder = createAction(async () => {
    const all = rows();
    const last = all[all.length - 1];
    if (!last) return;
    const page = await hub.deliveries({ integration_id: props.integrationId, outcome: outcome() || undefined, limit: PAGE_SIZE, before_id: last.id });
    setOlder([...older(), ...page]);
    if (page.length < PAGE_SIZE) setExhausted(true);
  });

  function chooseOutcome(value: string): void {
    setOutcome(value);
    setOlder([]);
    setExhausted(false);
    void latest.reload();
  }

  return (
    <section class="card" aria-labelledby={`deliveries-${props.integrationId}`} data-testid="deliveries">
      <div class="card__head">
        <h2 id={`deliveries-${props.integrationId}`}>{t("deliveries.heading")}</h2>
        <div class="toolbar toolbar--inline">
          <label for={`outcome-${props.integrationId}`}>{t("deliveries.filter")}</label>
          <select id={`outcome-${props.integrationId}`} data-testid="outcome-filter" onChange={(e) => chooseOutcome(e.currentTarget.value)}>
            <option value="">{t("deliveries.allOutcomes")}</option>
            <For each={OUTCOMES}>{(o) => <option value={o}>{deliveryWord("outcome", o)}</option>}</For>
          </select>
        </div>
      </div>
      <Show when={latest.error()}>
        {(error) => (
          <Show when={isUnsupported(error())} fallback={<LoadError error={error()} title={t("deliveries.loadFailed")} onRetry={() => void latest.reload()} />}>
            <UnsupportedNotice feature={t("feature.deliveries")} />
          </Show>
        )}
      </Show>
      <Show when={latest.data()} fallback={<Show when={!latest.error()}><Loading text={t("deliveries.loading")} /></Show>}>
        <Show when={rows().length > 0} fallback={<p class="muted" data-testid="deliveries-empty">{t("deliveries.empty")}</p>}>
          <div class="table-wrap">
            <table class="table" data-testid="deliveries-table">
              <caption class="visually-hidden">{t("deliveries.heading")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("deliveries.received")}</th>
                  <th scope="col">{t("deliveries.outcome")}</th>
                  <th scope="col">{t("deliveries.verification")}</th>
                  <th scope="col">{t("deliveries.status")}</th>
                  <th scope="col">{t("deliveries.versionAfter")}</th>
                  <th scope="col">{t("deliveries.latency")}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t("deliveries.details")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={rows()}>
                  {(d) => (
                    <tr data-testid="delivery-row" data-outcome={d.outcome}>
                      <td>
                        <RelativeTime value={d.received_at} />
                      </td>
                      <td>
                        <span class={`badge badge--${outcomeTone(d.outcome)}`}>{deliveryWord("outcome", d.outcome)}</span>
                      </td>
                      <td>{deliveryWord("verification", d.verification)}</td>
                      <td>{d.status_code}</td>
                      <td>{d.version_after ?? "—"}</td>
                      <td>{formatLatency(d.latency_ms)}</td>
                      <td>
                        <button type="button" class="button button--quiet button--small" onClick={() => setOpen(d)}>
                          {t("deliveries.details")}
                        </button>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
          <Show when={!exhausted() && rows().length >= PAGE_SIZE}>
            <button type="button" class="button button--quiet" aria-busy={loadOlder.pending()} disabled={loadOlder.pending()} onClick={() => void loadOlder.run()}>
              {loadOlder.pending() ? t("deliveries.loading") : t("deliveries.older")}
            </button>
          </Show>
        </Show>
      </Show>
      <Dialog open={open() !== undefined} onClose={() => setOpen(undefined)} title={t("deliveries.detailTitle")} variant="drawer" testid="delivery-drawer">
        <Show when={open()}>{(d) => <DeliveryDetail delivery={d()} />}</Show>
      </Dialog>
    </section>
  );
}

function DeliveryDetail(props: { delivery: Delivery }) {
  const d = () => props.delivery;
  return (
    <div class="delivery-detail">
      <dl class="facts">
        <div>
          <dt>{t("deliveries.received")}</dt>
          <dd>{formatDateTime(d().received_at)}</dd>
        </div>
        <div>
          <dt>{t("deliveries.outcome")}</dt>
          <dd>
            <span class={`badge badge--${outcomeTone(d().outcome)}`}>{deliveryWord("outcome", d().outcome)}</span> (HTTP {d().status_code})
          </dd>
        </div>
        <div>
          <dt>{t("deliveries.verification")}</dt>
          <dd>{deliveryWord("verification", d().verification)}</dd>
        </div>
        <div>
          <dt>{t("deliveries.messageId")}</dt>
          <dd>
            <code>{d().message_id ?? "—"}</code>
          </dd>
        </div>
        <div>
          <dt>{t("deliveries.widget")}</dt>
          <dd>{d().widget_config_id ? <a href={`/widgets/${d().widget_config_id}`}>{d().widget_config_id}</a> : "—"}</dd>
        </div>
        <div>
          <dt>{t("deliveries.versionAfter")}</dt>
          <dd>{d().version_after ?? "—"}</dd>
        </div>
        <div>
          <dt>{t("deliveries.latency")}</dt>
          <dd>{formatLatency(d().latency_ms)}</dd>
        </div>
      </dl>
      <Show when={d().error}>
        <p class="notice notice--error">{d().error}</p>
      </Show>
      <h3>{t("deliveries.headers")}</h3>
      <p class="muted">{t("deliveries.headersRedacted")}</p>
      <div class="table-wrap">
        <table class="table table--compact">
          <tbody>
            <For each={Object.entries(d().headers ?? {})}>
              {([name, value]) => (
                <tr>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>
                    <code class="wrap">{String(value)}</code>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <h3>{t("deliveries.body")}</h3>
      <JsonBlock value={d().body_preview ?? ""} raw label={t("deliveries.body")} />
    </div>
  );
}
