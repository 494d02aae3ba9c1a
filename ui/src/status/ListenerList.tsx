import { For, Show } from "solid-js";
import type { HubStatus, Listener } from "../api";
import { t, type MessageKey } from "../i18n";

type ListenerName = keyof HubStatus["listeners"];

interface ListenerView {
  name: ListenerName;
  label: MessageKey;
  purpose: MessageKey;
  /** Reachability: one sentence and a short badge. */
  reach: (listeners: HubStatus["listeners"]) => { lan: boolean; note?: MessageKey };
}

/** The three listeners in a fixed order, with what each one is for in plain words. */
const LISTENERS: readonly ListenerView[] = [
  { name: "admin", label: "listener.admin.name", purpose: "listener.admin.purpose", reach: () => ({ lan: false }) },
  {
    name: "player",
    label: "listener.player.name",
    purpose: "listener.player.purpose",
    reach: (all) =>
      all.player.lan === true
        ? { lan: true, note: "listener.player.lan" }
        : { lan: false, note: "listener.player.local" },
  },
  { name: "hooks", label: "listener.hooks.name", purpose: "listener.hooks.purpose", reach: () => ({ lan: false }) },
];

function ListenerRow(props: { view: ListenerView; listener: Listener; reach: { lan: boolean; note?: MessageKey } }) {
  const headingId = () => `listener-${props.view.name}-heading`;
  return (
    <li class="listener" data-testid={`listener-${props.view.name}`}>
      <div class="listener__head">
        <h3 id={headingId()}>{t(props.view.label)}</h3>
        <span class={`badge ${props.reach.lan ? "badge--lan" : "badge--local"}`} data-testid="listener-reach">
          {props.reach.lan ? t("listener.reach.lan") : t("listener.reach.local")}
        </span>
      </div>
      <p class="listener__purpose">
        {t(props.view.purpose)}
        <Show when={props.reach.note}>{(note) => <> {t(note())}</>}</Show>
      </p>
      <dl class="facts facts--inline">
        <div>
          <dt>{t("listener.address")}</dt>
          <dd>
            <code data-testid="listener-address">{props.listener.address}</code>
          </dd>
        </div>
        <div>
          <dt>{t("listener.url")}</dt>
          <dd>
            <code data-testid="listener-url">{props.listener.url}</code>
          </dd>
        </div>
      </dl>
    </li>
  );
}

export function ListenerList(props: { listeners: HubStatus["listeners"] }) {
  return (
    <section class="card card--wide" aria-labelledby="listeners-heading">
      <h2 id="listeners-heading">{t("listeners.heading")}</h2>
      <p class="muted">{t("listeners.intro")}</p>
      <ul class="listeners">
        <For each={LISTENERS}>
          {(view) => (
            <Show when={props.listeners[view.name]}>
              {(listener) => <ListenerRow view={view} listener={listener()} reach={view.reach(props.listeners)} />}
            </Show>
          )}
        </For>
      </ul>
    </section>
  );
}
