import { t } from "../i18n";

/** An address the UI does not know. */
export function NotFoundPage() {
  return (
    <section class="page" data-testid="not-found-page">
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <a class="button" href="/">
        {t("notFound.home")}
      </a>
    </section>
  );
}
