//! The desktop shell: starts the same hub as `millrace serve` on one shared tokio runtime and
//! shows its admin UI in a native window, already signed in; lives in the tray.
//!
//! The window loads the admin listener's URL with the admin token in the fragment — the same
//! hand-over as the headless login link — so the UI is identical in the window and in a browser
//! and talks to the hub only through the admin API. The shell itself is a client of that API too
//! (health for the tray and notifications, pause/resume, settings); all behaviour is in the core.
//!
//! - **Single instance**: a second launch focuses the running window and exits.
//! - **Closing the window hides it**; the hub keeps serving. **Quit** (tray) stops the tunnel,
//!   the scheduler and the listeners gracefully.
//! - **Start at login** follows the Settings switch, starting hidden in the tray.
//! - **Notifications** when an integration starts failing or recovers (once per transition),
//!   unless turned off in Settings.
//! - **First run**: the player listener stays on this computer until the admin answers the UI's
//!   question about sharing it with signs on the network.

pub mod health;
mod tray;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use millrace::admin_client::AdminClient;
use millrace::app::{App, Deps, RunningApp};
use millrace::config::{self, Config};
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_notification::NotificationExt as _;

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";
/// The argument autostart passes: start hidden in the tray.
pub const HIDDEN_ARG: &str = "--hidden";

/// What the tray and the monitor share.
#[derive(Debug)]
pub struct Shell {
    /// The hub's admin API, as a client.
    pub client: AdminClient,
    /// The player listener's base URL, for "Copy player URL".
    pub player_url: Mutex<String>,
    /// The admin UI's login link (to reopen the window if it was destroyed).
    pub login_url: tauri::Url,
}

/// Runs the desktop app until the user quits. Exits the process with an error message when the
/// hub cannot start.
pub fn run_app() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MILLRACE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let start_hidden = std::env::args().any(|a| a == HIDDEN_ARG);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    tauri::async_runtime::set(runtime.handle().clone());

    // A second instance only hands over to the first: it must not try to bind the hub's ports.
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            tracing::info!("another launch: focusing the running window");
            show_main(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![HIDDEN_ARG]),
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                // Closing hides to the tray; the hub keeps serving signs.
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| fail(&format!("cannot start the desktop app: {e}")));

    let config = desktop_config().unwrap_or_else(|e| fail(&e));
    let hub = runtime
        .block_on(App::start(config, Deps::default()))
        .unwrap_or_else(|e| fail(&format!("{e:#}")));
    let url: tauri::Url = hub
        .login_url()
        .expose()
        .parse()
        .unwrap_or_else(|e| fail(&format!("bad admin URL: {e}")));
    let client = AdminClient::new(&hub.admin_url(), hub.admin_token().clone())
        .unwrap_or_else(|e| fail(&format!("{e}")));
    let shell = Arc::new(Shell {
        client,
        player_url: Mutex::new(format!("http://{}", hub.addrs.player)),
        login_url: url,
    });
    app.manage(Arc::clone(&shell));

    if let Err(e) = open_main(app.handle(), &shell.login_url, !start_hidden) {
        fail(&format!("cannot open the window: {e}"));
    }
    if let Err(e) = tray::build(app.handle()) {
        tracing::warn!("no tray icon (the desktop has no tray area?): {e}");
    }
    runtime.spawn(monitor(app.handle().clone(), shell));
    // SIGTERM / Ctrl+C (logout, a service manager) quit gracefully like the tray's Quit.
    let handle = app.handle().clone();
    runtime.spawn(async move {
        wait_for_signal().await;
        tracing::info!("quit requested by a signal");
        handle.exit(0);
    });

    let hub = Mutex::new(Some(hub));
    app.run(move |_handle, event| match event {
        // The last window went away without Quit: keep serving from the tray.
        RunEvent::ExitRequested {
            code: None, api, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            let taken = hub.lock().ok().and_then(|mut h| h.take());
            if let Some(hub) = taken {
                runtime.block_on(stop(hub));
            }
        }
        _ => {}
    });
}

