import type { HubClient, PlayerData, WidgetConfig } from "../api";
import { isUnsupported } from "../components/LoadError";
import { toApiError } from "../api";

/** A widget's health from what players get now (for hubs without /overview). */
export function healthFromPayload(payload: PlayerData): string {
  if (payload.active === false) return "inactive";
  if (payload.stale) return "stale";
  return payload.status === "pending" ? "waiting" : payload.status;
}

/**
 * Every widget config's health by id: from the overview, or on an older hub from each
 * widget's player payload.
 */
export async function widgetHealth(hub: HubClient, widgets: WidgetConfig[]): Promise<Map<string, string>> {
  try {
    const overview = await hub.overview();
    return new Map(overview.integrations.flatMap((i) => i.widget_configs.map((w) => [w.id, w.health] as const)));
  } catch (thrown) {
    if (!isUnsupported(toApiError(thrown))) throw thrown;
  }
  const entries = await Promise.all(
    widgets.map(async (w) => [w.id, healthFromPayload(await hub.widgetData(w.id))] as const),
  );
  return new Map(entries);
}
