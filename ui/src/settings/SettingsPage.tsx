import { onMount } from "solid-js";
import { useHub } from "../api";
import { createLoader } from "../async";
import { t } from "../i18n";
import { DefinitionsTransfer } from "./DefinitionsTransfer";
import { KeySettings } from "./KeySettings";
import { PlayerAccess } from "./PlayerAccess";
import { PullSettings } from "./PullSettings";
import { TunnelSettings } from "./TunnelSettings";

/** Player access and token, tunnel, pulls, keys, and export/import of definitions. */
export function SettingsPage() {
  const hub = useHub();
  const status = createLoader(() => hub.status());
  onMount(() => {
    const anchor = window.location.hash.slice(1);
    if (anchor && /^[a-z-]+$/.test(anchor)) queueMicrotask(() => document.getElementById(anchor)?.scrollIntoView());
  });
  return (
    <section class="page" data-testid="settings-page" aria-labelledby="settings-title">
      <div class="page__header">
        <h1 id="settings-title">{t("settings.title")}</h1>
        <p class="page__intro">{t("settings.intro")}</p>
      </div>
      <div class="stack">
        <PlayerAccess status={status.data()} />
        <TunnelSettings />
        <PullSettings />
        <KeySettings status={status.data()} />
        <DefinitionsTransfer />
      </div>
    </section>
  );
}
