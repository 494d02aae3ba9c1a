import { Show, createEffect, createUniqueId, onCleanup, type JSX } from "solid-js";
import { Portal } from "solid-js/web";
import { t } from "../i18n";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The elements Tab can reach inside `root`, in order. */
export function focusableIn(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hasAttribute("inert"));
}

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: JSX.Element;
  /** `drawer` slides in from the side (details); the default is a centred box. */
  variant?: "dialog" | "drawer";
  testid?: string;
  /** Which element gets focus on open (default: the first focusable one). */
  initialFocus?: () => HTMLElement | undefined;
  children: JSX.Element;
  footer?: JSX.Element;
}

/**
 * A modal dialog: focus moves in on open and is trapped (Tab and Shift+Tab cycle),
 * Escape or the close button closes it, and focus returns to where it was.
 */
export function Dialog(props: DialogProps) {
  const titleId = createUniqueId();
  let panel: HTMLDivElement | undefined;

  createEffect(() => {
    if (!props.open) return;
    const opener = document.activeElement as HTMLElement | null;
    queueMicrotask(() => {
      if (!panel) return;
      const target = props.initialFocus?.() ?? focusableIn(panel)[0] ?? panel;
      target.focus();
    });
    onCleanup(() => {
      if (opener && document.contains(opener)) opener.focus();
    });
  });

  function onKeyDown(event: KeyboardEvent): void {
    if (event.key === "Escape") {
      event.stopPropagation();
      props.onClose();
      return;
    }
    if (event.key !== "Tab" || !panel) return;
    const items = focusableIn(panel);
    if (items.length === 0) {
      event.preventDefault();
      panel.focus();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === panel)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <Show when={props.open}>
      <Portal>
        <div class="overlay" classList={{ "overlay--drawer": props.variant === "drawer" }} onClick={(e) => e.target === e.currentTarget && props.onClose()}>
          <div
            ref={panel}
            class={props.variant === "drawer" ? "drawer" : "dialog"}
            role="dialog"
            aria-modal="true"
            aria-labelledby={titleId}
            tabindex="-1"
            data-testid={props.testid}
            onKeyDown={onKeyDown}
          >
            <div class="dialog__head">
              <h2 id={titleId}>{props.title}</h2>
              <button type="button" class="button button--quiet button--small" onClick={() => props.onClose()}>
                {t("dialog.close")}
              </button>
            </div>
            <div class="dialog__body">{props.children}</div>
            <Show when={props.footer}>
              <div class="dialog__foot">{props.footer}</div>
            </Show>
          </div>
        </div>
      </Portal>
    </Show>
  );
}
