import { Show, createEffect, createSignal } from "solid-js";
import { useHub, type HubStatus, type Settings } from "../api";
import { createAction, createLoader } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { isUnsupported, LoadError, UnsupportedNotice } from "../components/LoadError";
import { Field } from "../forms/Field";
import { FormErrorsContext, createFormErrors } from "../forms/errors";
import { FormStatus } from "../forms/FormStatus";
import { t } from "../i18n";
import { SecretOnce } from "../webhooks/SecretOnce";

/** `host:port` → the same port on all interfaces (LAN) or on loopback only. */
export function playerAddrFor(current: string, lan: boolean): string {
  const port = current.match(/:(\d+)$/)?.[1] ?? "7421";
  return `${lan ? "0.0.0.0" : "127.0.0.1"}:${port}`;
}

/**
 * The player listener's exposure (explained in plain words), the player token, and the
 * desktop app's switches.
 */
export function PlayerAccess(props: { status: HubStatus | undefined }) {
  const hub = useHub();
  const settings = createLoader(() => hub.settings());
  const errors = createFormErrors();
  const [lan, setLan] = createSignal(false);
  const [addr, setAddr] = createSignal("");
  const [newToken, setNewToken] = createSignal<string>();
  const [confirm, setConfirm] = createSignal<"generate" | "clear">();

  /** Where signs connect: the settings' view when the hub has one, else the status. */
  const reach = () => {
    const s = settings.data();
    if (s?.player_url) return { url: s.player_url, lan: s.player_lan };
    const player = props.status?.listeners.player;
    return player ? { url: player.url, lan: player.lan } : undefined;
  };

  createEffect(() => {
    const s = settings.data();
    if (!s) return;
    setLan(s.player_lan);
    setAddr(s.player_addr_pending ?? s.player_addr);
  });

  const save = createAction(async (input: Partial<Settings>) => {
    try {
      const saved = await hub.updateSettings(input);
      settings.set(saved);
      errors.clear();
      return saved;
    } catch (error) {
      errors.setFrom(error as never);
      throw error;
    }
  });
  const token = createAction(async (action: "generate" | "clear") => {
    const answer = await hub.playerToken(action);
    setConfirm(undefined);
    setNewToken(answer.player_token ?? undefined);
    await settings.reload();
    return answer;
  });

  function askToken(action: "generate" | "clear"): void {
    if (action === "generate" && !settings.data()?.player_token_set) void token.run("generate");
    else setConfirm(action);
  }

  return (
    <section class="card" aria-labelledby="player-access-heading" data-testid="player-access">
      <h2 id="player-access-heading">{t("settings.player.heading")}</h2>
      <Show when={reach()}>
        {(r) => (
          <p data-testid="player-reach">
            {t("settings.player.now")} <code>{r().url}</code>{" "}
            <span class={`badge ${r().lan ? "badge--lan" : "badge--local"}`}>
              {r().lan ? t("listener.reach.lan") : t("listener.reach.local")}
            </span>
          </p>
        )}
      </Show>
      <div class="explain">
        <p>{t("settings.player.lanExplain1")}</p>
        <p>{t("settings.player.lanExplain2")}</p>
      </div>
      <Show when={settings.error()}>
        {(error) => (
          <Show when={isUnsupported(error())} fallback={<LoadError error={error()} title={t("settings.loadFailed")} onRetry={() => void settings.reload()} />}>
            <UnsupportedNotice feature={t("feature.settings")} />
          </Show>
        )}
      </Show>
      <Show when={settings.data()}>
        {(s) => (
          <FormErrorsContext.Provider value={errors}>
            <form
              class="form"
              novalidate
              onSubmit={(e) => {
                e.preventDefault();
                void save.run({ player_addr: addr().trim() });
              }}
            >
              <Field label={t("settings.player.lan")} inline path="player_lan" help={t("settings.player.lanHelp")}>
                {(c) => (
                  <input
                    {...c}
                    type="checkbox"
                    checked={lan()}
                    data-testid="player-lan"
                    onChange={(e) => {
                      setLan(e.currentTarget.checked);
                      setAddr(playerAddrFor(addr() || s().player_addr, e.currentTarget.checked));
                    }}
                  />
                )}
              </Field>
              <Field label={t("settings.player.addr")} path="player_addr" help={t("settings.player.addrHelp")}>
                {(c) => <input {...c} type="text" spellcheck={false} value={addr()} onInput={(e) => setAddr(e.currentTarget.value)} />}
              </Field>
              <Show when={s().player_addr_pending}>
                <p class="notice notice--info" data-testid="addr-pending">
                  {t("settings.player.pending", { addr: s().player_addr_pending! })}
                </p>
              </Show>
              <FormStatus error={save.error()} />
              <div class="form-actions">
                <button type="submit" class="button" aria-busy={save.pending()} disabled={save.pending()}>
                  {save.pending() ? t("form.saving") : t("settings.player.save")}
                </button>
              </div>
            </form>

            <h3>{t("settings.token.heading")}</h3>
            <p>{t("settings.token.explain")}</p>
            <p data-testid="player-token-state">
              <span class={`badge ${s().player_token_set ? "badge--ok" : "badge--muted"}`}>
                {s().player_token_set ? t("settings.token.on") : t("settings.token.off")}
              </span>
            </p>
            <div class="button-row">
              <button type="button" class="button button--quiet" aria-busy={token.pending()} disabled={token.pending()} data-testid="generate-player-token" onClick={() => askToken("generate")}>
                {token.pending() ? t("form.saving") : s().player_token_set ? t("settings.token.regenerate") : t("settings.token.generate")}
              </button>
              <Show when={s().player_token_set}>
                <button type="button" class="button button--quiet button--danger-text" disabled={token.pending()} onClick={() => askToken("clear")}>
                  {t("settings.token.clear")}
                </button>
              </Show>
            </div>
            <div aria-live="polite">
              <Show when={token.error()}>{(error) => <LoadError error={error()} title={t("settings.token.failed")} />}</Show>
              <Show when={newToken()}>
                {(value) => (
                  <SecretOnce
                    secret={value()}
                    title={t("settings.token.newTitle")}
                    warning={t("settings.token.onceWarning")}
                    note={t("settings.token.useIt")}
                    copyLabel={t("settings.token.heading")}
                    onDone={() => setNewToken(undefined)}
                  />
                )}
              </Show>
            </div>

            <h3>{t("settings.desktop.heading")}</h3>
            <p class="muted">{t("settings.desktop.intro")}</p>
            <Field label={t("settings.desktop.notifications")} inline path="notifications">
              {(c) => (
                <input {...c} type="checkbox" checked={s().notifications} disabled={save.pending()} onChange={(e) => void save.run({ notifications: e.currentTarget.checked })} />
              )}
            </Field>
            <Field label={t("settings.desktop.startAtLogin")} inline path="start_at_login">
              {(c) => (
                <input {...c} type="checkbox" checked={s().start_at_login} disabled={save.pending()} onChange={(e) => void save.run({ start_at_login: e.currentTarget.checked })} />
              )}
            </Field>

            <ConfirmDialog
              open={confirm() !== undefined}
              title={confirm() === "clear" ? t("settings.token.clearTitle") : t("settings.token.regenerateTitle")}
              confirmLabel={confirm() === "clear" ? t("settings.token.clear") : t("settings.token.regenerate")}
              pendingLabel={t("form.saving")}
              pending={token.pending()}
              error={token.error()}
              danger={confirm() === "clear"}
              onConfirm={() => confirm() && void token.run(confirm()!)}
              onCancel={() => setConfirm(undefined)}
            >
              <p>{confirm() === "clear" ? t("settings.token.clearBody") : t("settings.token.regenerateBody")}</p>
            </ConfirmDialog>
          </FormErrorsContext.Provider>
        )}
      </Show>
    </section>
  );
}
