//! The generator's error type: a message for the user, never a panic.

use std::fmt;
use std::io;
use std::path::Path;

/// A failure with a message explaining what went wrong and, where possible, how to fix it.
#[derive(Debug)]
pub struct Error(String);

/// Result with the generator's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }

    /// An I/O error on `path`, e.g. `cannot read x.json: No such file or directory`.
    pub fn io(action: &str, path: &Path, err: io::Error) -> Self {
        Error(format!("cannot {action} {}: {err}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
