import { For, Match, Show, Switch, createSignal } from "solid-js";
import { createStore } from "solid-js/store";
import { useHub, type TunnelInput, type TunnelProvider, type TunnelView } from "../api";
import { createAction, createLoader } from "../async";
import { isUnsupported, LoadError, UnsupportedNotice } from "../components/LoadError";
import { RelativeTime } from "../components/RelativeTime";
import { Field } from "../forms/Field";
import { FormErrorsContext, createFormErrors } from "../forms/errors";
import { FormStatus } from "../forms/FormStatus";
import { t } from "../i18n";
import { TunnelStateBadge } from "./TunnelStateBadge";

export const TUNNEL_REFRESH_MS = 3_000;
const PROVIDERS: TunnelProvider[] = ["off", "ngrok", "bore", "manual"];

export interface TunnelForm {
  provider: TunnelProvider;
  authtoken: string;
  domain: string;
  server: string;
  port: string;
  secret: string;
  clearSecret: boolean;
  remote_port: string;
  public_url: string;
}

const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));

export function formFromView(view: TunnelView): TunnelForm {
  const s = view.settings ?? {};
  return {
    provider: view.provider,
    authtoken: "",
    domain: str(s.domain),
    server: str(s.server),
    port: str(s.port),
    secret: "",
    clearSecret: false,
    remote_port: str(s.remote_port),
    public_url: str(s.public_url),
  };
}

const num = (raw: string): number | undefined => {
  const text = raw.trim();
  if (!text) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : (text as unknown as number);
};

/** The PUT body: the chosen provider's fields; secrets only when typed (left out = kept). */
export function tunnelInput(form: TunnelForm): TunnelInput {
  switch (form.provider) {
    case "ngrok": {
      const input: TunnelInput = { provider: "ngrok", domain: form.domain.trim() || null };
      if (form.authtoken) input.authtoken = form.authtoken;
      return input;
    }
    case "bore": {
      const input: Record<string, unknown> = { provider: "bore", server: form.server.trim() };
      const port = num(form.port);
      if (port !== undefined) input.port = port;
      const remote = num(form.remote_port);
      if (remote !== undefined) input.remote_port = remote;
      if (form.public_url.trim()) input.public_url = form.public_url.trim();
      if (form.clearSecret) input.secret = null;
      else if (form.secret) input.secret = form.secret;
      return input as TunnelInput;
    }
    case "manual":
      return { provider: "manual", public_url: form.public_url.trim() };
    default:
      return { provider: "off" };
  }
}

