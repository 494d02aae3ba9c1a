#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
fn main() {
    millrace_desktop::run_app();
}
