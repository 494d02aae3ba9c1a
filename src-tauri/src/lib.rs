//! The desktop shell: starts the same hub as `millrace serve` and shows its admin UI in a window.
pub fn run_app() {}
