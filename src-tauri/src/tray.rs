//! The tray icon: open, pause/resume pulls, copy the player URL, quit; the tooltip says the
//! hub's health.

use std::sync::Arc;

use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};
use tauri_plugin_clipboard_manager::ClipboardExt as _;

use crate::{show_main, Shell};

const TRAY: &str = "millrace";

/// Builds the tray icon and its menu.
///
/// # Errors
/// When the platform has no tray.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Millrace", true, None::<&str>)?;
    let pause = CheckMenuItem::with_id(app, "pause", "Pause pulls", true, false, None::<&str>)?;
    let copy = MenuItem::with_id(app, "copy", "Copy player URL", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Millrace", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &open,
            &pause,
            &copy,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id(TRAY)
        .menu(&menu)
        .tooltip("Millrace")
        .on_menu_event(move |app, event| match event.id.as_ref() {
            "open" => show_main(app),
            "pause" => {
                let paused = pause.is_checked().unwrap_or(false);
                let shell = Arc::clone(app.state::<Arc<Shell>>().inner());
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = shell.client.set_paused(paused).await {
                        tracing::warn!("cannot pause or resume pulls: {e}");
                    }
                });
            }
            "copy" => {
                let shell = app.state::<Arc<Shell>>();
                let url = shell
                    .player_url
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                if let Err(e) = app.clipboard().write_text(url) {
                    tracing::warn!("cannot copy to the clipboard: {e}");
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// Sets the tray tooltip (no-op without a tray).
pub fn set_tooltip(app: &AppHandle, text: &str) {
    if let Some(tray) = app.tray_by_id(TRAY) {
        let _ = tray.set_tooltip(Some(text));
    }
}
