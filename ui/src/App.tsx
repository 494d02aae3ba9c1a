/**
 * The composition root of the UI: one session, one hub client, the shell, and either
 * the page for the current path or the signed-out page.
 */
import { Dynamic } from "solid-js/web";
import { Show, createEffect, createMemo, on, onCleanup } from "solid-js";
import { HubContext, createHubClient, type HubClient } from "./api";
import { createSession, type Session } from "./session";
import { Shell } from "./components/Shell";
import { SignedOutPage } from "./components/SignedOutPage";
import { NotFoundPage } from "./components/NotFoundPage";
import { resolveRoute } from "./pages";
import { FirstRunDialog } from "./settings/FirstRunDialog";
import { interceptLinks, listenToHistory, location, syncLocation } from "./router";

export interface AppProps {
  /** Injected in tests; by default built from the page's location and storage. */
  session?: Session;
  hub?: HubClient;
}

export function App(props: AppProps) {
  const session = props.session ?? createSession();
  const hub =
    props.hub ??
    createHubClient({ token: session.token, onUnauthorized: () => session.expire() });
  // The session may have rewritten the address bar (the #token fragment).
  syncLocation();
  listenToHistory();
  const pathKey = createMemo(() => location().pathname);
  // Keyed on the path alone: a change of query (a filter) keeps the page mounted.
  const resolved = createMemo(() => resolveRoute(pathKey()));

  // Links anywhere in the document (dialogs render in a portal outside the app's root)
  // navigate in place on a plain click.
  document.addEventListener("click", interceptLinks);
  onCleanup(() => document.removeEventListener("click", interceptLinks));

  // After an in-app navigation, start at the top and move focus to the main landmark
  // so screen readers announce the new page.
  createEffect(
    on(
      pathKey,
      () => {
        window.scrollTo?.(0, 0);
        document.getElementById("main")?.focus({ preventScroll: true });
      },
      { defer: true },
    ),
  );

  return (
    <HubContext.Provider value={hub}>
      <div class="app">
        <Shell signedIn={session.token() !== null} currentPage={resolved()?.route.page ?? ""} onSignOut={session.signOut}>
          <Show when={session.token() !== null} fallback={<SignedOutPage reason={session.reason()} />}>
            <Show when={resolved()} keyed fallback={<NotFoundPage />}>
              {(match) => <Dynamic component={match.route.component} params={match.params} />}
            </Show>
            <FirstRunDialog />
          </Show>
        </Shell>
      </div>
    </HubContext.Provider>
  );
}
