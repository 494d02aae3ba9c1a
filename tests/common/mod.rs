//! `TestHub`: the real hub on port 0 with a temporary data directory and an in-memory key store.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use millrace::app::{App, Deps, RunningApp};
use millrace::config::Config;
use millrace::crypto::keystore::MemoryStore;
use millrace::crypto::KeyStore;
use millrace::http::Addrs;

/// A running hub for one test.
pub struct TestHub {
    pub app: Option<RunningApp>,
    pub dir: tempfile::TempDir,
    pub addrs: Addrs,
    pub token: String,
    pub client: reqwest::Client,
    pub keystore: Arc<dyn KeyStore>,
}

/// A configuration with every listener on an ephemeral loopback port.
pub fn loopback_config(data_dir: &Path) -> Config {
    let mut c = Config::new(data_dir.to_owned());
    c.admin_addr = "127.0.0.1:0".parse().unwrap();
    c.player_addr = "127.0.0.1:0".parse().unwrap();
    c.hooks_addr = "127.0.0.1:0".parse().unwrap();
    c
}

impl TestHub {
    /// Starts a hub with a fresh data directory.
    pub async fn spawn() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::spawn_in(dir, Arc::new(MemoryStore::new())).await
    }

    /// Starts a hub in `dir` with `keystore` (to restart over the same data).
    pub async fn spawn_in(dir: tempfile::TempDir, keystore: Arc<dyn KeyStore>) -> Self {
        let config = loopback_config(dir.path());
        let app = App::start(
            config,
            Deps {
                keystore: Some(Arc::clone(&keystore)),
            },
        )
        .await
        .expect("hub starts");
        let token = app.admin_token().expose().clone();
        Self {
            addrs: app.addrs,
            app: Some(app),
            dir,
            token,
            client: reqwest::Client::new(),
            keystore,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("millrace.db")
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addrs.admin, path)
    }

    pub fn player_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addrs.player, path)
    }

    pub fn hooks_url(&self, path: &str) -> String {
        format!("http://{}{}", self.addrs.hooks, path)
    }

    /// `GET` on the admin API with the admin token.
    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.admin_url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// Stops the hub and returns its data directory, for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
        self.dir
    }
}

/// Reads a JSON error body's `error.code`.
pub async fn error_code(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Every file in a directory with its bytes, to prove a refused start-up changed nothing.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}
