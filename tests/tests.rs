//! Full-stack tests of the core: the real hub on port 0 with a temporary data directory.
//! One test binary (`cargo test --test tests`); shared helpers live in `common/`.

mod common;

mod admin_api;
mod admin_cli;
mod admin_guard;
mod bad_input;
mod chaos;
mod cli;
mod crash;
mod definitions;
mod keyring;
mod openapi;
mod overview;
mod player;
mod pull;
mod secrets;
mod settings;
mod soak;
mod startup;
mod sweep;
mod tunnel;
mod webhooks;
