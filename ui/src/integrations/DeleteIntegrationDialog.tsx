import type { Integration } from "../api";
import { useHub } from "../api";
import { createAction } from "../async";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { t } from "../i18n";
import { deleteConsequences } from "./deleteText";

/** Confirms deleting an integration, saying what goes with it. */
export function DeleteIntegrationDialog(props: {
  integration: Integration | undefined;
  onCancel: () => void;
  onDeleted: (integration: Integration) => void;
}) {
  const hub = useHub();
  const remove = createAction(async (integration: Integration) => {
    await hub.deleteIntegration(integration.id);
    props.onDeleted(integration);
  });
  return (
    <ConfirmDialog
      open={props.integration !== undefined}
      title={t("integrations.delete.title", { name: props.integration?.name ?? "" })}
      confirmLabel={t("integrations.delete.confirm")}
      pendingLabel={t("integrations.delete.deleting")}
      pending={remove.pending()}
      error={remove.error()}
      danger
      testid="delete-integration-dialog"
      onConfirm={() => props.integration && void remove.run(props.integration)}
      onCancel={() => {
        remove.reset();
        props.onCancel();
      }}
    >
      <p data-testid="delete-consequences">{props.integration ? deleteConsequences(props.integration) : ""}</p>
      <p class="muted">{t("integrations.delete.signs")}</p>
    </ConfirmDialog>
  );
}
