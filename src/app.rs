//! The composition root: builds every part of the hub from a [`Config`] and runs it.
//!
//! Both shells (the headless binary and the desktop app) call [`App::start`] and later
//! [`RunningApp::shutdown`]. Start-up does the fallible work first — bind the three listeners,
//! prepare the data directory, open the database, unlock the master key, load the admin token —
//! and serves only when all of it succeeded, so a failure leaves nothing half-running.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::cache::Cache;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::KeyStore;
use crate::error::StartError;
use crate::http::{self, Addrs, AppState, StateInner};
use crate::hub_secrets::PLAYER_TOKEN;
use crate::keys;
use crate::players::Players;
use crate::pull::PullClient;
use crate::scheduler::{self, Puller, SchedulerDeps, SchedulerSettings, SchedulerTask};
use crate::secret::SecretString;
use crate::store::{Store, StoreError, DB_FILE_NAME};

/// How long shutdown waits for in-flight requests before closing connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Dependencies a shell or test may inject.
#[derive(Debug, Default)]
pub struct Deps {
    /// Use this key store instead of choosing one from `Config::keystore` (tests).
    pub keystore: Option<Arc<dyn KeyStore>>,
    /// Send pulls with this instead of the HTTP client (tests).
    pub puller: Option<Arc<dyn Puller>>,
    /// Use this clock for stored times (tests).
    pub clock: Option<Arc<dyn Clock>>,
    /// Scheduler tunables.
    pub scheduler: Option<SchedulerSettings>,
    /// Tunnel tunables (tests use a short backoff).
    pub tunnel: Option<crate::tunnel::TunnelOptions>,
    /// The most SSE streams and waiting long polls held at once (default
    /// [`http::player::MAX_STREAMS`]; tests use a small cap).
    pub max_streams: Option<usize>,
}

/// The hub.
#[derive(Debug)]
pub struct App;

/// A started hub. Drop does not stop it; call [`RunningApp::shutdown`].
#[derive(Debug)]
pub struct RunningApp {
    /// The bound addresses (useful with port 0).
    pub addrs: Addrs,
    state: AppState,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
    scheduler: SchedulerTask,
}

