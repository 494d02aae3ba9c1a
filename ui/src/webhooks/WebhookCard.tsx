import { For, Show, createSignal } from "solid-js";
import { useHub, type HubStatus, type Integration, type WidgetConfig } from "../api";
import { createAction, createLoader } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { CopyField } from "../components/CopyButton";
import { JsonBlock } from "../components/JsonBlock";
import { isUnsupported, LoadError, UnsupportedNotice } from "../components/LoadError";
import { RelativeTime } from "../components/RelativeTime";
import { t } from "../i18n";
import { SecretOnce } from "./SecretOnce";

/** The webhook URLs an older hub (no `…/webhook` endpoint) would use, from the hooks listener. */
export function localHookUrls(integration: Integration, widgets: WidgetConfig[], status: HubStatus | undefined) {
  const base = status?.listeners.hooks.url.replace(/\/+$/, "");
  if (!base) return undefined;
  return {
    integration: `${base}/webhooks/integrations/${integration.id}`,
    widget_configs: widgets.map((w) => ({ id: w.id, name: w.name, url: `${base}/webhooks/widgets/${integration.id}/${w.id}` })),
  };
}

/**
 * One push integration's webhook: its public (or local) URLs, verifier, secret
 * generation and rotation (shown once), and a test delivery.
 */
