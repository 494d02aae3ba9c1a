import { Show } from "solid-js";
import { useHub } from "../api";
import { createLoader } from "../async";
import { LoadError } from "../components/LoadError";
import { Loading } from "../components/Loading";
import { t } from "../i18n";
import { navigate, queryParam } from "../router";
import { WidgetForm } from "./WidgetForm";

/** `/widgets/new[?integration=N]`: a new widget config for an integration. */
export function NewWidgetPage() {
  const hub = useHub();
  const integrations = createLoader(() => hub.integrations());
  const preselected = () => {
    const raw = queryParam("integration");
    return raw ? Number(raw) : undefined;
  };
  return (
    <section class="page" data-testid="new-widget-page">
      <p class="breadcrumb">
        <a href="/widgets">{t("widgets.title")}</a> ›
      </p>
      <div class="page__header">
        <h1>{t("widgets.newTitle")}</h1>
        <p class="page__intro">{t("widgets.newIntro")}</p>
      </div>
      <Show when={integrations.error()}>{(error) => <LoadError error={error()} title={t("integrations.loadFailed")} />}</Show>
      <Show when={integrations.data()} fallback={<Show when={!integrations.error()}><Loading text={t("integrations.loading")} /></Show>}>
        {(list) => (
          <Show
            when={list().length > 0}
            fallback={
              <div class="card empty-state">
                <p>{t("widgets.emptyNoIntegrations")}</p>
                <a class="button" href="/integrations/new">
                  {t("integrations.new")}
                </a>
              </div>
            }
          >
            <WidgetForm
              integrations={list()}
              integrationId={preselected()}
              submit={(input) => hub.createWidgetConfig(input)}
              onSaved={(saved) => navigate(`/widgets/${saved.id}?created=1`)}
              cancelHref={preselected() !== undefined ? `/integrations/${preselected()}` : "/widgets"}
            />
          </Show>
        )}
      </Show>
    </section>
  );
}

/** `/widgets/:id/edit`: a widget config's name, options and state. */
export function WidgetEditPage(props: { params: Record<string, string> }) {
  const hub = useHub();
  const id = () => props.params.id!;
  const widget = createLoader(() => hub.widgetConfig(id()));
  const integration = createLoader(async () => hub.integration((await hub.widgetConfig(id())).integration_id));
  return (
    <section class="page" data-testid="widget-edit-page">
      <p class="breadcrumb">
        <a href="/widgets">{t("widgets.title")}</a> › <a href={`/widgets/${id()}`}>{widget.data()?.name ?? ""}</a> ›
      </p>
      <h1>{t("widget.editTitle", { name: widget.data()?.name ?? "" })}</h1>
      <Show when={widget.error() ?? integration.error()}>{(error) => <LoadError error={error()} title={t("widget.loadFailed")} />}</Show>
      <Show
        when={widget.data() && integration.data()}
        fallback={<Show when={!widget.error() && !integration.error()}><Loading text={t("widget.loading")} /></Show>}
      >
        <WidgetForm
          integrations={[integration.data()!]}
          existing={widget.data()!}
          submit={(input) => hub.updateWidgetConfig(id(), input)}
          onSaved={(saved) => navigate(`/widgets/${saved.id}`)}
          cancelHref={`/widgets/${id()}`}
        />
      </Show>
    </section>
  );
}
