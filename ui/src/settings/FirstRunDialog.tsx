import { Show, createSignal } from "solid-js";
import { useHub, type ApiError } from "../api";
import { createLoader } from "../async";
import { Dialog } from "../components/Dialog";
import { errorText } from "../components/ErrorNotice";
import { t } from "../i18n";
import { playerAddrFor } from "./PlayerAccess";

/**
 * The desktop app's first run: before the player listener ever binds beyond this computer, the
 * admin chooses whether signs on the network may reach it. The answer is stored (as the player
 * address), so the question is asked once.
 */
export function FirstRunDialog() {
  const hub = useHub();
  const settings = createLoader(() => hub.settings());
  const [pending, setPending] = createSignal(false);
  const [error, setError] = createSignal<ApiError>();
  const [answered, setAnswered] = createSignal(false);
  let keep: HTMLButtonElement | undefined;

  const choose = async (lan: boolean) => {
    const s = settings.data();
    if (!s) return;
    setPending(true);
    setError(undefined);
    try {
      await hub.updateSettings({ player_addr: playerAddrFor(s.player_addr, lan) });
      setAnswered(true);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog
      open={Boolean(settings.data()?.first_run) && !answered()}
      // Closing is the safe answer: keep it on this computer.
      onClose={() => void choose(false)}
      title={t("firstRun.title")}
      testid="first-run"
      initialFocus={() => keep}
      footer={
        <>
          <button ref={keep} type="button" class="button button--quiet" disabled={pending()} onClick={() => void choose(false)} data-testid="first-run-keep">
            {t("firstRun.keep")}
          </button>
          <button type="button" class="button" disabled={pending()} aria-busy={pending()} onClick={() => void choose(true)} data-testid="first-run-share">
            {t("firstRun.share")}
          </button>
        </>
      }
    >
      <p>{t("firstRun.explain1")}</p>
      <p>{t("firstRun.explain2")}</p>
      <p>{t("firstRun.explain3")}</p>
      <Show when={error()}>
        {(e) => (
          <p class="notice notice--error" role="alert">
            {errorText(e())}
          </p>
        )}
      </Show>
    </Dialog>
  );
}
