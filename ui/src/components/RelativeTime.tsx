import { Show } from "solid-js";
import { useNow } from "../clock";
import { t } from "../i18n";
import { formatDateTime, formatRelative } from "../i18n/format";

/** A time as "5 minutes ago", with the full date and time as its tooltip; "never" when null. */
export function RelativeTime(props: { value: string | null | undefined; testid?: string; never?: string }) {
  const now = useNow();
  return (
    <Show when={props.value} fallback={<span class="muted" data-testid={props.testid}>{props.never ?? t("time.never")}</span>}>
      {(value) => (
        <time datetime={value()} title={formatDateTime(value())} data-testid={props.testid}>
          {formatRelative(value(), now())}
        </time>
      )}
    </Show>
  );
}
