import { Show } from "solid-js";
import type { ApiError } from "../api";
import { t } from "../i18n";
import { ErrorNotice } from "./ErrorNotice";

/**
 * Whether an error means the hub has no such endpoint (an older hub): the API answers
 * 404 with code `not_found` for a route it does not have. Only use this for calls
 * whose path names no resource that could be missing.
 */
export function isUnsupported(error: ApiError | undefined): boolean {
  return error?.status === 404 && error.code === "not_found";
}

/** "This hub does not support X yet" — for a feature an older hub lacks. */
export function UnsupportedNotice(props: { feature: string }) {
  return (
    <div class="notice notice--info" role="status" data-testid="unsupported">
      <p class="notice__title">{t("unsupported.title", { feature: props.feature })}</p>
      <p>{t("unsupported.body")}</p>
    </div>
  );
}

/**
 * A failed load: the "not supported yet" notice for a missing endpoint (when `feature`
 * is given), else the error with a retry button.
 */
export function LoadError(props: {
  error: ApiError;
  title: string;
  feature?: string;
  onRetry?: () => void;
  retrying?: boolean;
}) {
  return (
    <Show
      when={props.feature && isUnsupported(props.error)}
      fallback={<ErrorNotice title={props.title} error={props.error} onRetry={props.onRetry} retrying={props.retrying} />}
    >
      <UnsupportedNotice feature={props.feature!} />
    </Show>
  );
}
