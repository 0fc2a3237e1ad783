//! What status reports: six labelled lines for a person, the checks' TAP, or the `status`
//! object of the machine formats (docs/commands.md, "status").

use serde::Serialize;

use super::term::{self, Paint};
use super::{out, Context, Machine, Run};
use crate::cli::Format;
use crate::commands::status::{CitusStatus, LastChange, Status};

/// A part that could not be read serializes as `{"error": why}` in its place.
#[derive(Serialize)]
#[serde(untagged)]
enum Known<'a, T> {
    Value(T),
    Unknown { error: &'a str },
}

fn known<'a, T, U>(r: &'a Result<T, String>, f: impl FnOnce(&'a T) -> U) -> Known<'a, U> {
    match r {
        Ok(v) => Known::Value(f(v)),
        Err(e) => Known::Unknown { error: e },
    }
}

#[derive(Serialize)]
struct StatusDoc<'a> {
    /// "hot standby" or "read-only" (null: writable).
    read_only: Option<&'a str>,
    schema_exists: bool,
    schema_owner: Option<&'a str>,
    table_exists: bool,
    last_change: Known<'a, LastChangeDoc<'a>>,
    checks: Known<'a, CheckCounts>,
    sessions: Known<'a, SessionCounts>,
    app_role: AppRoleDoc<'a>,
    /// Only on a Citus coordinator, so that a single-node status reads exactly as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    citus: Option<CitusDoc<'a>>,
}

#[derive(Serialize)]
struct CitusDoc<'a> {
    version: &'a str,
    workers: &'a [String],
    shards: Known<'a, i64>,
}

#[derive(Serialize)]
struct LastChangeDoc<'a> {
    tool_version: &'a str,
    at: &'a str,
    by: &'a str,
    steps: i32,
}

#[derive(Serialize)]
struct CheckCounts {
    pass: usize,
    /// Skipped by pgTAP: the connected role may not read what they look at.
    skip: usize,
    fail: usize,
}

#[derive(Serialize)]
struct SessionCounts {
    live: i64,
    expired: i64,
}

#[derive(Serialize)]
struct AppRoleDoc<'a> {
    name: &'a str,
    exists: bool,
    login: bool,
    expired: bool,
    /// It may connect to this database.
    connect: bool,
    /// The kind of password (null: none), or why that is unknown.
    password: Known<'a, Option<&'a str>>,
    can_log_in: Option<bool>,
}

impl<'a> StatusDoc<'a> {
    fn new(run: &'a Run, s: &'a Status) -> StatusDoc<'a> {
        StatusDoc {
            read_only: s.read_only,
            schema_exists: s.schema_exists,
            schema_owner: s.schema_owner.as_deref(),
            table_exists: s.table_exists,
            last_change: known(&s.last_change, |c: &'a LastChange| LastChangeDoc {
                tool_version: &c.tool_version,
                at: &c.at,
                by: &c.by,
                steps: c.steps,
            }),
            checks: known(&s.checks, |o| CheckCounts {
                pass: o
                    .results
                    .iter()
                    .filter(|c| c.passed && c.skipped.is_none())
                    .count(),
                skip: o.skipped(),
                fail: o.failing().len(),
            }),
            sessions: known(&s.sessions, |&(live, expired)| SessionCounts {
                live,
                expired,
            }),
            app_role: AppRoleDoc {
                name: &run.role,
                exists: s.role.exists,
                login: s.role.login,
                expired: s.role.expired,
                connect: s.role.connect,
                password: known(&s.role.password, |kind| kind.as_deref()),
                can_log_in: s.role.can_log_in(),
            },
            citus: s.citus.as_ref().map(|c| CitusDoc {
                version: &c.version,
                workers: &c.workers,
                shards: known(&c.shards, |n| *n),
            }),
        }
    }
}

fn status_outcome(s: &Status) -> &'static str {
    match &s.checks {
        _ if !s.schema_exists => "not_installed",
        Ok(o) if o.all_pass() => "installed",
        Ok(_) => "failing",
        Err(_) => "unknown",
    }
}

/// `13.2-1: coordinator + 2 worker(s) (h:p, h:p), 32 shards of the session table`.
fn citus_line(c: &CitusStatus) -> String {
    let shards = match &c.shards {
        Ok(0) => "the session table is not distributed".to_string(),
        Ok(n) => format!("{n} shards of the session table"),
        Err(e) => format!("shards unknown: {e}"),
    };
    format!(
        "{}: coordinator + {} worker(s) ({}), {shards}",
        c.version,
        c.workers.len(),
        c.workers.join(", ")
    )
}