/** The tunnel: provider and its settings (secrets write-only), with the live state. */
export function TunnelSettings() {
  const hub = useHub();
  const errors = createFormErrors();
  const [form, setForm] = createStore<TunnelForm>(formFromView({ provider: "off", state: "off", public_url: null, last_error: null, connected_since: null, settings: {} }));
  const [initialized, setInitialized] = createSignal(false);
  const tunnel = createLoader(
    async () => {
      const view = await hub.tunnel();
      if (!initialized()) {
        setForm(formFromView(view));
        setInitialized(true);
      }
      return view;
    },
    { pollMs: TUNNEL_REFRESH_MS },
  );
  const save = createAction(async () => {
    try {
      const view = await hub.setTunnel(tunnelInput(form));
      errors.clear();
      setForm(formFromView(view));
      tunnel.set(view);
      void tunnel.reload();
      return view;
    } catch (error) {
      errors.setFrom(error as never);
      throw error;
    }
  });
  const secretSet = (name: "authtoken" | "secret") => tunnel.data()?.settings?.[name]?.set === true;

  return (
    <section class="card" id="tunnel" aria-labelledby="tunnel-heading" data-testid="tunnel-settings">
      <h2 id="tunnel-heading">{t("tunnel.heading")}</h2>
      <p>{t("tunnel.explain")}</p>
      <Show when={tunnel.error()}>
        {(error) => (
          <Show when={isUnsupported(error())} fallback={<LoadError error={error()} title={t("tunnel.loadFailed")} onRetry={() => void tunnel.reload()} />}>
            <UnsupportedNotice feature={t("feature.tunnel")} />
          </Show>
        )}
      </Show>
      <Show when={tunnel.data()}>
        {(view) => (
          <div class="tunnel-state" aria-live="polite" data-testid="tunnel-live">
            <TunnelStateBadge tunnel={view()} />
            <Show when={view().public_url}>
              {" "}
              <code data-testid="tunnel-public-url">{view().public_url}</code>
            </Show>
            <Show when={view().connected_since}>
              {" "}
              <span class="muted">
                {t("tunnel.since")} <RelativeTime value={view().connected_since} />
              </span>
            </Show>
            <Show when={view().last_error}>
              <p class="notice notice--error">{view().last_error}</p>
            </Show>
          </div>
        )}
      </Show>
      <Show when={initialized()}>
        <FormErrorsContext.Provider value={errors}>
          <form
            class="form"
            novalidate
            autocomplete="off"
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <fieldset class="radio-group">
              <legend>{t("tunnel.provider")}</legend>
              <For each={PROVIDERS}>
                {(p) => (
                  <label class="radio">
                    <input type="radio" name="tunnel-provider" value={p} checked={form.provider === p} onChange={() => setForm("provider", p)} />
                    <span>
                      <strong>{t(`tunnel.provider.${p}`)}</strong>
                      <span class="muted"> — {t(`tunnel.providerHelp.${p}`)}</span>
                    </span>
                  </label>
                )}
              </For>
            </fieldset>
            <Switch>
              <Match when={form.provider === "ngrok"}>
                <div class="form-grid">
                  <Field
                    label={t("tunnel.authtoken")}
                    path="authtoken"
                    required
                    help={t("tunnel.authtokenHelp")}
                    badge={<SecretBadge set={secretSet("authtoken")} />}
                  >
                    {(c) => (
                      <input
                        {...c}
                        type="password"
                        autocomplete="new-password"
                        value={form.authtoken}
                        placeholder={secretSet("authtoken") ? t("secret.keepPlaceholder") : t("secret.enterPlaceholder")}
                        onInput={(e) => setForm("authtoken", e.currentTarget.value)}
                      />
                    )}
                  </Field>
                  <Field label={t("tunnel.domain")} path="domain" help={t("tunnel.domainHelp")}>
                    {(c) => <input {...c} type="text" spellcheck={false} value={form.domain} onInput={(e) => setForm("domain", e.currentTarget.value)} />}
                  </Field>
                </div>
              </Match>
              <Match when={form.provider === "bore"}>
                <div class="form-grid">
                  <Field label={t("tunnel.server")} path="server" required help={t("tunnel.serverHelp")}>
                    {(c) => <input {...c} type="text" spellcheck={false} value={form.server} onInput={(e) => setForm("server", e.currentTarget.value)} />}
                  </Field>
                  <Field label={t("tunnel.port")} path="port" help={t("tunnel.portHelp")}>
                    {(c) => <input {...c} type="number" inputmode="numeric" placeholder="7835" value={form.port} onInput={(e) => setForm("port", e.currentTarget.value)} />}
                  </Field>
                  <Field label={t("tunnel.secret")} path="secret" help={t("tunnel.secretHelp")} badge={<SecretBadge set={secretSet("secret")} />}>
                    {(c) => (
                      <div class="secret-input">
                        <input
                          {...c}
                          type="password"
                          autocomplete="new-password"
                          value={form.secret}
                          disabled={form.clearSecret}
                          placeholder={secretSet("secret") ? t("secret.keepPlaceholder") : t("secret.enterPlaceholder")}
                          onInput={(e) => setForm("secret", e.currentTarget.value)}
                        />
                        <Show when={secretSet("secret")}>
                          <button type="button" class="button button--quiet button--small" aria-pressed={form.clearSecret} onClick={() => setForm("clearSecret", !form.clearSecret)}>
                            {form.clearSecret ? t("secret.keep") : t("secret.clear")}
                          </button>
                        </Show>
                      </div>
                    )}
                  </Field>
                  <Field label={t("tunnel.remotePort")} path="remote_port" help={t("tunnel.remotePortHelp")}>
                    {(c) => <input {...c} type="number" inputmode="numeric" value={form.remote_port} onInput={(e) => setForm("remote_port", e.currentTarget.value)} />}
                  </Field>
                  <Field label={t("tunnel.publicUrl")} path="public_url" help={t("tunnel.borePublicUrlHelp")}>
                    {(c) => <input {...c} type="text" inputmode="url" spellcheck={false} value={form.public_url} onInput={(e) => setForm("public_url", e.currentTarget.value)} />}
                  </Field>
                </div>
              </Match>
              <Match when={form.provider === "manual"}>
                <Field label={t("tunnel.publicUrl")} path="public_url" required help={t("tunnel.manualPublicUrlHelp")}>
                  {(c) => <input {...c} type="text" inputmode="url" spellcheck={false} value={form.public_url} onInput={(e) => setForm("public_url", e.currentTarget.value)} />}
                </Field>
              </Match>
            </Switch>
            <FormStatus error={save.error()} />
            <div aria-live="polite">
              <Show when={save.result() && !save.pending()}>
                <p class="notice notice--ok">{t("tunnel.saved")}</p>
              </Show>
            </div>
            <div class="form-actions">
              <button type="submit" class="button" aria-busy={save.pending()} disabled={save.pending()} data-testid="save-tunnel">
                {save.pending() ? t("form.saving") : t("tunnel.save")}
              </button>
            </div>
          </form>
        </FormErrorsContext.Provider>
      </Show>
    </section>
  );
}

function SecretBadge(props: { set: boolean }) {
  return <span class={`badge ${props.set ? "badge--ok" : "badge--muted"}`}>{props.set ? t("secret.set") : t("secret.notSet")}</span>;
}
