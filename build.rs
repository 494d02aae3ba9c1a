//! Builds the admin UI (`ui/`, SolidJS + Vite) into `ui/dist` and embeds it in the binary, so
//! `cargo run` needs no separate UI step on a fresh clone with Node.js installed.
//!
//! - Runs `npm ci` when `ui/node_modules` is missing or older than the lockfile, then `npm run build`, whenever the UI's
//!   sources change (cargo re-runs this script only then).
//! - Without Node.js (or with `MILLRACE_SKIP_UI_BUILD=1`) it embeds an existing `ui/dist` if there
//!   is one, else a page explaining how to build the UI; the hub itself still works.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let ui = root.join("ui");
    for input in [
        "ui/src",
        "ui/public",
        "ui/index.html",
        "ui/package.json",
        "ui/package-lock.json",
        "ui/vite.config.ts",
        "ui/tsconfig.json",
    ] {
        // A path that does not exist counts as changed on every build (cargo's rule), which
        // would rebuild the crate every time: watch only what is there.
        if root.join(input).exists() {
            println!("cargo:rerun-if-changed={input}");
        }
    }
    println!("cargo:rerun-if-env-changed=MILLRACE_SKIP_UI_BUILD");

    let dist = ui.join("dist");
    let skip = std::env::var_os("MILLRACE_SKIP_UI_BUILD").is_some_and(|v| v != "0");
    if !skip && ui.join("package.json").exists() {
        if let Err(why) = build_ui(&ui) {
            println!("cargo:warning=the admin UI was not rebuilt: {why}");
        }
    }

    let mut files = Vec::new();
    if dist.join("index.html").exists() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    let mut code = String::from("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    if files.is_empty() {
        println!(
            "cargo:warning=ui/dist is missing: the admin UI shows a placeholder. Install Node.js 20+ and rebuild."
        );
        let placeholder = out.join("placeholder.html");
        std::fs::write(&placeholder, PLACEHOLDER).expect("write placeholder");
        writeln!(
            code,
            "    (\"index.html\", include_bytes!({placeholder:?})),"
        )
        .unwrap();
    }
    for (rel, abs) in &files {
        writeln!(code, "    ({rel:?}, include_bytes!({abs:?})),").unwrap();
    }
    code.push_str("];\n");
    std::fs::write(out.join("ui_assets.rs"), code).expect("write ui_assets.rs");
}

fn build_ui(ui: &Path) -> Result<(), String> {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let version = Command::new(npm)
        .arg("--version")
        .output()
        .map_err(|_| "npm was not found (install Node.js 20 or newer)".to_owned())?;
    if !version.status.success() {
        return Err("npm --version failed".to_owned());
    }
    // Install when node_modules is missing or older than the lockfile (new dependencies).
    let installed = ui.join("node_modules").join(".package-lock.json");
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let stale = match (
        modified(&installed),
        modified(&ui.join("package-lock.json")),
    ) {
        (Some(have), Some(want)) => have < want,
        _ => true,
    };
    if stale {
        run(Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(ui))?;
    }
    run(Command::new(npm).args(["run", "build"]).current_dir(ui))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(base, &path, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Millrace</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Millrace</h1>
<p>The hub is running, but this build has no admin UI: Node.js was not available when it was
compiled. Install Node.js 20 or newer and run <code>cargo build</code> again (the UI is built
automatically), or run <code>scripts/install-deps.sh</code>.</p>
</body></html>
"#;
