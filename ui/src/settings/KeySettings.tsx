import { Show, createSignal } from "solid-js";
import { useHub, type HubStatus } from "../api";
import { createAction } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { t } from "../i18n";

/** Where the master key lives (with its warning) and Rotate master key. */
export function KeySettings(props: { status: HubStatus | undefined }) {
  const hub = useHub();
  const [confirming, setConfirming] = createSignal(false);
  const rotate = createAction(async () => {
    const result = await hub.rotateKeys();
    setConfirming(false);
    return result;
  });
  return (
    <section class="card" aria-labelledby="keys-heading" data-testid="key-settings">
      <h2 id="keys-heading">{t("keys.heading")}</h2>
      <Show when={props.status}>
        {(status) => (
          <>
            <p>
              {t("keys.where")} <strong data-testid="keystore-description">{status().keystore.description}</strong>
            </p>
            <Show when={status().keystore.warning}>
              <div class="notice notice--warning" role="note" data-testid="keystore-warning">
                <p class="notice__title">{t("keystore.warningTitle")}</p>
                <p>{status().keystore.warning}</p>
              </div>
            </Show>
          </>
        )}
      </Show>
      <p class="muted">{t("keys.rotateExplain")}</p>
      <button type="button" class="button button--quiet" aria-busy={rotate.pending()} disabled={rotate.pending()} data-testid="rotate-key" onClick={() => setConfirming(true)}>
        {rotate.pending() ? t("keys.rotating") : t("keys.rotate")}
      </button>
      <div aria-live="polite">
        <Show when={!confirming() && rotate.result()}>
          {(r) => (
            <p class="notice notice--ok" data-testid="rotate-result">
              {t("keys.rotated", { n: r().rotated, fingerprint: r().fingerprint })}
            </p>
          )}
        </Show>
      </div>
      <ConfirmDialog
        open={confirming()}
        title={t("keys.confirmTitle")}
        confirmLabel={t("keys.rotate")}
        pendingLabel={t("keys.rotating")}
        pending={rotate.pending()}
        error={rotate.error()}
        onConfirm={() => void rotate.run()}
        onCancel={() => setConfirming(false)}
      >
        <p>{t("keys.confirmBody")}</p>
      </ConfirmDialog>
    </section>
  );
}
