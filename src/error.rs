//! The one error type of the program: every failure a user can meet, the sentence that tells
//! them what to do next, and the exit code it maps to. Nothing else decides exit codes.

use std::fmt;

/// Exit codes. Documented in `--help`, README.md and docs/commands.md; pinned by a test.
pub mod exit {
    /// Success: verify found every check passing, install converged (or had nothing to do).
    pub const OK: i32 = 0;
    /// A negative verdict: verify found failing checks, or install could not make them pass
    /// (the transaction was rolled back, nothing changed).
    pub const CHECKS_FAILED: i32 = 1;
    /// Bad input: an unknown option, a malformed connection string, an invalid name, a
    /// password that was refused.
    pub const USAGE: i32 = 2;
    /// The server could not be reached or refused us: host, TLS, authentication, database.
    pub const CONNECTION: i32 = 3;
    /// Connected, but the connected role may not do this, or the database holds objects the
    /// tool refuses to take over.
    pub const REFUSED: i32 = 4;
    /// The server lacks something the tool needs: pgTAP files, a supported version, or (for
    /// the commands that write, and verify on a hot standby) the ability to write at all.
    pub const PREREQUISITE: i32 = 5;
    /// A lock could not be had within the timeout after every retry; nothing changed.
    pub const LOCK_TIMEOUT: i32 = 6;
    /// The server failed mid-run (connection lost, restart, unexpected SQL error); the
    /// transaction was rolled back.
    pub const SERVER: i32 = 7;
    /// A bug in the tool itself: a SQL file that does not render, pgTAP output it cannot
    /// read, a man page that does not render. Not the server's fault, and not the user's.
    pub const INTERNAL: i32 = 8;

    /// The exit code of a run that ended without an error: 1 when the checks fail (verify
    /// found differences; install rolled back), else the code of a failed --check-login (the
    /// password was set and committed, logging in with it did not work), else 0.
    pub fn verdict(
        checks_pass: bool,
        login: Option<&std::result::Result<(), super::Error>>,
    ) -> i32 {
        match login {
            _ if !checks_pass => CHECKS_FAILED,
            Some(Err(e)) => e.exit_code(),
            _ => OK,
        }
    }
}

#[derive(Debug)]
pub enum Error {
    /// Bad input from the command line or environment. The message says what to fix.
    Usage(String),
    /// Could not connect. `target` is already redacted.
    Connection { target: String, reason: String },
    /// Connected but not allowed, or refused to touch foreign objects.
    Refused(String),
    /// Server lacks a prerequisite.
    Prerequisite(String),
    /// Gave up waiting for a lock.
    LockTimeout(String),
    /// The server failed during the run.
    Server(String),
    /// A bug in connect-pg-admin (a template, the TAP it reads back, the man page): what went
    /// wrong, without the "internal error" framing that Display adds.
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Connection { .. } => exit::CONNECTION,
            Error::Refused(_) => exit::REFUSED,
            Error::Prerequisite(_) => exit::PREREQUISITE,
            Error::LockTimeout(_) => exit::LOCK_TIMEOUT,
            Error::Server(_) => exit::SERVER,
            Error::Internal(_) => exit::INTERNAL,
        }
    }

    /// Classifies an error from the server that happened after connecting. Permission errors
    /// become `Refused`, lost connections and everything else `Server`.
    pub fn from_db(context: &str, e: &postgres::Error) -> Error {
        use postgres::error::SqlState;
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            let msg = one_line(db.message());
            if *code == SqlState::INSUFFICIENT_PRIVILEGE {
                return Error::Refused(format!(
                    "{context}: permission denied ({msg}): the connected role lacks that privilege; connect as a superuser (docs/security.md, \"Privileges\")"
                ));
            }
            if *code == SqlState::LOCK_NOT_AVAILABLE {
                return Error::LockTimeout(format!("{context}: {msg}"));
            }
            if *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
            {
                return Error::Server(format!(
                    "{context}: the server shut down or terminated our session ({msg}); nothing was committed, run the command again"
                ));
            }
            return Error::Server(format!("{context}: {msg}"));
        }
        if e.is_closed() {
            return Error::Server(format!(
                "{context}: the connection to the server was lost; nothing was committed, run the command again"
            ));
        }
        Error::Server(format!(
            "{context}: {}; nothing was committed, run the command again",
            one_line(&e.to_string())
        ))
    }
}

/// Server messages can span lines; our errors are one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m)
            | Error::Refused(m)
            | Error::Prerequisite(m)
            | Error::LockTimeout(m)
            | Error::Server(m) => f.write_str(m),
            Error::Connection { target, reason } => {
                write!(f, "could not connect to {target}: {reason}")
            }
            Error::Internal(m) => write!(
                f,
                "internal error in connect-pg-admin {}: {m}; nothing was committed: please report it with the command line that led to it",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_have_their_own_code_and_say_it_is_a_bug() {
        let e = Error::Internal("SQL variable :x has no value".into());
        assert_eq!(e.exit_code(), exit::INTERNAL);
        let others = [
            Error::Usage(String::new()),
            Error::Connection {
                target: String::new(),
                reason: String::new(),
            },
            Error::Refused(String::new()),
            Error::Prerequisite(String::new()),
            Error::LockTimeout(String::new()),
            Error::Server(String::new()),
        ];
        assert!(others.iter().all(|o| o.exit_code() != exit::INTERNAL));
        let text = e.to_string();
        assert!(
            text.starts_with("internal error in connect-pg-admin "),
            "{text}"
        );
        assert!(text.contains("SQL variable :x has no value"), "{text}");
        assert!(text.contains("please report it"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn a_template_and_a_tap_stream_the_tool_cannot_read_are_internal_errors() {
        let e = crate::contract::template::render("SELECT :'nope'", &[]).unwrap_err();
        assert_eq!(e.exit_code(), exit::INTERNAL, "{e}");
        let checks = crate::contract::catalog::checks();
        let e = crate::contract::checks::parse("ok 1\nok 2\n", &checks[..1]).unwrap_err();
        assert_eq!(e.exit_code(), exit::INTERNAL, "{e}");
    }
}
