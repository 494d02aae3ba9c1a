//! Secret values as types.
//!
//! A [`Secret`] holds a value that must never reach a log line, an error message, an API response
//! or a panic: its `Debug` and `Display` print `<redacted>`, it does not implement `Serialize`, and
//! its memory is zeroized on drop. The only way to read it is [`Secret::expose`], which makes every
//! use greppable.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// The text printed in place of any secret value.
pub const REDACTED: &str = "<redacted>";

/// A value that is redacted in `Debug`/`Display` and zeroized on drop.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(Zeroizing<T>);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(Zeroizing::new(value))
    }

    /// Reads the value. Keep the borrow short and never format it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A secret string, such as an API key or the admin token.
pub type SecretString = Secret<String>;

/// Secret bytes, such as a decrypted credentials document.
pub type SecretBytes = Secret<Vec<u8>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = SecretString::new("hunter2-very-secret".to_owned());
        // Both formatting paths are used by logs and error chains; neither may leak.
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn nested_in_a_derived_debug_struct_stays_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Creds {
            user: String,
            password: SecretString,
        }
        let c = Creds {
            user: "alice".to_owned(),
            password: SecretString::new("p@ss-0xDEADBEEF".to_owned()),
        };
        let out = format!("{c:?}");
        assert!(out.contains("alice"));
        assert!(!out.contains("p@ss"), "secret leaked through Debug: {out}");
        assert!(out.contains(REDACTED));
    }
}
