import type { HubStatus, WidgetConfig } from "../api";

export interface SignUrls {
  /** The full-screen page a browser-based sign opens. */
  display: string;
  /** The player data API. */
  data: string;
  /** Whether the URLs came from the hub (newer hubs add `?token=` themselves). */
  fromHub: boolean;
}

/**
 * Where a sign reaches a widget config. Newer hubs say so in the view (`display_url`,
 * `data_url`, with `?token=` when a player token is set); for older ones the URLs are
 * built from the player listener's URL.
 */
export function signUrls(wc: WidgetConfig, status: HubStatus | undefined): SignUrls | undefined {
  if (wc.display_url && wc.data_url) return { display: wc.display_url, data: wc.data_url, fromHub: true };
  const base = status?.listeners.player.url.replace(/\/+$/, "");
  if (!base) return undefined;
  const id = encodeURIComponent(wc.id);
  return {
    display: wc.display_url ?? `${base}/display/${id}`,
    data: wc.data_url ?? `${base}/api/widget-configs/${id}/data`,
    fromHub: false,
  };
}
