import { Show, createSignal, onCleanup } from "solid-js";
import { t } from "../i18n";

/** How long the "Copied" confirmation stays. */
export const COPIED_MS = 2_000;

/**
 * Puts `text` on the clipboard: the Clipboard API where the page may use it, else a
 * temporary selected textarea and `execCommand("copy")`. Resolves to whether it worked.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission refused or not a secure context: try the fallback.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return typeof document.execCommand === "function" && document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

export interface CopyButtonProps {
  text: string;
  /** What is copied, for the button's accessible name ("Copy display URL"). */
  label: string;
  testid?: string;
  /** Injected in tests. */
  copy?: (text: string) => Promise<boolean>;
}

/** A "Copy" button with a short-lived "Copied" (or "Copy failed") confirmation announced politely. */
export function CopyButton(props: CopyButtonProps) {
  const [state, setState] = createSignal<"idle" | "copied" | "failed">("idle");
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));

  async function onClick(): Promise<void> {
    const ok = await (props.copy ?? copyText)(props.text);
    setState(ok ? "copied" : "failed");
    clearTimeout(timer);
    timer = setTimeout(() => setState("idle"), COPIED_MS);
  }

  return (
    <span class="copy">
      <button
        type="button"
        class="button button--quiet button--small"
        aria-label={t("copy.label", { what: props.label })}
        data-testid={props.testid}
        onClick={() => void onClick()}
      >
        {t("copy.button")}
      </button>
      <span class="copy__status" role="status" aria-live="polite">
        <Show when={state() === "copied"}>
          <span class="copy__ok">{t("copy.copied")}</span>
        </Show>
        <Show when={state() === "failed"}>
          <span class="copy__failed">{t("copy.failed")}</span>
        </Show>
      </span>
    </span>
  );
}

/** A value in monospace with its copy button. */
export function CopyField(props: { value: string; label: string; testid?: string }) {
  return (
    <div class="copy-field">
      <code class="copy-field__value" data-testid={props.testid}>
        {props.value}
      </code>
      <CopyButton text={props.value} label={props.label} testid={props.testid ? `${props.testid}-copy` : undefined} />
    </div>
  );
}
