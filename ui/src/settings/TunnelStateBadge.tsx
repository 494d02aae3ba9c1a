import type { TunnelState } from "../api";
import { hasMessage, t } from "../i18n";

/** The tunnel's state as a badge: off, connecting, online, error (unknown states shown as sent). */
export function TunnelStateBadge(props: { tunnel: Pick<TunnelState, "provider" | "state"> }) {
  const state = () => (props.tunnel.provider === "off" ? "off" : props.tunnel.state);
  const tone = () => {
    switch (state()) {
      case "online":
      case "connected":
        return "ok";
      case "error":
      case "failed":
        return "error";
      case "off":
        return "muted";
      default:
        return "info";
    }
  };
  const label = () => {
    const key = `tunnel.state.${state()}`;
    return hasMessage(key) ? t(key) : state();
  };
  return (
    <span class={`badge badge--${tone()}`} data-testid="tunnel-state" data-state={state()}>
      {label()}
    </span>
  );
}
