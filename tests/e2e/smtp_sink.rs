//! A real SMTP server for the tests (Python's aiosmtpd, `tests/support/smtp_sink.py`),
//! listening on a free port; what it accepts is read back decoded. `.ci/run` installs
//! aiosmtpd; elsewhere a test without it says so and stops early, except under `CI`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running SMTP server and the folder it writes to.
pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts one; `None` (with a note) when Python or aiosmtpd is missing outside CI.
    pub fn start() -> Option<SmtpSink> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let has_aiosmtpd = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !has_aiosmtpd {
            assert!(
                std::env::var("CI").is_err(),
                "aiosmtpd is missing (pip install aiosmtpd); CI must install it"
            );
            eprintln!(
                "skipping the SMTP part: python3 with aiosmtpd is not installed (pip install aiosmtpd)"
            );
            return None;
        }
        let dir = tempfile::tempdir().expect("sink folder");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the sink's port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the sink said {line:?}"));
        Some(SmtpSink { child, port, dir })
    }

    /// The URL for `FENQI_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message it accepted, decoded, in order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("a message"))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