fn role_line(info: &Run, s: &Status) -> String {
    let r = &s.role;
    if !r.exists {
        return format!("{} does not exist", info.role);
    }
    let why = if !r.login {
        "it is NOLOGIN".to_string()
    } else if r.expired {
        "its VALID UNTIL has passed".to_string()
    } else if !r.connect {
        "it has no CONNECT on this database (install grants it)".to_string()
    } else {
        match &r.password {
            Ok(Some(kind)) => format!("LOGIN, {kind} password"),
            Ok(None) => "it has no password: run set-password".to_string(),
            Err(e) => format!("LOGIN; whether it has a password is unknown: {e}"),
        }
    };
    match r.can_log_in() {
        Some(true) => format!(
            "{} {} ({why})",
            info.role,
            term::out("can log in", Paint::Green)
        ),
        Some(false) => format!(
            "{} {}: {why}",
            info.role,
            term::out("cannot log in", Paint::Red)
        ),
        None => format!("{} may be able to log in: {why}", info.role),
    }
}

impl Context {
    pub fn status(&self, s: &Status) {
        let info = &self.run;
        let style = self.style;
        match style.format {
            Format::Human => {
                let schema = if s.schema_exists {
                    format!(
                        "{}, owned by {}{}",
                        info.schema,
                        s.schema_owner.as_deref().unwrap_or("?"),
                        if s.table_exists {
                            ""
                        } else {
                            " (no session table)"
                        }
                    )
                } else {
                    format!(
                        "{} {}",
                        info.schema,
                        term::out("is not installed", Paint::Red)
                    )
                };
                let last = match &s.last_change {
                    Ok(c) => format!(
                        "{} by connect-pg-admin {} as {} ({} step(s))",
                        c.at, c.tool_version, c.by, c.steps
                    ),
                    Err(e) => format!("unknown: {e}"),
                };
                let checks = match &s.checks {
                    Ok(o) if o.all_pass() && o.skipped() > 0 => term::out(
                        &format!(
                            "all {} that ran pass, {} skipped",
                            o.results.len() - o.skipped(),
                            o.skipped()
                        ),
                        Paint::Green,
                    ),
                    Ok(o) if o.all_pass() => {
                        term::out(&format!("all {} pass", o.results.len()), Paint::Green)
                    }
                    Ok(o) => {
                        let failing: Vec<&str> =
                            o.failing().iter().map(|c| c.name.as_str()).collect();
                        term::out(
                            &format!(
                                "{} of {} fail: {}",
                                failing.len(),
                                o.results.len(),
                                failing.join(", ")
                            ),
                            Paint::Red,
                        )
                    }
                    Err(e) => format!("not run: {e}"),
                };
                let sessions = match &s.sessions {
                    Ok((live, expired)) => format!("{live} live, {expired} expired"),
                    Err(e) => format!("unknown: {e}"),
                };
                let target = match s.read_only {
                    Some(kind) => format!("{} ({kind})", info.target),
                    None => info.target.clone(),
                };
                let mut lines = vec![
                    ("target", target),
                    ("schema", schema),
                    ("last change", last),
                    ("checks", checks),
                    ("sessions", sessions),
                    ("app role", role_line(info, s)),
                ];
                if let Some(c) = &s.citus {
                    lines.push(("citus", citus_line(c)));
                }
                let mut text = String::new();
                for (label, value) in lines {
                    text.push_str(&format!("{label:<12}{value}\n"));
                }
                out(&text);
            }
            Format::Tap => out(&match &s.checks {
                Ok(o) => o.tap.clone(),
                Err(e) => format!("TAP version 13\n1..0 # SKIP {}\n", e.replace('\n', " ")),
            }),
            Format::Json | Format::Junit | Format::Github => {
                let checks = s.checks.as_ref().map(|o| &o.results[..]).unwrap_or(&[]);
                let extra = serde_json::to_value(StatusDoc::new(info, s)).unwrap_or_default();
                out(&self.machine(Machine {
                    outcome: status_outcome(s),
                    checks,
                    extra: Some(("status", extra)),
                    ..Machine::default()
                }));
            }
        }
    }
}
