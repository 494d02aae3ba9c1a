import { Show, createSignal, onCleanup } from "solid-js";
import { toApiError, useHub, type ApiError, type HubStatus } from "../api";
import { ErrorNotice } from "../components/ErrorNotice";
import { t } from "../i18n";
import { formatTime } from "../i18n/format";
import { HubSummary } from "./HubSummary";
import { KeystorePanel } from "./KeystorePanel";
import { ListenerList } from "./ListenerList";
import { StoragePanel } from "./StoragePanel";

/** How often the status is fetched again after the previous answer. */
export const STATUS_REFRESH_MS = 5_000;

/**
 * The hub's status, refreshed every few seconds. The first load shows a loading state;
 * a failure with nothing to show yet shows the error with a retry button; a failed
 * refresh keeps the last status on screen under the error. A 401 ends the session
 * (through the hub client), which replaces this page.
 */
export function StatusPage(props: { refreshMs?: number }) {
  const hub = useHub();
  const [status, setStatus] = createSignal<HubStatus>();
  const [error, setError] = createSignal<ApiError>();
  const [loading, setLoading] = createSignal(false);
  const [updatedAt, setUpdatedAt] = createSignal<Date>();

  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  async function load(): Promise<void> {
    if (loading() || disposed) return; // one request at a time
    clearTimeout(timer);
    setLoading(true);
    try {
      const next = await hub.status();
      if (disposed) return;
      setStatus(next);
      setUpdatedAt(new Date());
      setError(undefined);
    } catch (thrown) {
      if (disposed) return;
      setError(toApiError(thrown));
    } finally {
      if (!disposed) {
        setLoading(false);
        timer = setTimeout(() => void load(), props.refreshMs ?? STATUS_REFRESH_MS);
      }
    }
  }

  void load();
  onCleanup(() => {
    disposed = true;
    clearTimeout(timer);
  });

  return (
    <section class="page" data-testid="status-page" aria-labelledby="status-title" aria-busy={!status() && !error()}>
      <div class="page__header">
        <h1 id="status-title">{t("status.title")}</h1>
        <p class="page__intro">{t("status.intro")}</p>
      </div>

      <Show when={error()}>
        {(err) => (
          <ErrorNotice
            title={status() ? t("status.staleTitle") : t("status.errorTitle")}
            error={err()}
            note={updatedAt() ? t("status.staleNote", { time: formatTime(updatedAt()!) }) : undefined}
            onRetry={() => void load()}
            retrying={loading()}
          />
        )}
      </Show>

      <Show when={!status() && !error()}>
        <p class="loading" role="status" data-testid="status-loading">
          <span class="spinner" aria-hidden="true" />
          {t("status.loading")}
        </p>
      </Show>

      <Show when={status()}>
        {(current) => (
          <div class="status-grid">
            <HubSummary status={current()} updatedAt={updatedAt()} />
            <KeystorePanel keystore={current().keystore} />
            <ListenerList listeners={current().listeners} />
            <StoragePanel dataDir={current().data_dir} database={current().database} />
          </div>
        )}
      </Show>

      <Show when={status() && !error() && updatedAt()}>
        {(at) => <p class="muted page__footnote">{t("status.lastUpdated", { time: formatTime(at()) })}</p>}
      </Show>
    </section>
  );
}
