/**
 * The composition root of the UI: one session, one hub client, the shell, and either
 * the current page or the signed-out page.
 */
import { Dynamic } from "solid-js/web";
import { Show, createMemo } from "solid-js";
import { HubContext, createHubClient, type HubClient } from "./api";
import { createSession, type Session } from "./session";
import { Shell } from "./components/Shell";
import { SignedOutPage } from "./components/SignedOutPage";
import { pageForPath } from "./pages";

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
  const page = createMemo(() => pageForPath(window.location.pathname));

  return (
    <HubContext.Provider value={hub}>
      <Shell signedIn={session.token() !== null} currentPage={page().id} onSignOut={session.signOut}>
        <Show when={session.token() !== null} fallback={<SignedOutPage reason={session.reason()} />}>
          <Dynamic component={page().component} />
        </Show>
      </Shell>
    </HubContext.Provider>
  );
}
