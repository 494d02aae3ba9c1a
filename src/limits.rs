//! Process limits. Each connected sign holds a socket (an SSE stream or a long poll), so the soft
//! limit on open files that most Linux sessions start with (1,024) would cap a hub at about a
//! thousand signs, far below the player listener's own cap ([`crate::http::player::MAX_STREAMS`]),
//! and past it the listener could not even accept the admin. The hub raises its soft limit toward
//! the hard limit the OS allows, never above [`OPEN_FILES`].

/// The soft limit on open files the hub asks for: the stream cap plus room for the database,
/// pulls, webhooks and the admin.
pub const OPEN_FILES: u64 = 65_536;

/// Raises the soft open-files limit to `min(hard limit, OPEN_FILES)` when it is lower. Returns
/// the soft limit in force afterwards (`None` when it cannot be read, or off Unix).
pub fn raise_open_files() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let now = getrlimit(Resource::Nofile);
        // `None` is "unlimited".
        let soft = now.current.unwrap_or(u64::MAX);
        let want = now.maximum.map_or(OPEN_FILES, |hard| hard.min(OPEN_FILES));
        if soft >= want {
            return Some(soft);
        }
        match setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(want),
                maximum: now.maximum,
            },
        ) {
            Ok(()) => {
                tracing::debug!(from = soft, to = want, "raised the open-files limit");
                Some(want)
            }
            Err(e) => {
                tracing::warn!(
                    "cannot raise the open-files limit from {soft} (about that many signs can connect at once): {e}"
                );
                Some(soft)
            }
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}
