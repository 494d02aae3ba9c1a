/**
 * The pages of the admin UI and the routes that show them. The header's navigation is
 * built from `PAGES` (in this order); `ROUTES` maps every path, including detail and
 * editor paths, to a component and to the navigation entry it belongs to.
 */
import type { Component } from "solid-js";
import type { MessageKey } from "./i18n";
import { IntegrationDetailPage } from "./integrations/IntegrationDetailPage";
import { IntegrationEditPage } from "./integrations/IntegrationEditPage";
import { IntegrationsPage } from "./integrations/IntegrationsPage";
import { NewIntegrationPage } from "./integrations/NewIntegrationPage";
import { OverviewPage } from "./overview/OverviewPage";
import { PlayersPage } from "./players/PlayersPage";
import { matchPath } from "./router";
import { SettingsPage } from "./settings/SettingsPage";
import { StatusPage } from "./status/StatusPage";
import { WebhooksPage } from "./webhooks/WebhooksPage";
import { WidgetDetailPage } from "./widgets/WidgetDetailPage";
import { NewWidgetPage, WidgetEditPage } from "./widgets/WidgetEditorPages";
import { WidgetsPage } from "./widgets/WidgetsPage";

export interface Page {
  id: string;
  /** Path under the admin listener's root. */
  path: string;
  /** Dictionary key of the navigation label. */
  label: MessageKey;
}

export const PAGES: readonly Page[] = [
  { id: "overview", path: "/", label: "page.overview" },
  { id: "integrations", path: "/integrations", label: "page.integrations" },
  { id: "widgets", path: "/widgets", label: "page.widgets" },
  { id: "webhooks", path: "/webhooks", label: "page.webhooks" },
  { id: "players", path: "/players", label: "page.players" },
  { id: "settings", path: "/settings", label: "page.settings" },
  { id: "status", path: "/status", label: "page.status" },
];

export type RouteComponent = Component<{ params: Record<string, string>; refreshMs?: number }>;

export interface Route {
  pattern: string;
  /** The navigation entry marked current. */
  page: string;
  component: RouteComponent;
}

/** More specific patterns first. */
export const ROUTES: readonly Route[] = [
  { pattern: "/", page: "overview", component: OverviewPage },
  { pattern: "/integrations", page: "integrations", component: IntegrationsPage },
  { pattern: "/integrations/new", page: "integrations", component: NewIntegrationPage },
  { pattern: "/integrations/:id/edit", page: "integrations", component: IntegrationEditPage },
  { pattern: "/integrations/:id", page: "integrations", component: IntegrationDetailPage },
  { pattern: "/widgets", page: "widgets", component: WidgetsPage },
  { pattern: "/widgets/new", page: "widgets", component: NewWidgetPage },
  { pattern: "/widgets/:id/edit", page: "widgets", component: WidgetEditPage },
  { pattern: "/widgets/:id", page: "widgets", component: WidgetDetailPage },
  { pattern: "/webhooks", page: "webhooks", component: WebhooksPage },
  { pattern: "/players", page: "players", component: PlayersPage },
  { pattern: "/settings", page: "settings", component: SettingsPage },
  { pattern: "/status", page: "status", component: StatusPage },
];

/** The route for a path and its parameters; `null` for an unknown path. */
export function resolveRoute(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}