impl App {
    /// Starts the hub.
    ///
    /// # Errors
    /// See [`StartError`]; nothing is served when start-up fails.
    pub async fn start(config: Config, deps: Deps) -> Result<RunningApp, StartError> {
        if !config.admin_addr.ip().to_canonical().is_loopback() {
            return Err(StartError::AdminNotLoopback(config.admin_addr));
        }
        crate::limits::raise_open_files();
        let admin = bind("admin", config.admin_addr, "--admin-addr").await?;
        let hooks = bind("hooks", config.hooks_addr, "--hooks-addr").await?;
        // The player listener binds after the database is open: the admin may have chosen its
        // address in Settings.
        if !config.player_addr_from_settings {
            // An explicit address must be bindable before anything is written.
            drop(bind("player", config.player_addr, "--player-addr").await?);
        }
        let (stop, stopped) = watch::channel(false);

        let data_dir = config.data_dir.clone();
        let choice = config.keystore;
        let injected = deps.keystore;
        let started_at = OffsetDateTime::now_utc();
        let now = started_at.format(&Rfc3339).expect("formattable");
        let (store, unlocked, admin_token, cache, players, player_token, hub_settings) =
            tokio::task::spawn_blocking(move || {
                prepare_data_dir(&data_dir)?;
                let store = Store::open(&data_dir.join(DB_FILE_NAME))?;
                let (keystore, fallback) = match injected {
                    Some(ks) => (ks, None),
                    None => {
                        let instance = keys::instance_id(&store, &now)?;
                        keys::choose(choice, &data_dir, &instance)?
                    }
                };
                let unlocked = keys::unlock(&store, keystore, fallback, &now)?;
                let token = crate::token::load_or_create(&data_dir)?;
                let (cache, players, player_token, hub_settings) = store.call_blocking(|c| {
                    let task = |e: crate::error::Error| StoreError::Task(e.to_string());
                    let cache = Cache::load(c).map_err(task)?;
                    let players = Players::load(c).map_err(task)?;
                    let token =
                        crate::hub_secrets::get(c, &unlocked.cipher, PLAYER_TOKEN).map_err(task)?;
                    let settings = crate::hub_settings::load(c).map_err(task)?;
                    let tunnel =
                        crate::hub_settings::load_tunnel(c, &unlocked.cipher).map_err(task)?;
                    Ok((cache, players, token, (settings, tunnel)))
                })?;
                Ok::<_, StartError>((
                    store,
                    unlocked,
                    token,
                    cache,
                    players,
                    player_token,
                    hub_settings,
                ))
            })
            .await
            .map_err(|e| StartError::Task(e.to_string()))??;

        let (hub_settings, tunnel_config) = hub_settings;
        let player_addr = match hub_settings.player_addr {
            Some(chosen) if config.player_addr_from_settings => chosen,
            _ => config.player_addr,
        };
        let player = bind("player", player_addr, "--player-addr").await?;
        let addrs = Addrs {
            admin: local_addr(&admin)?,
            player: local_addr(&player)?,
            hooks: local_addr(&hooks)?,
        };
        let (player_rebind, rebinds) = tokio::sync::mpsc::channel(4);
        let cache = Arc::new(cache);
        let cipher = Arc::new(std::sync::RwLock::new(unlocked.cipher));
        let puller: Arc<dyn Puller> = match deps.puller {
            Some(p) => p,
            None => Arc::new(PullClient::new().map_err(|e| StartError::Task(e.to_string()))?),
        };
        let (scheduler, scheduler_task) = scheduler::spawn(SchedulerDeps {
            store: store.clone(),
            cache: Arc::clone(&cache),
            cipher: Arc::clone(&cipher),
            puller: Arc::clone(&puller),
            clock: deps.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            settings: deps.scheduler.unwrap_or_default(),
        });
        // The tunnel forwards to the hooks listener and nothing else.
        let tunnel = crate::tunnel::TunnelTask::spawn_with(
            tunnel_config.clone(),
            addrs.hooks,
            deps.tunnel.unwrap_or_default(),
        );
        let tunnel_status = tunnel.status();
        let state = AppState::new(StateInner {
            store,
            cache,
            cipher,
            scheduler,
            puller,
            keystore: unlocked.keystore,
            keystore_fallback: unlocked.fallback_reason,
            admin_token,
            addrs,
            player_addr: std::sync::RwLock::new(addrs.player),
            player_rebind,
            data_dir: config.data_dir,
            desktop: config.desktop,
            first_run_possible: config.desktop && config.player_addr_from_settings,
            started_at,
            players: Arc::new(players),
            streams: http::player::StreamSlots::new(
                deps.max_streams.unwrap_or(http::player::MAX_STREAMS),
            ),
            player_token: std::sync::RwLock::new(player_token),
            hook_limits: http::hooks::HookLimits::default(),
            tunnel: tokio::sync::Mutex::new(Some(tunnel)),
            tunnel_status,
            tunnel_config: std::sync::Mutex::new(tunnel_config),
            stop: stopped.clone(),
        });
        let servers = vec![
            spawn_server(
                "admin",
                admin,
                http::admin::router(state.clone()),
                stopped.clone(),
            ),
            spawn_player_supervisor(state.clone(), player, rebinds, stopped.clone()),
            spawn_server(
                "hooks",
                hooks,
                http::hooks::router(state.clone()),
                stopped.clone(),
            ),
            spawn_player_flush(state.clone(), stopped),
        ];
        tracing::info!(
            admin = %addrs.admin, player = %addrs.player, hooks = %addrs.hooks,
            keystore = %state.keystore.description(),
            "millrace {} serving", crate::VERSION
        );
        Ok(RunningApp {
            addrs,
            state,
            stop,
            servers,
            scheduler: scheduler_task,
        })
    }
}

impl RunningApp {
    /// The login link for the admin UI: `http://<admin>/#token=<token>`. The token is in the
    /// fragment so it never reaches an access log. Secret: print it only where the admin reads.
    pub fn login_url(&self) -> SecretString {
        SecretString::new(format!(
            "{}/#token={}",
            self.admin_url(),
            self.state.admin_token.expose()
        ))
    }

    /// The admin listener's base URL, e.g. `http://127.0.0.1:7420`.
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.addrs.admin)
    }

    /// The admin token.
    pub fn admin_token(&self) -> &SecretString {
        &self.state.admin_token
    }

    /// The shared state (for shells that need the store or key store).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops serving: new connections are refused at once, in-flight requests get
    /// [`SHUTDOWN_GRACE`] to finish, then everything is closed. Returns within about 5 s.
    pub async fn shutdown(self) {
        if let Some(tunnel) = self.state.tunnel.lock().await.take() {
            tunnel.stop().await;
        }
        self.scheduler.stop().await;
        let _ = self.stop.send(true);
        for mut server in self.servers {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut server)
                .await
                .is_err()
            {
                server.abort();
                let _ = server.await;
            }
        }
        tracing::info!("millrace stopped");
    }
}

