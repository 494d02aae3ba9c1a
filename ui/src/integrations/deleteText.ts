import type { Integration } from "../api";
import { t } from "../i18n";

/**
 * What deleting an integration takes with it, in plain words: its widget configs (and
 * their credentials), its own credentials and its cached data.
 */
export function deleteConsequences(integration: Pick<Integration, "widget_config_count">): string {
  const n = integration.widget_config_count ?? 0;
  if (n === 0) return t("integrations.delete.bodyNone");
  if (n === 1) return t("integrations.delete.bodyOne");
  return t("integrations.delete.bodyMany", { n });
}
