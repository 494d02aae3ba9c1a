import { Show, type JSX } from "solid-js";
import type { ApiError } from "../api";
import { t } from "../i18n";
import { Dialog } from "./Dialog";
import { errorText } from "./ErrorNotice";

export interface ConfirmDialogProps {
  open: boolean;
  title: JSX.Element;
  /** What will happen, in plain words. */
  children: JSX.Element;
  confirmLabel: string;
  pendingLabel: string;
  pending: boolean;
  error?: ApiError;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testid?: string;
}

/** "Are you sure?" with what goes with it; the safe choice (Cancel) gets the focus. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  let cancel: HTMLButtonElement | undefined;
  return (
    <Dialog
      open={props.open}
      onClose={() => !props.pending && props.onCancel()}
      title={props.title}
      testid={props.testid ?? "confirm-dialog"}
      initialFocus={() => cancel}
      footer={
        <>
          <button ref={cancel} type="button" class="button button--quiet" disabled={props.pending} onClick={() => props.onCancel()}>
            {t("dialog.cancel")}
          </button>
          <button
            type="button"
            class={`button ${props.danger ? "button--danger" : ""}`}
            disabled={props.pending}
            aria-busy={props.pending}
            data-testid="confirm-button"
            onClick={() => props.onConfirm()}
          >
            {props.pending ? props.pendingLabel : props.confirmLabel}
          </button>
        </>
      }
    >
      {props.children}
      <div aria-live="polite">
        <Show when={props.error}>
          {(error) => (
            <p class="notice notice--error" role="alert">
              {errorText(error())}
            </p>
          )}
        </Show>
      </div>
    </Dialog>
  );
}
