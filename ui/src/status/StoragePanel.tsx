import { t } from "../i18n";

/** Where the hub keeps its data: the data directory and the SQLite database. */
export function StoragePanel(props: { dataDir: string; database: string }) {
  return (
    <section class="card card--wide" aria-labelledby="storage-heading">
      <h2 id="storage-heading">{t("storage.heading")}</h2>
      <dl class="facts">
        <div>
          <dt>{t("storage.dataDir")}</dt>
          <dd>
            <code class="path" data-testid="data-dir">
              {props.dataDir}
            </code>
          </dd>
        </div>
        <div>
          <dt>{t("storage.database")}</dt>
          <dd>
            <code class="path" data-testid="database">
              {props.database}
            </code>
          </dd>
        </div>
      </dl>
    </section>
  );
}
