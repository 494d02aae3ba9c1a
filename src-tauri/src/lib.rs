//! The desktop shell: starts the same hub as `millrace serve` on one shared tokio runtime and
//! shows its admin UI in a native window, already signed in.
//!
//! The window loads the admin listener's URL with the admin token in the fragment — the same
//! hand-over as the headless login link — so the UI is identical in the window and in a browser
//! and talks to the hub only through the admin API.

use std::sync::Mutex;

use millrace::app::{App, Deps, RunningApp};
use millrace::config::{self, Config};
use tauri::{RunEvent, WebviewUrl, WebviewWindowBuilder};

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";

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
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    tauri::async_runtime::set(runtime.handle().clone());

    let config = match desktop_config() {
        Ok(c) => c,
        Err(e) => fail(&e),
    };
    let hub = match runtime.block_on(App::start(config, Deps::default())) {
        Ok(hub) => hub,
        Err(e) => fail(&format!("{e:#}")),
    };
    let login = hub.login_url();
    let url: tauri::Url = match login.expose().parse() {
        Ok(u) => u,
        Err(e) => fail(&format!("bad admin URL: {e}")),
    };
    let hub = Mutex::new(Some(hub));

    let app = tauri::Builder::default()
        .setup(move |app| {
            WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::External(url))
                .title("Millrace")
                .inner_size(1100.0, 760.0)
                .min_inner_size(720.0, 480.0)
                .build()?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| fail(&format!("cannot open the window: {e}")));

    app.run(move |_handle, event| {
        if let RunEvent::Exit = event {
            let taken = hub.lock().ok().and_then(|mut h| h.take());
            if let Some(hub) = taken {
                runtime.block_on(stop(hub));
            }
        }
    });
}

async fn stop(hub: RunningApp) {
    hub.shutdown().await;
}

/// The hub's configuration for the desktop: the platform data directory and the same
/// `MILLRACE_*` environment variables as `millrace serve`. The player listener stays on loopback
/// until the admin chooses to expose it on the LAN.
fn desktop_config() -> Result<Config, String> {
    let data_dir = match std::env::var_os("MILLRACE_DATA_DIR") {
        Some(d) => d.into(),
        None => config::default_data_dir().ok_or("no data directory; set MILLRACE_DATA_DIR")?,
    };
    let mut cfg = Config::new(data_dir);
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
