//! Full-stack tests of the core: the real hub on port 0 with a temporary data directory.
//! One test binary (`cargo test --test tests`); shared helpers live in `common/`.

mod common;

mod admin_guard;
mod cli;
mod keyring;
mod startup;
