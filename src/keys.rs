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

/// Refuses a SQLite database in a folder that does not exist, naming `FENQI_DATABASE_URL`
/// and the folder. Checked before anything is made, so the key file is not written beside a
/// database that can never open, and the operator reads which setting to fix instead of
/// SQLite's "unable to open database file".
pub fn require_sqlite_folder(database_url: &str) -> Result<(), ConfigError> {
    let Some(file) = sqlite_path(database_url) else {
        return Ok(());
    };
    let folder = match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => return Ok(()),
    };
    if folder.is_dir() {
        return Ok(());
    }
    let what = if folder.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(ConfigError {
        setting: "FENQI_DATABASE_URL",
        message: format!(
            "the folder {} of the SQLite file {what}; create it or choose another path",
            folder.display()
        ),
    })
}

/// The files of the embedded database that are not there yet: the SQLite file, its
/// companions (`-wal`, `-shm`, `-journal`) and the key file. A one-shot command such as
/// `create-staff` takes this list before it starts and, when it fails, removes exactly
/// what it made, never a file the operator already had.
#[derive(Debug, Default)]
pub struct NewFiles(Vec<PathBuf>);

impl NewFiles {
    /// Lists the files for `database_url` that do not exist now (none for PostgreSQL or
    /// an in-memory database).
    pub fn not_yet_present(database_url: &str) -> Self {
        let Some(db_file) = sqlite_path(database_url) else {
            return Self::default();
        };
        let mut candidates = vec![key_file_for(&db_file)];
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = db_file.as_os_str().to_owned();
            name.push(suffix);
            candidates.push(PathBuf::from(name));
        }
        candidates.push(db_file);
        Self(candidates.into_iter().filter(|p| !p.exists()).collect())
    }

    /// Removes whichever of the listed files now exist. Close the database first.
    pub fn remove(&self) {
        for path in &self.0 {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "could not remove a file this run made");
                }
            }
        }
    }
}

/// Resolves the key ring for `settings`.
pub fn resolve(settings: &Settings) -> Result<KeyRing, ConfigError> {
    match (&settings.pii_keys, &settings.pii_index_key) {
        (Some(keys), Some(index)) => KeyRing::from_config(keys.expose(), index.expose()).map_err(|e| {
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
    fn a_sqlite_file_in_a_missing_folder_names_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/folder");
        let url = format!("sqlite://{}/fenqi.db?mode=rwc", missing.display());
        let err = require_sqlite_folder(&url).unwrap_err();
        assert_eq!(err.setting, "FENQI_DATABASE_URL");
        assert!(
            err.message.contains(&missing.display().to_string()),
            "{err}"
        );
        let here = format!("sqlite://{}/fenqi.db?mode=rwc", dir.path().display());
        assert!(require_sqlite_folder(&here).is_ok());
        assert!(require_sqlite_folder("sqlite://fenqi.db?mode=rwc").is_ok());
        assert!(require_sqlite_folder("sqlite::memory:").is_ok());
        assert!(require_sqlite_folder("postgres://u:p@db/x").is_ok());
    }

    #[test]
    fn only_the_files_a_run_made_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("f.db");
        let keys = key_file_for(&db);
        std::fs::write(&keys, "kept").unwrap();
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let new = NewFiles::not_yet_present(&url);
        std::fs::write(&db, "made").unwrap();
        std::fs::write(dir.path().join("f.db-wal"), "made").unwrap();
        new.remove();
        assert!(!db.exists());
        assert!(!dir.path().join("f.db-wal").exists());
        assert!(keys.exists(), "a file that was there before stays");
        assert!(NewFiles::not_yet_present("postgres://db/x").0.is_empty());
    }

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
