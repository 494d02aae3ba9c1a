import type { DataStatus, Health } from "../api";
import { hasMessage, t } from "../i18n";

export type Tone = "ok" | "warning" | "error" | "info" | "muted";

/** How alarming each health is. Unknown values (a newer hub) are neutral. */
export function healthTone(health: string): Tone {
  switch (health as Health | DataStatus) {
    case "ok":
      return "ok";
    case "stale":
    case "no_secret":
      return "warning";
    case "error":
    case "auth_failed":
      return "error";
    case "waiting":
    case "pending":
    case "no_webhooks":
      return "info";
    case "inactive":
      return "muted";
    default:
      return "info";
  }
}

/** The short label of a health ("Working", "Needs credentials"…); an unknown value as it is. */
export function healthLabel(health: string): string {
  const key = `health.${health}`;
  return hasMessage(key) ? t(key) : health;
}

/** A coloured badge for a health; the colour is never the only signal (the label says it). */
export function HealthBadge(props: { health: string; testid?: string }) {
  return (
    <span
      class={`badge badge--${healthTone(props.health)}`}
      data-testid={props.testid ?? "health-badge"}
      data-health={props.health}
    >
      {healthLabel(props.health)}
    </span>
  );
}
