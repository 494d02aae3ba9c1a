import { For, Show, createUniqueId } from "solid-js";
import type { VerifierScheme } from "../api";
import { Field, PathErrors } from "../forms/Field";
import { PairRows } from "../forms/PairRows";
import { t } from "../i18n";
import { rowKey, type IntegrationDraft, type TransformKind } from "./draft";
import type { DraftSetter } from "./IntegrationForm";

export const SCHEMES: VerifierScheme[] = ["standard_webhooks", "github", "meta", "stripe", "slack", "hmac"];
const TRANSFORMS: TransformKind[] = ["passthrough", "facebook", "castmill", "mapping"];

/** How webhooks are verified and turned into widget data (`push_config`). */
export function PushSection(props: { draft: IntegrationDraft; update: DraftSetter }) {
  const push = () => props.draft.push;
  const listId = createUniqueId();
  const secretFields = () =>
    props.draft.credential_schema.filter((r) => r.sensitive && r.name.trim()).map((r) => r.name.trim());

  return (
    <section class="card form-section" aria-labelledby="push-heading" data-testid="push-section">
      <h2 id="push-heading">{t("push.heading")}</h2>
      <p class="muted">{t("push.intro")}</p>
      <PathErrors path="push_config" />
      <div class="form-grid form-grid--3">
        <Field label={t("push.scheme")} path="push_config.verifier.scheme" help={t(`push.schemeHelp.${push().scheme}`)}>
          {(c) => (
            <select {...c} onChange={(e) => props.update((d) => void (d.push.scheme = e.currentTarget.value as VerifierScheme))}>
              <For each={SCHEMES}>
                {(s) => (
                  <option value={s} selected={push().scheme === s}>
                    {t(`push.scheme.${s}`)}
                  </option>
                )}
              </For>
            </select>
          )}
        </Field>
        <Field label={t("push.secretField")} path="push_config.verifier.secret_field" help={t("push.secretFieldHelp")}>
          {(c) => (
            <>
              <input
                {...c}
                type="text"
                list={listId}
                spellcheck={false}
                value={push().secret_field}
                onInput={(e) => props.update((d) => void (d.push.secret_field = e.currentTarget.value))}
              />
              <datalist id={listId}>
                <For each={secretFields()}>{(name) => <option value={name} />}</For>
              </datalist>
            </>
          )}
        </Field>
        <Field label={t("push.tolerance")} path="push_config.verifier.tolerance_seconds" help={t("push.toleranceHelp")}>
          {(c) => (
            <input
              {...c}
              type="number"
              inputmode="numeric"
              step="1"
              value={push().tolerance_seconds}
              onInput={(e) => props.update((d) => void (d.push.tolerance_seconds = e.currentTarget.value))}
            />
          )}
        </Field>
      </div>
      <Show when={push().scheme === "hmac"}>
        <div class="form-grid form-grid--3">
          <Field label={t("push.header")} path="push_config.verifier.header" required help={t("push.headerHelp")}>
            {(c) => (
              <input {...c} type="text" spellcheck={false} value={push().header} onInput={(e) => props.update((d) => void (d.push.header = e.currentTarget.value))} />
            )}
          </Field>
          <Field label={t("push.prefix")} path="push_config.verifier.prefix" help={t("push.prefixHelp")}>
            {(c) => (
              <input {...c} type="text" spellcheck={false} value={push().prefix} onInput={(e) => props.update((d) => void (d.push.prefix = e.currentTarget.value))} />
            )}
          </Field>
          <Field label={t("push.encoding")} path="push_config.verifier.encoding">
            {(c) => (
              <select {...c} onChange={(e) => props.update((d) => void (d.push.encoding = e.currentTarget.value as IntegrationDraft["push"]["encoding"]))}>
                <option value="" selected={push().encoding === ""}>
                  {t("push.encoding.default")}
                </option>
                <option value="hex" selected={push().encoding === "hex"}>
                  hex
                </option>
                <option value="base64" selected={push().encoding === "base64"}>
                  base64
                </option>
              </select>
            )}
          </Field>
        </div>
      </Show>
      <Field label={t("push.transform")} path="push_config.transform" help={t(`push.transformHelp.${push().transform}`)}>
        {(c) => (
          <select {...c} onChange={(e) => props.update((d) => void (d.push.transform = e.currentTarget.value as TransformKind))}>
            <For each={TRANSFORMS}>
              {(tr) => (
                <option value={tr} selected={push().transform === tr}>
                  {t(`push.transform.${tr}`)}
                </option>
              )}
            </For>
          </select>
        )}
      </Field>
      <Show when={push().transform === "mapping"}>
        <PairRows
          legend={t("push.mapping")}
          help={t("pull.mappingHelp")}
          nameLabel={t("pull.outputField")}
          valueLabel={t("pull.pointer")}
          valuePlaceholder="/repository/full_name"
          addLabel={t("pull.addMapping")}
          path="push_config.transform.mapping"
          testid="push-mapping"
          rows={push().transform_mapping}
          onEdit={(i, field, value) =>
            props.update((d) => {
              d.push.transform_mapping[i]![field] = value;
            })
          }
          onAdd={() => props.update((d) => void d.push.transform_mapping.push({ key: rowKey(), name: "", value: "" }))}
          onRemove={(i) => props.update((d) => void d.push.transform_mapping.splice(i, 1))}
        />
      </Show>
    </section>
  );
}