async fn bind(
    listener: &'static str,
    addr: SocketAddr,
    flag: &'static str,
) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|e| StartError::Bind {
        listener,
        addr,
        reason: match e.kind() {
            std::io::ErrorKind::AddrInUse => "the address is already in use".to_owned(),
            std::io::ErrorKind::AddrNotAvailable => {
                "the address is not one of this computer's".to_owned()
            }
            std::io::ErrorKind::PermissionDenied => {
                "permission denied (ports below 1024 need privileges)".to_owned()
            }
            _ => e.to_string(),
        },
        flag,
    })
}

fn local_addr(l: &TcpListener) -> Result<SocketAddr, StartError> {
    l.local_addr().map_err(|e| StartError::Task(e.to_string()))
}

/// Creates the data directory and proves it is writable before anything is stored in it.
///
/// On Unix the directory is private to the hub's OS account (0700): it holds the database
/// (delivery bodies, widget data, credential metadata), the admin token and perhaps the key
/// file, and other local accounts must not list or read it. A new directory is created 0700
/// (missing parents get the usual mode); an existing one that others could enter is tightened to
/// 0700 with a log line saying so. If it cannot be changed (another account owns it), a warning
/// says what to run and start-up goes on; the files inside are 0600 regardless.
fn prepare_data_dir(dir: &Path) -> Result<(), StartError> {
    let err = |source| StartError::DataDir {
        path: dir.to_owned(),
        source,
    };
    create_private_dir(dir).map_err(err)?;
    let probe = dir.join(".millrace-write-test");
    std::fs::write(&probe, b"ok").map_err(err)?;
    std::fs::remove_file(&probe).map_err(err)?;
    Ok(())
}

/// Creates `dir` (0700 on Unix) and its parents, or tightens an existing one to 0700.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(e),
        }
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            match std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
                Ok(()) => tracing::info!(
                    "the data directory {} was open to other accounts (mode {mode:o}); changed it to 700",
                    dir.display()
                ),
                Err(e) => tracing::warn!(
                    "the data directory {} is open to other accounts (mode {mode:o}) and could not be changed: {e}; run `chmod 700 {}`",
                    dir.display(),
                    dir.display()
                ),
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

fn spawn_server(
    name: &'static str,
    listener: TcpListener,
    router: axum::Router,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        if let Err(e) = http::serve(listener, router, shutdown).await {
            tracing::error!("the {name} listener failed: {e}");
        }
    })
}

/// How often the player registry is written to the database.
const PLAYER_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// The owned task that writes the player registry periodically and once more at shutdown.
fn spawn_player_flush(state: AppState, mut stopped: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PLAYER_FLUSH_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let stopping = tokio::select! {
                _ = tick.tick() => false,
                _ = stopped.wait_for(|s| *s) => true,
            };
            let players = state.players.clone();
            let result = state.store.call(move |conn| Ok(players.flush(conn))).await;
            match result {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!("could not record players: {e}"),
                Err(e) => tracing::warn!("could not record players: {e}"),
            }
            if stopping {
                break;
            }
        }
    })
}

/// The owned task that runs the player listener and moves it to another address on request
/// (Settings → LAN exposure): the new address is bound first, so a failure leaves the old one
/// serving; then the old server stops accepting and finishes its requests.
fn spawn_player_supervisor(
    state: AppState,
    first: TcpListener,
    mut rebinds: tokio::sync::mpsc::Receiver<http::Rebind>,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let start = |listener: TcpListener| {
            let (stop_this, stopped_this) = watch::channel(false);
            let task = spawn_server(
                "player",
                listener,
                http::player::router(state.clone()),
                stopped_this,
            );
            (stop_this, task)
        };
        let (mut stop_current, mut current) = start(first);
        loop {
            tokio::select! {
                () = until_stopped(&mut stopped) => break,
                req = rebinds.recv() => {
                    let Some(req) = req else { break };
                    match TcpListener::bind(req.addr).await {
                        Err(e) => {
                            let _ = req.reply.send(Err(format!("cannot listen on {}: {e}", req.addr)));
                        }
                        Ok(listener) => {
                            let bound = listener.local_addr().unwrap_or(req.addr);
                            let (stop_new, new) = start(listener);
                            let _ = stop_current.send(true);
                            let old = std::mem::replace(&mut current, new);
                            stop_current = stop_new;
                            if tokio::time::timeout(SHUTDOWN_GRACE, old).await.is_err() {
                                tracing::warn!("the old player listener did not finish in time");
                            }
                            *state.player_addr.write().unwrap_or_else(|p| p.into_inner()) = bound;
                            tracing::info!(player = %bound, "the player listener moved");
                            let _ = req.reply.send(Ok(bound));
                        }
                    }
                }
            }
        }
        let _ = stop_current.send(true);
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut current)
            .await
            .is_err()
        {
            current.abort();
        }
    })
}

async fn until_stopped(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}
