//! The admin token: a random bearer token created on first run and kept in
//! `<data-dir>/admin-token` (mode 0600) for the CLI and the login link.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::secret::SecretString;

/// The token file's name inside the data directory.
pub const TOKEN_FILE_NAME: &str = "admin-token";
const TOKEN_LEN: usize = 43; // 32 random bytes, base64url without padding

/// A problem with the admin token file. Never includes the token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The file exists but does not hold a token.
    #[error("the admin token file {0} is not valid (expected 43 base64url characters); delete it to have a new token created")]
    Invalid(PathBuf),
    /// Reading or writing failed.
    #[error("cannot read or write the admin token file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Reads the admin token from `data_dir`, creating it on first run.
///
/// # Errors
/// See [`TokenError`].
pub fn load_or_create(data_dir: &Path) -> Result<SecretString, TokenError> {
    let path = data_dir.join(TOKEN_FILE_NAME);
    let io = |source| TokenError::Io {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let token = SecretString::new(text.trim().to_owned());
            if is_well_formed(token.expose()) {
                Ok(token)
            } else {
                Err(TokenError::Invalid(path))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            crate::crypto::random_bytes(&mut bytes);
            let token = SecretString::new(URL_SAFE_NO_PAD.encode(bytes));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                opts.mode(0o600);
            }
            let mut f = opts.open(&path).map_err(io)?;
            f.write_all(token.expose().as_bytes()).map_err(io)?;
            f.write_all(b"\n").map_err(io)?;
            f.sync_all().map_err(io)?;
            Ok(token)
        }
        Err(e) => Err(io(e)),
    }
}

/// Reads the token of a running hub (for the CLI).
///
/// # Errors
/// When the file is missing, unreadable or invalid.
pub fn read(data_dir: &Path) -> Result<SecretString, TokenError> {
    let path = data_dir.join(TOKEN_FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|source| TokenError::Io {
        path: path.clone(),
        source,
    })?;
    let token = SecretString::new(text.trim().to_owned());
    if is_well_formed(token.expose()) {
        Ok(token)
    } else {
        Err(TokenError::Invalid(path))
    }
}

fn is_well_formed(t: &str) -> bool {
    t.len() == TOKEN_LEN
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), TOKEN_LEN);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_garbled_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TOKEN_FILE_NAME);
        std::fs::write(&path, "short!\n").unwrap();
        let err = load_or_create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not valid"), "{err}");
        assert!(!err.to_string().contains("short!"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "short!\n");
    }
}
