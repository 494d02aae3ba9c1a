import { Show } from "solid-js";
import { useHub } from "../api";
import { createAction, createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { t } from "../i18n";

/** Pause or resume every pull (webhooks keep working). */
export function PullSettings() {
  const hub = useHub();
  const scheduler = createLoader(() => hub.scheduler(), { pollMs: 5_000 });
  const toggle = createAction(async (paused: boolean) => {
    const state = await hub.setScheduler(paused);
    scheduler.set(state);
  });
  return (
    <section class="card" aria-labelledby="pulls-heading" data-testid="pull-settings">
      <h2 id="pulls-heading">{t("pulls.heading")}</h2>
      <Show when={scheduler.error()}>{(error) => <LoadError error={error()} title={t("pulls.loadFailed")} />}</Show>
      <Show when={scheduler.data()}>
        {(s) => (
          <>
            <p aria-live="polite">
              <span class={`badge ${s().paused ? "badge--warning" : "badge--ok"}`} data-testid="pulls-state">
                {s().paused ? t("overview.pullsPaused") : t("overview.pullsRunning")}
              </span>{" "}
              <span class="muted">
                {t("pulls.stats", { keys: s().keys ?? 0, inFlight: s().in_flight ?? 0, blocked: s().blocked ?? 0 })}
              </span>
            </p>
            <p class="muted">{t("pulls.explain")}</p>
            <button type="button" class="button button--quiet" aria-busy={toggle.pending()} disabled={toggle.pending()} onClick={() => void toggle.run(!s().paused)}>
              {toggle.pending() ? t("form.saving") : s().paused ? t("pulls.resume") : t("pulls.pause")}
            </button>
            <Show when={toggle.error()}>{(error) => <LoadError error={error()} title={t("pulls.failed")} />}</Show>
          </>
        )}
      </Show>
    </section>
  );
}
