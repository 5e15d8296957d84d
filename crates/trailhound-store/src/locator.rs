//! A folder as the user named it, parsed once where the name enters (an argument, an
//! environment variable, the config file): a local path or `s3://bucket/prefix`. Everything
//! below takes a [`Locator`] and never asks again whether a string is a URL.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::location::Location;
use crate::s3::{S3Location, S3Options};

/// A local folder or file, or an S3 bucket and key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    Local(PathBuf),
    S3(S3Location),
}

impl Locator {
    /// `s3://bucket[/prefix]` or a local path; any other URL is refused.
    pub fn parse(s: &str) -> Result<Locator> {
        if let Some(loc) = S3Location::parse(s) {
            return Ok(Locator::S3(loc));
        }
        if s.starts_with("s3:") || s.contains("://") {
            return Err(Error::Invalid(format!(
                "{s}: not a local path nor s3://bucket/prefix"
            )));
        }
        if s.is_empty() {
            return Err(Error::Invalid("an empty path".into()));
        }
        Ok(Locator::Local(PathBuf::from(s)))
    }

    pub fn is_s3(&self) -> bool {
        matches!(self, Locator::S3(_))
    }

    /// The local path, if this is one.
    pub fn local_path(&self) -> Option<&Path> {
        match self {
            Locator::Local(p) => Some(p),
            Locator::S3(_) => None,
        }
    }

    /// Opens the folder: an S3 store for the bucket (credentials from `s3` and the
    /// environment), or the local folder, created when `create` is set and required otherwise.
    pub fn open(&self, s3: &S3Options, create: bool) -> Result<Location> {
        match self {
            Locator::S3(loc) => Location::s3(loc, s3),
            Locator::Local(p) => Location::local(p, create),
        }
    }
}

impl FromStr for Locator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Locator> {
        Locator::parse(s)
    }
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Locator::Local(p) => write!(f, "{}", p.display()),
            Locator::S3(loc) => f.write_str(&loc.url()),
        }
    }
}

impl From<PathBuf> for Locator {
    fn from(p: PathBuf) -> Locator {
        Locator::Local(p)
    }
}

impl From<&Path> for Locator {
    fn from(p: &Path) -> Locator {
        Locator::Local(p.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_once() {
        let s3 = Locator::parse("s3://bucket/a/b/").unwrap();
        assert_eq!(
            s3,
            Locator::S3(S3Location {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            })
        );
        assert_eq!(s3.to_string(), "s3://bucket/a/b");
        assert!(s3.is_s3() && s3.local_path().is_none());
        let local = Locator::parse("lake/x").unwrap();
        assert_eq!(local.local_path(), Some(Path::new("lake/x")));
        assert_eq!(local.to_string(), "lake/x");
        for bad in ["s3://", "s3:/bucket", "gs://bucket", "https://x/y", ""] {
            assert!(Locator::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_local_folder_must_exist_and_be_a_folder_unless_created() {
        // At run time: the path compiled in may be another checkout's (a shared target folder).
        let here = &PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into()),
        );
        let open = |p: PathBuf| Locator::Local(p).open(&S3Options::default(), false);
        let file = here.join("Cargo.toml");
        let err = open(file.clone()).unwrap_err().to_string();
        assert_eq!(err, format!("{}: not a folder", file.display()));
        let missing = here.join("no-such-folder");
        let err = open(missing.clone()).unwrap_err().to_string();
        assert_eq!(err, format!("{}: no such folder", missing.display()));
        assert!(!missing.exists(), "opening to read creates nothing");
        let loc = open(here.to_path_buf()).unwrap();
        assert!(!loc.is_s3() && loc.local_root() == Some(here));
    }
}
