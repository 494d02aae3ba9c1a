import { Show } from "solid-js";
import type { TestResult } from "../api";
import { JsonBlock } from "../components/JsonBlock";
import { hasMessage, t } from "../i18n";

/** What a Test connection found: the upstream status, the raw sample and the mapped data, or the error. */
export function TestResultView(props: { result: TestResult }) {
  const errorHint = () => {
    const code = props.result.error?.code;
    const key = `test.errorCode.${code}`;
    return code && hasMessage(key) ? t(key) : undefined;
  };
  return (
    <div class="test-result" data-testid="test-result" data-ok={props.result.ok ? "true" : "false"}>
      <p class={`notice ${props.result.ok ? "notice--ok" : "notice--error"}`}>
        <strong>{props.result.ok ? t("test.ok") : t("test.failed")}</strong>{" "}
        <Show when={props.result.status !== null}>
          {t("test.status", { status: String(props.result.status) })}{" "}
        </Show>
        {t("test.duration", { ms: props.result.duration_ms })}
      </p>
      <Show when={props.result.error}>
        {(error) => (
          <div class="test-result__error" data-testid="test-error">
            <p>{error().message}</p>
            <Show when={errorHint()}>
              <p class="muted">{errorHint()}</p>
            </Show>
          </div>
        )}
      </Show>
      <Show when={props.result.target}>
        <p class="muted">
          {t("test.target")} <code>{props.result.target}</code>
        </p>
      </Show>
      <div class="test-result__panes">
        <Show when={props.result.sample !== null && props.result.sample !== undefined}>
          <div>
            <h4>{t("test.sample")}</h4>
            <JsonBlock value={props.result.sample} raw label={t("test.sample")} testid="test-sample" />
          </div>
        </Show>
        <Show when={props.result.data !== null && props.result.data !== undefined}>
          <div>
            <h4>{t("test.data")}</h4>
            <JsonBlock value={props.result.data} label={t("test.data")} testid="test-data" />
          </div>
        </Show>
      </div>
    </div>
  );
}