export function WebhookCard(props: { integration: Integration; widgets: WidgetConfig[]; status: HubStatus | undefined }) {
  const hub = useHub();
  const info = createLoader(() => hub.webhook(props.integration.id));
  const widgetScope = () => props.integration.credential_scope === "widget";
  // Deliveries go to a widget's URL when the secret is per widget or the data is per widget.
  const needsWidget = () => widgetScope() || (info.data() !== undefined && !info.data()!.urls.integration);
  const [target, setTarget] = createSignal<string>(""); // widget config id for widget scope or a widget URL
  const [confirmRotate, setConfirmRotate] = createSignal(false);
  const [shownSecret, setShownSecret] = createSignal<{ secret: string; previousKept: boolean }>();
  const [payload, setPayload] = createSignal("");
  const [payloadError, setPayloadError] = createSignal<string>();

  // An older hub without the webhook endpoint: the local URLs, built from the hooks listener.
  const older = () => isUnsupported(info.error());
  const urls = () => info.data()?.urls ?? (older() ? localHookUrls(props.integration, props.widgets, props.status) : undefined);
  const isLocal = () => (info.data() ? !info.data()!.public : older());
  const secretSet = () => info.data()?.secret_set === true;

  const rotate = createAction(async () => {
    const answer = await hub.rotateWebhookSecret(props.integration.id, target() || undefined);
    setConfirmRotate(false);
    setShownSecret({ secret: answer.secret, previousKept: answer.previous_kept });
    void info.reload();
    return answer;
  });
  const test = createAction(async () => {
    setPayloadError(undefined);
    let parsed: unknown;
    if (payload().trim()) {
      try {
        parsed = JSON.parse(payload());
      } catch (error) {
        setPayloadError(t("webhook.test.badJson", { message: (error as Error).message }));
        throw error;
      }
    }
    const answer = await hub.testWebhook(props.integration.id, {
      ...(target() ? { widget_config_id: target() } : {}),
      ...(parsed !== undefined ? { payload: parsed } : {}),
    });
    void info.reload(); // the last delivery changed
    return answer;
  });

  function startRotate(): void {
    if (secretSet()) setConfirmRotate(true);
    else void rotate.run();
  }

  return (
    <section class="card" aria-labelledby={`wh-${props.integration.id}`} data-testid={`webhook-${props.integration.id}`}>
      <div class="card__head">
        <h2 id={`wh-${props.integration.id}`}>
          <a href={`/integrations/${props.integration.id}`}>{props.integration.name}</a>
        </h2>
        <span class="badge badge--info">
          {props.integration.push_config ? t(`push.scheme.${props.integration.push_config.verifier.scheme}`) : "—"}
        </span>
      </div>
      <Show when={info.error() && isUnsupported(info.error())}>
        <UnsupportedNotice feature={t("feature.webhookInfo")} />
        <p class="muted" data-testid="secret-by-hand">
          {t("webhook.secretByHand")} <a href={`/integrations/${props.integration.id}`}>{props.integration.name}</a>
        </p>
      </Show>
      <Show when={info.error() && !isUnsupported(info.error())}>
        <LoadError error={info.error()!} title={t("webhook.loadFailed")} onRetry={() => void info.reload()} retrying={info.loading()} />
      </Show>

      <Show when={isLocal()}>
        <div class="notice notice--info" data-testid="webhook-local">
          <p>{t("webhook.localOnly")}</p>
          <a href="/settings#tunnel">{t("webhook.setUpTunnel")}</a>
        </div>
      </Show>

      <Show when={urls()}>
        {(u) => (
          <div class="webhook-urls">
            <Show when={u().integration}>
              {(url) => (
                <>
                  <h3>{t("webhook.integrationUrl")}</h3>
                  <CopyField value={url()} label={t("webhook.integrationUrl")} testid="webhook-url" />
                </>
              )}
            </Show>
            <Show when={u().widget_configs.length > 0}>
              <h3>{t("webhook.widgetUrls")}</h3>
              <ul class="plain-list">
                <For each={u().widget_configs}>
                  {(w) => (
                    <li>
                      <span class="muted">{w.name}</span>
                      <CopyField value={w.url} label={t("webhook.widgetUrlOf", { name: w.name })} />
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          </div>
        )}
      </Show>

      <Show when={info.data()}>
        {(i) => (
          <dl class="facts facts--inline">
            <div>
              <dt>{t("webhook.secret.state")}</dt>
              <dd data-testid="webhook-secret-state">
                <span class={`badge ${i().secret_set ? "badge--ok" : "badge--warning"}`}>
                  {i().secret_set ? t("secret.set") : t("secret.notSet")}
                </span>
                <Show when={i().previous_secret_set}>
                  {" "}
                  <span class="muted">{t("webhook.secret.previousValid")}</span>
                </Show>
              </dd>
            </div>
            <div>
              <dt>{t("webhook.lastDelivery")}</dt>
              <dd>
                <RelativeTime value={i().last_delivery_at} />
              </dd>
            </div>
          </dl>
        )}
      </Show>

      <Show when={props.widgets.length > 0}>
        <div class="toolbar">
          <label for={`wh-target-${props.integration.id}`}>{widgetScope() ? t("webhook.widgetRequired") : t("webhook.target")}</label>
          <select id={`wh-target-${props.integration.id}`} onChange={(e) => setTarget(e.currentTarget.value)}>
            <Show when={!needsWidget()}>
              <option value="" selected={target() === ""}>
                {t("webhook.targetIntegration")}
              </option>
            </Show>
            <Show when={needsWidget()}>
              <option value="" selected={target() === ""}>
                {t("form.choose")}
              </option>
            </Show>
            <For each={props.widgets}>
              {(w) => (
                <option value={w.id} selected={target() === w.id}>
                  {w.name}
                </option>
              )}
            </For>
          </select>
        </div>
      </Show>

      <div class="button-row">
        <button
          type="button"
          class="button"
          aria-busy={rotate.pending()}
          disabled={rotate.pending() || (widgetScope() && !target())}
          data-testid="rotate-secret"
          onClick={startRotate}
        >
          {rotate.pending() ? t("webhook.secret.generating") : secretSet() ? t("webhook.secret.rotate") : t("webhook.secret.generate")}
        </button>
      </div>
      <div aria-live="polite">
        <Show when={rotate.error()}>{(error) => <LoadError error={error()} title={t("webhook.secret.failed")} feature={t("feature.webhookSecret")} />}</Show>
        <Show when={shownSecret()}>
          {(s) => (
            <SecretOnce
              secret={s().secret}
              title={t("webhook.secret.newTitle")}
              warning={t("webhook.secret.onceWarning")}
              note={s().previousKept ? t("webhook.secret.previousKept") : t("webhook.secret.firstSecret")}
              copyLabel={t("webhook.secret.label")}
              onDone={() => setShownSecret(undefined)}
            />
          )}
        </Show>
      </div>

      <details class="webhook-test">
        <summary>{t("webhook.test.heading")}</summary>
        <p class="muted">{t("webhook.test.intro")}</p>
        <label for={`wh-payload-${props.integration.id}`}>{t("webhook.test.payload")}</label>
        <textarea
          id={`wh-payload-${props.integration.id}`}
          rows="4"
          class="code-input"
          placeholder='{"title": "Hello from Millrace"}'
          value={payload()}
          aria-invalid={payloadError() ? true : undefined}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
        <Show when={payloadError()}>
          <p class="field__errors">{payloadError()}</p>
        </Show>
        <div class="button-row">
          <button
            type="button"
            class="button button--quiet"
            aria-busy={test.pending()}
            disabled={test.pending() || (needsWidget() && !target())}
            data-testid="send-test-delivery"
            onClick={() => void test.run()}
          >
            {test.pending() ? t("webhook.test.sending") : t("webhook.test.send")}
          </button>
        </div>
        <div aria-live="polite" data-testid="webhook-test-result">
          <Show when={test.error() && !payloadError()}>
            <LoadError error={test.error()!} title={t("webhook.test.failed")} feature={t("feature.webhookTest")} />
          </Show>
          <Show when={!test.pending() && test.result()}>
            {(r) => (
              <div>
                <p>
                  <Show
                    when={r().status !== null}
                    fallback={<span class="badge badge--error">{t("webhook.test.noAnswer")}</span>}
                  >
                    <span class={`badge ${r().status! < 300 ? "badge--ok" : "badge--error"}`}>HTTP {r().status}</span>
                  </Show>{" "}
                  <code>{r().url}</code>
                </p>
                <JsonBlock value={r().response} label={t("webhook.test.response")} />
              </div>
            )}
          </Show>
        </div>
      </details>

      <ConfirmDialog
        open={confirmRotate()}
        title={t("webhook.secret.rotateTitle")}
        confirmLabel={t("webhook.secret.rotate")}
        pendingLabel={t("webhook.secret.generating")}
        pending={rotate.pending()}
        error={rotate.error()}
        onConfirm={() => void rotate.run()}
        onCancel={() => setConfirmRotate(false)}
      >
        <p>{t("webhook.secret.rotateBody")}</p>
      </ConfirmDialog>
    </section>
  );
}
