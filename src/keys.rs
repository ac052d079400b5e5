//! Where the keys that protect personal data come from. Production sets
//! `FENQI_PII_KEYS` and `FENQI_PII_INDEX_KEY`; the embedded default makes a random pair on
//! first start and keeps it in a file beside the SQLite database (mode 0600), so a new
//! developer needs no setup and no key is ever shared through the repository.

use std::path::{Path, PathBuf};

use domain::pii::KeyRing;

use crate::config::{ConfigError, Settings};

const KEYS_VAR: &str = "FENQI_PII_KEYS";
const INDEX_VAR: &str = "FENQI_PII_INDEX_KEY";

/// The SQLite file behind a `sqlite:` URL, or `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

/// The key file for a SQLite database file.
pub fn key_file_for(db_file: &Path) -> PathBuf {
    let mut name = db_file.as_os_str().to_owned();
    name.push(".keys");
    PathBuf::from(name)
}

/// Resolves the key ring for `settings`.
pub fn resolve(settings: &Settings) -> Result<KeyRing, ConfigError> {
    match (&settings.pii_keys, &settings.pii_index_key) {
        (Some(keys), Some(index)) => KeyRing::from_config(keys, index).map_err(|e| {
            let setting = match e {
                domain::pii::KeyRingError::Keys(_) => KEYS_VAR,
                domain::pii::KeyRingError::IndexKey(_) => INDEX_VAR,
            };
            ConfigError {
                setting,
                message: e.to_string(),
            }
        }),
        (Some(_), None) => Err(ConfigError {
            setting: INDEX_VAR,
            message: "is required when FENQI_PII_KEYS is set".into(),
        }),
        (None, Some(_)) => Err(ConfigError {
            setting: KEYS_VAR,
            message: "is required when FENQI_PII_INDEX_KEY is set".into(),
        }),
        (None, None) if settings.is_embedded() => embedded_keys(settings),
        (None, None) => Err(ConfigError {
            setting: KEYS_VAR,
            message: "FENQI_PII_KEYS and FENQI_PII_INDEX_KEY must be set for a PostgreSQL database; `fenqi gen-keys` prints a fresh pair".into(),
        }),
    }
}

fn embedded_keys(settings: &Settings) -> Result<KeyRing, ConfigError> {
    let fail = |message: String| ConfigError {
        setting: KEYS_VAR,
        message,
    };
    let Some(db_file) = sqlite_path(&settings.database_url) else {
        let (keys, index) = KeyRing::generate_config().map_err(|e| fail(e.to_string()))?;
        return KeyRing::from_config(&keys, &index).map_err(|e| fail(e.to_string()));
    };
    let path = key_file_for(&db_file);
    if !path.exists() {
        let (keys, index) = KeyRing::generate_config().map_err(|e| fail(e.to_string()))?;
        write_private(&path, &format!("{KEYS_VAR}={keys}\n{INDEX_VAR}={index}\n")).map_err(
            |e| {
                fail(format!(
                    "cannot write the development key file {}: {e}",
                    path.display()
                ))
            },
        )?;
        tracing::warn!(
            file = %path.display(),
            "made development keys for personal data; production must set FENQI_PII_KEYS and FENQI_PII_INDEX_KEY"
        );
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(format!(
            "cannot read the development key file {}: {e}",
            path.display()
        ))
    })?;
    let value = |name: &str| {
        text.lines()
            .find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('='))
            })
            .map(str::trim)
            .map(str::to_owned)
    };
    match (value(KEYS_VAR), value(INDEX_VAR)) {
        (Some(keys), Some(index)) => KeyRing::from_config(&keys, &index)
            .map_err(|e| fail(format!("{}: {e}", path.display()))),
        _ => Err(fail(format!(
            "the development key file {} is incomplete; delete it only together with the database",
            path.display()
        ))),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_path("sqlite://fenqi.db?mode=rwc"),
            Some(PathBuf::from("fenqi.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db"),
            Some(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(
            key_file_for(Path::new("/tmp/a.db")),
            PathBuf::from("/tmp/a.db.keys")
        );
    }
}
