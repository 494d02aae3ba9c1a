import { For, Show, createMemo } from "solid-js";
import { useHub, type Template } from "../api";
import { createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { navigate, queryParam } from "../router";
import { TypeBadge } from "./badges";
import { draftFromInput, emptyDraft } from "./draft";
import { IntegrationForm } from "./IntegrationForm";

/**
 * Creating an integration: pick a template (or start from scratch), then review the
 * form prefilled from it and create. `?template=<id>` or `?scratch=1` opens the form.
 */
export function NewIntegrationPage() {
  const hub = useHub();
  const templates = createLoader(() => hub.templates());
  const templateId = () => queryParam("template");
  const scratch = () => queryParam("scratch") === "1";
  const chosen = createMemo(() => templates.data()?.find((tpl) => tpl.id === templateId()));

  return (
    <section class="page" data-testid="new-integration-page" aria-labelledby="new-integration-title">
      <p class="breadcrumb">
        <a href="/integrations">{t("integrations.title")}</a> ›
      </p>
      <div class="page__header">
        <h1 id="new-integration-title">
          {chosen() ? t("integrations.newFrom", { title: chosen()!.title }) : t("integrations.newTitle")}
        </h1>
        <Show when={!chosen() && !scratch()}>
          <p class="page__intro">{t("integrations.newIntro")}</p>
        </Show>
        <Show when={chosen()}>
          <p class="page__intro">{chosen()!.description}</p>
        </Show>
      </div>

      <Show when={templates.error()}>
        {(error) => <LoadError error={error()} title={t("templates.loadFailed")} onRetry={() => void templates.reload()} retrying={templates.loading()} />}
      </Show>

      <Show when={scratch()}>
        <IntegrationForm
          initial={emptyDraft()}
          submitLabel={t("integrations.create")}
          pendingLabel={t("integrations.creating")}
          onSubmit={(input) => hub.createIntegration(input)}
          onSaved={(saved) => navigate(`/integrations/${saved.id}?created=1`)}
          cancelHref="/integrations/new"
        />
      </Show>

      <Show when={!scratch() && templateId()}>
        <Show when={chosen()} fallback={<Show when={!templates.error()}><Loading text={t("templates.loading")} /></Show>}>
          {(template) => (
            <Show keyed when={template()}>
              {(tpl) => (
                <IntegrationForm
                  initial={draftFromInput(tpl.integration)}
                  submitLabel={t("integrations.create")}
                  pendingLabel={t("integrations.creating")}
                  onSubmit={(input) => hub.createIntegration(input)}
                  onSaved={(saved) => navigate(`/integrations/${saved.id}?created=1`)}
                  cancelHref="/integrations/new"
                />
              )}
            </Show>
          )}
        </Show>
      </Show>

      <Show when={!scratch() && !templateId()}>
        <Show when={templates.data()} fallback={<Show when={!templates.error()}><Loading text={t("templates.loading")} /></Show>}>
          {(list) => (
            <div class="template-grid" data-testid="template-cards">
              <For each={list()}>{(template) => <TemplateCard template={template} />}</For>
              <article class="card template-card template-card--scratch">
                <h2>{t("integrations.scratch")}</h2>
                <p class="muted">{t("integrations.scratchHelp")}</p>
                <a class="button button--quiet" href="/integrations/new?scratch=1" data-testid="from-scratch">
                  {t("integrations.scratchButton")}
                </a>
              </article>
            </div>
          )}
        </Show>
      </Show>
    </section>
  );
}

function TemplateCard(props: { template: Template }) {
  const needsKey = () =>
    Object.values(props.template.integration.credential_schema ?? {}).some((f) => f.required && f.sensitive);
  return (
    <article class="card template-card" data-testid={`template-${props.template.id}`} aria-labelledby={`tpl-${props.template.id}`}>
      <h2 id={`tpl-${props.template.id}`}>{props.template.title}</h2>
      <p class="template-card__meta">
        <TypeBadge type={props.template.integration.integration_type} />{" "}
        <Show when={needsKey()}>
          <span class="badge badge--muted">{t("templates.needsCredentials")}</span>
        </Show>
      </p>
      <p class="muted">{props.template.description}</p>
      <a
        class="button"
        href={`/integrations/new?template=${encodeURIComponent(props.template.id)}`}
        aria-label={t("templates.useNamed", { title: props.template.title })}
      >
        {t("templates.use")}
      </a>
    </article>
  );
}
