/**
 * The pages of the admin UI, in navigation order. The header's navigation is built
 * from this list, so a new page (Overview, Integrations, Widgets, Webhooks, Players,
 * Settings) slots in by adding an entry here; only pages listed here are shown.
 */
import type { Component } from "solid-js";
import type { MessageKey } from "./i18n";
import { StatusPage } from "./status/StatusPage";

export interface Page {
  id: string;
  /** Path under the admin listener's root. */
  path: string;
  /** Dictionary key of the navigation label. */
  label: MessageKey;
  component: Component;
}

export const PAGES: readonly Page[] = [
  { id: "status", path: "/", label: "page.status", component: StatusPage },
];

/** The page for a path; unknown paths show the first page. */
export function pageForPath(path: string): Page {
  const normalized = path.replace(/\/+$/, "") || "/";
  return PAGES.find((page) => page.path === normalized) ?? PAGES[0]!;
}
