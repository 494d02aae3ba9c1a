//! Millrace: a hub that feeds live third-party data to a small digital-signage network.
//!
//! This crate is the whole core — storage, key store and cipher, the three HTTP listeners and the
//! composition root [`app::App`] — without any Tauri or GTK dependency. The headless binary
//! (`src/bin/millrace/`) and the desktop shell (`src-tauri/`) are thin shells around
//! [`app::App::start`]; the binary's admin commands are thin shells around [`admin_client`], a
//! typed client of a running hub's admin API.
//!
//! Dependencies point down only: shells → [`app`] → transports ([`http`], [`tunnel`]) → domain operations →
//! adapters ([`store`], [`crypto`]). Architecture and contracts: `DESIGN.md` in the planning repo,
//! summarised in `README.md`.
#![forbid(unsafe_code)]

pub mod admin_client;
pub mod app;
pub mod cache;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod crypto;
pub mod definitions;
pub mod deliveries;
pub mod error;
pub mod health;
pub mod http;
pub mod hub_secrets;
pub mod hub_settings;
pub mod integrations;
pub mod keys;
pub mod limits;
pub mod mapping;
pub mod players;
pub mod pull;
pub mod scheduler;
pub mod schema;
pub mod secret;
pub mod store;
pub mod templates;
pub mod tls;
pub mod token;
pub mod tunnel;
pub mod webhook;
pub mod widget_configs;

/// The hub's version, as reported by `/admin/api/status` and sent as `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
