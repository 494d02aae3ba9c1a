//! The headless hub and its command line: `serve` parses arguments, installs logging, starts the
//! [`App`], waits for Ctrl+C or SIGTERM and stops it; the admin commands (`integrations`,
//! `widget-configs`, `credentials`, `keys`) drive a running hub through its admin API
//! ([`admin`]).

mod admin;
mod table;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use millrace::app::{App, Deps};
use millrace::config::{self, Config};
use millrace::keys::KeyStoreChoice;

/// Millrace: live third-party data for your digital signs.
///
/// `millrace serve` runs the hub. The other commands manage a running hub through its admin API,
/// with the admin token `millrace serve` keeps in its data directory: point them at the hub with
/// --admin-url and --data-dir (or MILLRACE_ADMIN_URL and MILLRACE_DATA_DIR), or give the token in
/// MILLRACE_ADMIN_TOKEN. They exit with 0 on success, 1 on an error, 2 on a command-line mistake.
#[derive(Debug, Parser)]
#[command(name = "millrace", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hub headless: the admin UI (open it in a browser with the printed link), the player
    /// API for signs, and the webhook receiver.
    Serve(ServeArgs),
    /// Integrations (how each kind of widget gets its data): list, show, apply a JSON file,
    /// export, delete.
    Integrations(admin::IntegrationsArgs),
    /// Widget configs (the widgets placed on signs): list, show, apply a JSON file, delete.
    WidgetConfigs(admin::WidgetConfigsArgs),
    /// Credentials: set (values asked for or read from standard input, never from the command
    /// line), clear, or show which fields are set.
    Credentials(admin::CredentialsArgs),
    /// The master key that encrypts stored credentials: rotate it.
    Keys(admin::KeysArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Where the database, the admin token and (when used) the key file live.
    /// Default: the platform's data directory, e.g. ~/.local/share/millrace on Linux.
    #[arg(long, env = "MILLRACE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Address of the admin API and UI. Must be loopback: the admin API is never exposed.
    #[arg(long, env = "MILLRACE_ADMIN_ADDR", value_name = "IP:PORT",
          default_value = "127.0.0.1:7420", value_parser = config::parse_addr)]
    admin_addr: SocketAddr,

    /// Address signs fetch their data from. Without it: the address chosen in the admin UI's
    /// Settings, else 0.0.0.0:7421, which makes it reachable from every computer on your network
    /// (your firewall may ask); use 127.0.0.1:7421 to keep it on this computer.
    #[arg(long, env = "MILLRACE_PLAYER_ADDR", value_name = "IP:PORT",
          value_parser = config::parse_addr)]
    player_addr: Option<SocketAddr>,

    /// Address of the webhook receiver. A tunnel forwards internet webhooks here; keep it on
    /// loopback unless you forward a port to it yourself.
    #[arg(long, env = "MILLRACE_HOOKS_ADDR", value_name = "IP:PORT",
          default_value = "127.0.0.1:7422", value_parser = config::parse_addr)]
    hooks_addr: SocketAddr,

    /// Where the master key that encrypts credentials is kept: `keyring` (the OS keyring; fail if
    /// it cannot be reached), `file` (a 0600 file in the data directory, protected only by file
    /// permissions), or `auto` (the keyring if reachable, else the file, with a warning).
    #[arg(long, env = "MILLRACE_KEYSTORE", value_enum, default_value = "auto")]
    keystore: KeyStoreChoice,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MILLRACE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("millrace: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Integrations(args) => runtime.block_on(admin::integrations(args)),
        Command::WidgetConfigs(args) => runtime.block_on(admin::widget_configs(args)),
        Command::Credentials(args) => runtime.block_on(admin::credentials(args)),
        Command::Keys(args) => runtime.block_on(admin::keys(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("millrace: error: {e:#}");
            // A 422 from the hub: one line per invalid field, with its path.
            if let Some(fields) = e
                .downcast_ref::<millrace::admin_client::AdminClientError>()
                .and_then(|e| e.field_errors())
            {
                for (path, messages) in &fields.0 {
                    for m in messages {
                        eprintln!("  {path}: {m}");
                    }
                }
            }
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let data_dir = match args.data_dir {
        Some(d) => d,
        None => config::default_data_dir().ok_or(millrace::error::StartError::NoDataDir)?,
    };
    let config = Config {
        data_dir: data_dir.clone(),
        admin_addr: args.admin_addr,
        player_addr: args.player_addr.unwrap_or(config::DEFAULT_PLAYER_ADDR),
        player_addr_from_settings: args.player_addr.is_none(),
        hooks_addr: args.hooks_addr,
        keystore: args.keystore,
        desktop: false,
    };
    let app = App::start(config, Deps::default()).await?;
    let a = app.addrs;
    println!("Millrace {} is running.", millrace::VERSION);
    println!("  Admin UI  http://{}  (this computer only)", a.admin);
    println!("  Players   http://{}  (signs fetch data here)", a.player);
    println!("  Webhooks  http://{}", a.hooks);
    println!("  Data      {}", data_dir.display());
    println!("Open the admin UI: {}", app.login_url().expose());
    println!("Press Ctrl+C to stop.");
    wait_for_signal().await;
    eprintln!("stopping…");
    app.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
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
