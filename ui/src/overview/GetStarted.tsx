import { t } from "../i18n";

/** The empty hub's call to action: create an integration from a template. */
export function GetStarted() {
  return (
    <section class="card get-started" data-testid="get-started" aria-labelledby="get-started-heading">
      <h2 id="get-started-heading">{t("overview.getStarted.title")}</h2>
      <p>{t("overview.getStarted.body")}</p>
      <ol class="steps">
        <li>{t("overview.getStarted.step1")}</li>
        <li>{t("overview.getStarted.step2")}</li>
        <li>{t("overview.getStarted.step3")}</li>
      </ol>
      <a class="button button--large" href="/integrations/new" data-testid="get-started-button">
        {t("overview.getStarted.button")}
      </a>
    </section>
  );
}
