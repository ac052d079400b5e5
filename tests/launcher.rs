//! The `fenqi` command line as an operator meets it: the real binary, run in a fresh
//! folder with an environment of its own (nothing inherited, so CI's `FENQI_*` settings
//! change nothing), each child held to a time limit.
//!
//! What is checked here is what unit tests cannot see: which stream a line goes to, what
//! an error names, which files a failed run leaves behind, how long a failure takes.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

/// Longer than any command here should take; a child still running then is killed.
const LIMIT: Duration = Duration::from_secs(30);

/// A finished run of `fenqi`.
#[derive(Debug)]
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn succeeded(&self) -> bool {
        self.status.success()
    }
}

/// A `fenqi` command in `dir` with exactly the environment `env` (plus `PATH`).
fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fenqi"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `fenqi` to its end, killing it after [`LIMIT`].
fn fenqi(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let started = Instant::now();
    let mut child = command(dir, args, env).spawn().expect("start fenqi");
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for fenqi") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fenqi {args:?} ran longer than {LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let elapsed = started.elapsed();
    Run {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
        elapsed,
    }
}

fn read_all(stream: Option<impl Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_string(&mut text);
        }
        text
    })
}

/// A `fenqi` that keeps running (`serve`, `work`), killed when dropped.
struct Server {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    seen_stdout: Vec<String>,
    seen_stderr: Vec<String>,
}

impl Server {
    fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = command(dir, args, env).spawn().expect("start fenqi");
        let stdout = lines(child.stdout.take());
        let stderr = lines(child.stderr.take());
        Self {
            child,
            stdout,
            stderr,
            seen_stdout: Vec::new(),
            seen_stderr: Vec::new(),
        }
    }

    /// Collects output until a line on stdout (or stderr) satisfies `done`.
    fn wait_for(&mut self, on_stderr: bool, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + LIMIT;
        loop {
            while let Ok(line) = self.stdout.try_recv() {
                let hit = !on_stderr && done(&line);
                self.seen_stdout.push(line);
                if hit {
                    return;
                }
            }
            while let Ok(line) = self.stderr.try_recv() {
                let hit = on_stderr && done(&line);
                self.seen_stderr.push(line);
                if hit {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "fenqi stopped ({status}) before the expected line\nstdout:\n{}\nstderr:\n{}",
                    self.seen_stdout.join("\n"),
                    self.seen_stderr.join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "no expected line within {LIMIT:?}\nstdout:\n{}\nstderr:\n{}",
                self.seen_stdout.join("\n"),
                self.seen_stderr.join("\n")
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(stream: Option<impl Read + Send + 'static>) -> Receiver<String> {
    let (tx, rx) = channel();
    thread::spawn(move || {
        if let Some(stream) = stream {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        }
    });
    rx
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the temp dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn assert_no_database_made(dir: &Path) {
    let files = files_in(dir);
    assert!(
        !files.iter().any(|f| f.starts_with("fenqi")),
        "a failed run left files behind: {files:?}"
    );
}

/// A folder with a migrated embedded database, for the commands that need one.
fn migrated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = fenqi(dir.path(), &["migrate"], &[]);
    assert!(run.succeeded(), "{run:?}");
    dir
}

#[test]
fn version_is_printed_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--version", "-V"] {
        let run = fenqi(dir.path(), &[flag], &[]);
        assert!(run.succeeded(), "{run:?}");
        assert_eq!(run.stdout, format!("fenqi {}\n", env!("CARGO_PKG_VERSION")));
        assert_eq!(run.stderr, "");
    }
    assert_no_database_made(dir.path());
}

#[test]
fn create_staff_names_the_missing_flag_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(
        dir.path(),
        &["create-staff", "--name", "Ops", "--role", "admin"],
        &[],
    );
    assert!(!run.succeeded());
    assert!(run.stderr.contains("--email"), "{}", run.stderr);
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email",
            "--name",
            "Ops",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(!run.succeeded());
    assert!(
        run.stderr.contains("--email: needs a value"),
        "{}",
        run.stderr
    );
    assert_no_database_made(dir.path());
}

#[test]
fn create_staff_refuses_a_role_that_is_not_staff_without_offering_customer() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email=a@bank.example",
            "--name=A",
            "--role=root",
        ],
        &[],
    );
    assert!(!run.succeeded());
    assert!(run.stderr.contains("--role"), "{}", run.stderr);
    assert!(run.stderr.contains("admin"), "{}", run.stderr);
    assert!(!run.stderr.contains("customer"), "{}", run.stderr);
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email=a@bank.example",
            "--name=A",
            "--role=customer",
        ],
        &[],
    );
    assert!(!run.succeeded());
    assert!(run.stderr.contains("--role"), "{}", run.stderr);
    assert_no_database_made(dir.path());
}

#[test]
fn create_staff_names_a_weak_password_setting_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email=a@bank.example",
            "--name=A",
            "--role=admin",
        ],
        &[("FENQI_STAFF_PASSWORD", "short")],
    );
    assert!(!run.succeeded());
    assert!(
        run.stderr.contains("FENQI_STAFF_PASSWORD"),
        "{}",
        run.stderr
    );
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email=not-an-address",
            "--name=A",
            "--role=admin",
        ],
        &[],
    );
    assert!(!run.succeeded());
    assert!(run.stderr.contains("--email"), "{}", run.stderr);
    assert_no_database_made(dir.path());
}

