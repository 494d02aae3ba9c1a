import { Show } from "solid-js";
import type { HubStatus, WidgetConfig } from "../api";
import { CopyField } from "../components/CopyButton";
import { QrCode } from "../components/QrCode";
import { t } from "../i18n";
import { signUrls } from "./signUrls";

/**
 * How to put the widget on a sign: the display URL with a QR code to open it on a TV
 * or tablet, the data API URL for custom players, and the widget id — each copyable.
 */
export function SignLinks(props: { widget: WidgetConfig; status: HubStatus | undefined; playerTokenSet: boolean | undefined }) {
  const urls = () => signUrls(props.widget, props.status);
  return (
    <Show when={urls()} fallback={<p class="muted">{t("sign.noPlayerUrl")}</p>}>
      {(u) => (
        <div class="sign-links" data-testid="sign-links">
          <div class="sign-links__display">
            <QrCode text={u().display} label={t("sign.qrLabel", { url: u().display })} size={148} />
            <div class="sign-links__urls">
              <h3>{t("sign.displayUrl")}</h3>
              <CopyField value={u().display} label={t("sign.displayUrl")} testid="display-url" />
              <p class="field__help">{t("sign.displayHelp")}</p>
            </div>
          </div>
          <div class="sign-links__urls">
            <Show when={!u().fromHub && props.playerTokenSet}>
              <p class="notice notice--warning">{t("sign.tokenNeeded")}</p>
            </Show>
            <Show when={props.status && !props.status.listeners.player.lan}>
              <p class="notice notice--info" data-testid="lan-hint">
                {t("sign.localOnly")} <a href="/settings">{t("sign.openSettings")}</a>
              </p>
            </Show>
            <h3>{t("sign.dataUrl")}</h3>
            <CopyField value={u().data} label={t("sign.dataUrl")} testid="data-url" />
            <h3>{t("sign.widgetId")}</h3>
            <CopyField value={props.widget.id} label={t("sign.widgetId")} testid="widget-id" />
          </div>
        </div>
      )}
    </Show>
  );
}
