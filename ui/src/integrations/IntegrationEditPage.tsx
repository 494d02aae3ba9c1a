import { Show } from "solid-js";
import { useHub } from "../api";
import { createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { navigate } from "../router";
import { draftFromInput } from "./draft";
import { IntegrationForm } from "./IntegrationForm";

/** Editing an integration's definition (`/integrations/:id/edit`). */
export function IntegrationEditPage(props: { params: Record<string, string> }) {
  return <IntegrationEdit id={Number(props.params.id)} />;
}

function IntegrationEdit(props: { id: number }) {
  const hub = useHub();
  const integration = createLoader(() => hub.integration(props.id));
  return (
    <section class="page" data-testid="integration-edit-page">
      <p class="breadcrumb">
        <a href="/integrations">{t("integrations.title")}</a> › <a href={`/integrations/${props.id}`}>{integration.data()?.name ?? props.id}</a> ›
      </p>
      <h1>{t("integration.editTitle", { name: integration.data()?.name ?? "" })}</h1>
      <Show when={integration.error()}>{(error) => <LoadError error={error()} title={t("integration.loadFailed")} />}</Show>
      <Show when={integration.data()} fallback={<Show when={!integration.error()}><Loading text={t("integration.loading")} /></Show>}>
        {(current) => (
          <IntegrationForm
            initial={draftFromInput(current())}
            submitLabel={t("form.save")}
            pendingLabel={t("form.saving")}
            onSubmit={(input) => hub.updateIntegration(props.id, input)}
            onSaved={(saved) => navigate(`/integrations/${saved.id}`)}
            cancelHref={`/integrations/${props.id}`}
          />
        )}
      </Show>
    </section>
  );
}