#[test]
fn create_staff_accepts_flags_with_equals_and_answers_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email=ops@bank.example",
            "--name=Ops Lead",
            "--role=admin",
        ],
        &[("FENQI_STAFF_PASSWORD", "a-long-enough-password")],
    );
    assert!(run.succeeded(), "{run:?}");
    assert!(
        run.stdout.starts_with("Created Ops Lead (admin)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Initial password"), "{}", run.stdout);
    assert!(!run.stderr.contains("Created"), "{}", run.stderr);
    // The same address again fails, naming the flag; the database it found stays.
    let run = fenqi(
        dir.path(),
        &[
            "create-staff",
            "--email",
            "ops@bank.example",
            "--name",
            "Ops",
            "--role",
            "agent",
        ],
        &[],
    );
    assert!(!run.succeeded());
    assert!(run.stderr.contains("--email"), "{}", run.stderr);
    assert!(files_in(dir.path()).contains(&"fenqi.db".to_owned()));
}

#[test]
fn a_wrong_log_filter_stops_start_up_naming_fenqi_log() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["pretty", "json"] {
        let run = fenqi(
            dir.path(),
            &["migrate"],
            &[("FENQI_LOG", "bad["), ("FENQI_LOG_FORMAT", format)],
        );
        assert!(!run.succeeded(), "{run:?}");
        assert!(run.stderr.contains("FENQI_LOG"), "{}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    assert_no_database_made(dir.path());
}

#[test]
fn json_logs_are_json_lines_on_stderr_and_the_answer_is_alone_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(dir.path(), &["migrate"], &[("FENQI_LOG_FORMAT", "json")]);
    assert!(run.succeeded(), "{run:?}");
    assert_eq!(run.stdout, "The database schema is up to date.\n");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        !lines.is_empty(),
        "the new key file is announced in the log"
    );
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value.get("level").is_some(), "{line}");
    }
}

#[test]
fn pretty_logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(dir.path(), &["migrate"], &[]);
    assert!(run.succeeded(), "{run:?}");
    assert_eq!(run.stdout, "The database schema is up to date.\n");
    assert!(run.stderr.contains("WARN"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
}

#[test]
fn an_unreachable_postgres_is_named_in_seconds_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let keys = fenqi(dir.path(), &["gen-keys"], &[]);
    assert!(keys.succeeded(), "{keys:?}");
    let mut env: Vec<(&str, &str)> = keys
        .stdout
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    assert_eq!(env.len(), 2, "{}", keys.stdout);
    env.push(("FENQI_DATABASE_URL", "postgres://u:secret@127.0.0.1:1/x"));
    let run = fenqi(dir.path(), &["migrate"], &env);
    assert!(!run.succeeded(), "{run:?}");
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
    assert!(run.stderr.contains("FENQI_DATABASE_URL"), "{}", run.stderr);
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);
    assert!(run.stderr.contains("127.0.0.1:1"), "{}", run.stderr);
    assert!(!run.stderr.contains("secret"), "{}", run.stderr);
    assert!(!run.stdout.contains("secret"), "{}", run.stdout);
}

#[test]
fn a_sqlite_file_in_a_missing_folder_names_the_setting_and_makes_no_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let url = format!("sqlite://{}/fenqi.db?mode=rwc", missing.display());
    let run = fenqi(
        dir.path(),
        &["migrate"],
        &[("FENQI_DATABASE_URL", url.as_str())],
    );
    assert!(!run.succeeded(), "{run:?}");
    assert!(run.stderr.contains("FENQI_DATABASE_URL"), "{}", run.stderr);
    assert!(run.stderr.contains("no-such-folder"), "{}", run.stderr);
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn the_printed_schema_has_no_tabs_inside_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = fenqi(dir.path(), &["schema"], &[]);
    assert!(run.succeeded(), "{run:?}");
    for (number, line) in run.stdout.lines().enumerate() {
        assert!(
            !line.trim_start_matches('\t').contains('\t'),
            "line {}: {line:?} (an argument without a description beside one with?)",
            number + 1
        );
    }
}

#[test]
fn serve_on_localhost_announces_itself_in_one_json_line() {
    let dir = migrated();
    let mut server = Server::start(
        dir.path(),
        &["serve"],
        &[
            ("FENQI_LOG_FORMAT", "json"),
            ("FENQI_BIND", "localhost:0"),
            ("FENQI_HTTP_WORKERS", "1"),
        ],
    );
    server.wait_for(true, |line| line.contains("Fenqi is running"));
    let banner = server.seen_stderr.last().cloned().unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&banner).expect("the banner is JSON");
    let fields = &value["fields"];
    assert!(
        fields["graphiql_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/graphql")),
        "{banner}"
    );
    assert_eq!(fields["database"], "SQLite", "{banner}");
    // localhost counts as loopback, so a new embedded database gets the demo data.
    assert_eq!(fields["demo_data"], true, "{banner}");
    let _ = server.child.kill();
    let _ = server.child.wait();
    while let Ok(line) = server.stdout.recv_timeout(Duration::from_secs(5)) {
        server.seen_stdout.push(line);
    }
    assert!(
        server.seen_stdout.is_empty(),
        "nothing but JSON logs in JSON mode: {:?}",
        server.seen_stdout
    );
    for line in &server.seen_stderr {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "{line}"
        );
    }
}

#[test]
fn work_prints_no_login_hints() {
    let dir = migrated();
    let mut worker = Server::start(
        dir.path(),
        &["work"],
        &[("FENQI_WORKER_BIND", "127.0.0.1:0")],
    );
    worker.wait_for(false, |line| line.starts_with("Press Ctrl-C"));
    let banner = worker.seen_stdout.join("\n");
    assert!(banner.contains("/health"), "{banner}");
    assert!(!banner.to_lowercase().contains("login"), "{banner}");
    assert!(!banner.contains("GraphiQL"), "{banner}");
    assert!(!banner.contains("create-staff"), "{banner}");
}