fn open_main(app: &AppHandle, url: &tauri::Url, visible: bool) -> tauri::Result<()> {
    WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::External(url.clone()))
        .title("Millrace")
        .inner_size(1180.0, 800.0)
        .min_inner_size(720.0, 480.0)
        .visible(visible)
        .build()
        .map(|_| ())
}

/// Shows, unminimises and focuses the main window — reopening it, signed in, if it was
/// destroyed.
pub fn show_main(app: &AppHandle) {
    match app.get_webview_window(MAIN_WINDOW) {
        Some(w) => {
            let _ = w.unminimize();
            let _ = w.show();
            let _ = w.set_focus();
        }
        None => {
            let url = app.state::<Arc<Shell>>().login_url.clone();
            if let Err(e) = open_main(app, &url, true) {
                tracing::warn!("cannot reopen the window: {e}");
            }
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn stop(hub: RunningApp) {
    hub.shutdown().await;
}

/// Every few seconds: the tray tooltip from the hub's health, notifications on transitions, and
/// start-at-login following the setting.
async fn monitor(app: AppHandle, shell: Arc<Shell>) {
    let mut notifier = health::Notifier::default();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let (overview, settings) = (shell.client.overview().await, shell.client.settings().await);
        let notify = settings
            .as_ref()
            .map_or(true, |s| s["notifications"].as_bool().unwrap_or(true));
        if let Ok(s) = &settings {
            if let Some(url) = s["player_url"].as_str() {
                *shell.player_url.lock().unwrap_or_else(|p| p.into_inner()) = url.to_owned();
            }
            if let Some(want) = s["start_at_login"].as_bool() {
                let autostart = app.autolaunch();
                if autostart.is_enabled().is_ok_and(|on| on != want) {
                    let result = if want {
                        autostart.enable()
                    } else {
                        autostart.disable()
                    };
                    if let Err(e) = result {
                        tracing::warn!("cannot change start at login: {e}");
                    }
                }
            }
        }
        if let Ok(o) = overview {
            tray::set_tooltip(&app, &health::tooltip(&o));
            for note in notifier.update(&o) {
                if notify {
                    let _ = app
                        .notification()
                        .builder()
                        .title(&note.title)
                        .body(&note.body)
                        .show();
                }
            }
        }
    }
}

/// The hub's configuration for the desktop: the platform data directory and the same
/// `MILLRACE_*` environment variables as `millrace serve`. The player listener stays on loopback
/// until the admin chooses to expose it on the LAN (the first-run question).
fn desktop_config() -> Result<Config, String> {
    let data_dir = match std::env::var_os("MILLRACE_DATA_DIR") {
        Some(d) => d.into(),
        None => config::default_data_dir().ok_or("no data directory; set MILLRACE_DATA_DIR")?,
    };
    let mut cfg = Config::new(data_dir);
    cfg.desktop = true;
    cfg.player_addr = "127.0.0.1:7421".parse().expect("valid");
    cfg.player_addr_from_settings = std::env::var_os("MILLRACE_PLAYER_ADDR").is_none();
    for (var, slot) in [
        ("MILLRACE_ADMIN_ADDR", &mut cfg.admin_addr),
        ("MILLRACE_PLAYER_ADDR", &mut cfg.player_addr),
        ("MILLRACE_HOOKS_ADDR", &mut cfg.hooks_addr),
    ] {
        if let Ok(text) = std::env::var(var) {
            *slot = config::parse_addr(&text).map_err(|e| format!("{var}: {e}"))?;
        }
    }
    if let Ok(text) = std::env::var("MILLRACE_KEYSTORE") {
        cfg.keystore = clap::ValueEnum::from_str(&text, true).map_err(|_| {
            format!("MILLRACE_KEYSTORE: '{text}' is not one of auto, keyring, file")
        })?;
    }
    Ok(cfg)
}

fn fail(message: &str) -> ! {
    eprintln!("millrace-desktop: error: {message}");
    std::process::exit(1);
}
