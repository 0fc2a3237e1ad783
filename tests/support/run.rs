//! Running the real binary: a scrubbed environment, no controlling terminal, a timeout, and
//! a `Run` that prints everything when an assertion about it fails.

use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The outcome of one run of a command.
#[derive(Debug, Clone)]
pub struct Run {
    /// The exit code; a process killed by signal N reports 128 + N, as a shell would.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The command line (program, arguments, environment overrides; passwords redacted).
    pub command: String,
}

impl Run {
    /// Panics with the whole run unless the exit code is `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code\n{self}");
        self
    }

    /// Panics with the whole run unless stdout holds `text`.
    #[track_caller]
    pub fn assert_stdout_has(&self, text: &str) -> &Self {
        assert!(self.stdout.contains(text), "stdout lacks {text:?}\n{self}");
        self
    }

    /// Panics with the whole run unless stderr holds `text`.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) -> &Self {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}\n{self}");
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command:   {}", self.command)?;
        writeln!(f, "exit code: {}", self.code)?;
        writeln!(f, "--- stdout ---")?;
        write!(f, "{}", self.stdout)?;
        if !self.stdout.is_empty() && !self.stdout.ends_with('\n') {
            writeln!(f)?;
        }
        writeln!(f, "--- stderr ---")?;
        write!(f, "{}", self.stderr)?;
        if !self.stderr.is_empty() && !self.stderr.ends_with('\n') {
            writeln!(f)?;
        }
        writeln!(f, "--------------")
    }
}

/// Names of the checks a human-format run reported as failing (`not ok  <name> ...`), sorted.
pub fn failing_checks(run: &Run) -> Vec<String> {
    let mut names: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("not ok"))
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Names of the checks a JSON document lists as failing, in the document's order.
pub fn failing_in_json(doc: &serde_json::Value) -> Vec<&str> {
    doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["name"].as_str().unwrap_or_default())
        .collect()
}

/// The real `connect-pg-admin` binary with `PG*` and `DATABASE_URL` removed from its
/// environment, `NO_COLOR=1`, stdin from /dev/null, and no controlling terminal (it runs in
/// a session of its own, so it cannot open /dev/tty to prompt: tests behave the same in a
/// terminal as in CI).
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect-pg-admin"));
    super::scrub_pg_env(&mut cmd);
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    new_session(&mut cmd);
    cmd
}

fn new_session(cmd: &mut Command) {
    // SAFETY: setsid is async-signal-safe and touches nothing of the parent's.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Runs `cmd` with its stdin as configured (null for `bin()`), capturing stdout and stderr.
pub fn run(cmd: Command) -> Run {
    run_inner(cmd, None)
}

/// Runs `cmd` with `stdin` bytes as its standard input (or /dev/null for `None`).
pub fn run_with_stdin(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    if stdin.is_none() {
        cmd.stdin(Stdio::null());
    }
    run_inner(cmd, stdin)
}

fn timeout() -> Duration {
    let secs = std::env::var("CPA_CLI_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// Program, arguments and the environment changes, with secrets redacted.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (key, value) in cmd.get_envs() {
        let Some(value) = value else { continue };
        let key = key.to_string_lossy();
        let shown = if key.contains("PASSWORD") {
            "<redacted>".to_string()
        } else {
            shell_quote(&value.to_string_lossy())
        };
        parts.push(format!("{key}={shown}"));
    }
    parts.push(shell_quote(&cmd.get_program().to_string_lossy()));
    parts.extend(cmd.get_args().map(|a| shell_quote(&a.to_string_lossy())));
    parts.join(" ")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn run_inner(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    let command = describe(&cmd);
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{command}`: {e}"));

    let writer = stdin.map(|bytes| {
        let bytes = bytes.to_vec();
        let mut pipe = child.stdin.take();
        std::thread::spawn(move || {
            if let Some(pipe) = pipe.as_mut() {
                // The child may exit without reading it all: EPIPE is not our failure.
                let _ = pipe.write_all(&bytes);
            }
        })
    });
    let out = reader(child.stdout.take());
    let err = reader(child.stderr.take());

    let limit = timeout();
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                // SAFETY: the child has not been reaped (try_wait said so), so its pid, which
                // is also its process group (setsid), is still ours.
                unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
                let _ = child.kill();
                let _ = child.wait();
                let stdout = out.join().unwrap_or_default();
                let stderr = err.join().unwrap_or_default();
                panic!(
                    "killed after {limit:?} (CPA_CLI_TIMEOUT_SECS)\n{}",
                    Run {
                        code: -1,
                        stdout,
                        stderr,
                        command
                    }
                );
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(e) => panic!("waiting for `{command}`: {e}"),
        }
    };
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    let stdout = out
        .join()
        .unwrap_or_else(|_| panic!("reading stdout of `{command}` panicked"));
    let stderr = err
        .join()
        .unwrap_or_else(|_| panic!("reading stderr of `{command}` panicked"));
    let code = status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(-1);
    Run {
        code,
        stdout,
        stderr,
        command,
    }
}

fn reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error leaves what was read so far; the Run still shows it.
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
