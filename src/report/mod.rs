//! The only module that prints results. Results go to stdout in the chosen format; errors go
//! to stderr, prefixed with the program's name, one line each. Colour, progress and prompts
//! (term.rs) only ever reach a terminal; the machine formats are in machine.rs.

mod machine;
mod term;

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

use term::Paint;
pub use term::{ask, interactive, set_color, Progress};

use crate::cli::Format;
use crate::commands::install::apply::{AppliedStep, Installed};
use crate::commands::set_password;
use crate::contract::checks::{CheckResult, Outcome};
use crate::error::Error;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
}

/// What the machine formats say about the run besides its results. Set once by `begin`.
pub struct RunInfo {
    pub command: &'static str,
    /// The connection target, password redacted.
    pub target: String,
    pub schema: String,
    pub role: String,
    pub started: Instant,
}

static STARTED: OnceLock<Instant> = OnceLock::new();
static RUN: OnceLock<(RunInfo, Format)> = OnceLock::new();

/// Starts the clock that `timings.total_ms` reads; call first thing.
pub fn start_clock() {
    let _ = STARTED.set(Instant::now());
}

/// Records what the run is about, once the connection settings are known.
pub fn begin(command: &'static str, target: String, names: &crate::names::Names, format: Format) {
    let _ = RUN.set((
        RunInfo {
            command,
            target,
            schema: names.schema.clone(),
            role: names.role.clone(),
            started: STARTED.get().copied().unwrap_or_else(Instant::now),
        },
        format,
    ));
}

fn run_info() -> &'static RunInfo {
    static FALLBACK: OnceLock<RunInfo> = OnceLock::new();
    RUN.get().map(|(r, _)| r).unwrap_or_else(|| {
        FALLBACK.get_or_init(|| RunInfo {
            command: "",
            target: String::new(),
            schema: String::new(),
            role: String::new(),
            started: STARTED.get().copied().unwrap_or_else(Instant::now),
        })
    })
}

fn machine(format: Format, r: &machine::Report) -> String {
    match format {
        Format::Junit => machine::junit(r),
        _ => machine::json(r),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub fn error(e: &Error) {
    eprintln!("connect-pg-admin: {} {e}", term::err("error:", Paint::Red));
}

/// connect-pg 1.1.x's installer functions found outside the schema
/// (`apply::legacy_leftovers`): a note on stderr, since they are no result of the run but
/// something the operator should know about. --quiet leaves it out.
pub fn legacy_leftovers(functions: &[String], style: Style) {
    if functions.is_empty() || style.quiet {
        return;
    }
    let is_test = |f: &&String| f.contains(".test_web_");
    let tests = functions.iter().filter(is_test).count();
    let mut named: Vec<String> = functions.iter().filter(|f| !is_test(f)).cloned().collect();
    if tests > 0 {
        named.push(format!("{tests} test_web_* functions"));
    }
    eprintln!(
        "connect-pg-admin: note: connect-pg 1.1.x's installer is still in this database ({}); \
         install leaves it alone, but running correct_web() again would undo the upgrade: \
         docs/upgrade.md says how to remove it",
        named.join(", ")
    );
}

/// The error that ends the run: on stderr, and with --format json or junit also as the run's
/// document on stdout, so that a CI step collecting the report finds one.
pub fn fatal(e: &Error) {
    error(e);
    if let Some((run, format @ (Format::Json | Format::Junit))) = RUN.get() {
        out(&machine(
            *format,
            &machine::Report {
                run,
                outcome: "error",
                checks: &[],
                failing_before: None,
                steps: &[],
                error: Some((e.exit_code(), e.to_string())),
                extra: None,
            },
        ));
    }
}

/// A shell completion script for `shell`, generated from the clap definition.
pub fn completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "connect-pg-admin", &mut buf);
    out(&String::from_utf8_lossy(&buf));
}

/// The man page, generated from the clap definition: the top-level page with every command's
/// options appended, so `man connect-pg-admin` shows everything.
pub fn man() -> crate::error::Result<()> {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    let mut buf = Vec::new();
    let render = |cmd: clap::Command, buf: &mut Vec<u8>| {
        clap_mangen::Man::new(cmd)
            .render(buf)
            .map_err(|e| Error::Server(format!("internal: rendering the man page: {e}")))
    };
    render(cmd.clone(), &mut buf)?;
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "man" || sub.get_name() == "help" {
            continue;
        }
        let name = format!("connect-pg-admin {}", sub.get_name());
        buf.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let mut page = Vec::new();
        let sub = sub.clone().bin_name(name);
        let man = clap_mangen::Man::new(sub);
        man.render_description_section(&mut page)
            .and_then(|_| man.render_synopsis_section(&mut page))
            .and_then(|_| man.render_options_section(&mut page))
            .map_err(|e| Error::Server(format!("internal: rendering the man page: {e}")))?;
        // Each section renders its own .SH heading; below a command they become sub-headings.
        buf.extend_from_slice(
            String::from_utf8_lossy(&page)
                .replace(".SH ", ".SS ")
                .as_bytes(),
        );
    }
    out(&String::from_utf8_lossy(&buf));
    Ok(())
}

pub fn verify(outcome: &Outcome, style: Style) {
    match style.format {
        Format::Tap => out(&outcome.tap),
        Format::Human => out(&checks_table(&outcome.results, style, true)),
        Format::Json | Format::Junit => out(&machine(
            style.format,
            &machine::Report {
                run: run_info(),
                outcome: if outcome.all_pass() { "pass" } else { "fail" },
                checks: &outcome.results,
                failing_before: None,
                steps: &[],
                error: None,
                extra: None,
            },
        )),
    }
}

pub fn install(result: &Installed, style: Style) {
    out(&install_text(result, style));
}

fn install_text(result: &Installed, style: Style) -> String {
    match style.format {
        Format::Tap => match result {
            Installed::UpToDate { checks } => checks.tap.clone(),
            Installed::DryRun { before, .. } => before.tap.clone(),
            Installed::Committed { after, .. } | Installed::RolledBack { after, .. } => {
                after.tap.clone()
            }
        },
        Format::Human => install_human(result, style),
        Format::Json | Format::Junit => {
            let (outcome, checks, before, steps) = match result {
                Installed::UpToDate { checks } => ("up_to_date", checks, checks, &[][..]),
                Installed::DryRun { before, steps } => ("dry_run", before, before, &steps[..]),
                Installed::Committed {
                    before,
                    steps,
                    after,
                } => ("committed", after, before, &steps[..]),
                Installed::RolledBack {
                    before,
                    steps,
                    after,
                } => ("rolled_back", after, before, &steps[..]),
            };
            machine(
                style.format,
                &machine::Report {
                    run: run_info(),
                    outcome,
                    checks: &checks.results,
                    failing_before: Some(
                        before.failing().iter().map(|c| c.name.as_str()).collect(),
                    ),
                    steps,
                    error: None,
                    extra: None,
                },
            )
        }
    }
}

/// `install` with a password option. The password was set in the install's own commit, so an
/// install that had nothing to repair did change the database. With --generate the install
/// report goes to stderr: stdout holds the password alone.
pub fn install_with_password(
    result: &Installed,
    password: Option<&set_password::Outcome>,
    style: Style,
) {
    let Some(password) = password else {
        return install(result, style);
    };
    let text = match (result, style.format) {
        (Installed::UpToDate { checks }, Format::Human) => {
            format!(
                "All {} checks pass; nothing to repair.\n",
                checks.results.len()
            )
        }
        _ => install_text(result, style),
    };
    if password.generated.is_some() {
        eprint!("{text}");
    } else {
        out(&text);
    }
    self::password(password, style);
}

/// The outcome of a password change. Informational lines go to stdout, or to stderr when
/// stdout carries the generated password or a machine-readable format; the generated password
/// is printed last, on stdout, alone, even when --check-login failed (it was committed, and
/// is needed).
pub fn password(outcome: &set_password::Outcome, style: Style) {
    let info = |line: &str| {
        if style.quiet {
            return;
        }
        if outcome.generated.is_some() || style.format != Format::Human {
            eprintln!("{line}");
        } else {
            out(&format!("{line}\n"));
        }
    };
    info(&format!(
        "Password of role {} set: sent as a SCRAM-SHA-256 verifier, never in plain text; committed.",
        outcome.role
    ));
    if !outcome.logging_suppressed && !style.quiet {
        eprintln!(
            "connect-pg-admin: note: the connected role may not turn statement logging off, so the server log may hold the SCRAM verifier (never the password)"
        );
    }
    match &outcome.login {
        Some(Ok(())) => info(&format!(
            "Logged in as {} with the new password.",
            outcome.role
        )),
        Some(Err(e)) => error(e),
        None => {}
    }
    if let Some(generated) = &outcome.generated {
        out(&format!("{generated}\n"));
    }
}

fn install_human(result: &Installed, style: Style) -> String {
    let mut s = String::new();
    if style.quiet
        && matches!(
            result,
            Installed::UpToDate { .. } | Installed::Committed { .. }
        )
    {
        return s;
    }
    match result {
        Installed::UpToDate { checks } => {
            if style.verbose > 0 {
                s.push_str(&checks_table(&checks.results, style, false));
            }
            s.push_str(&format!(
                "Nothing to do: all {} checks pass; the database was not changed.\n",
                checks.results.len()
            ));
        }
        Installed::DryRun { before, steps } => {
            s.push_str(&failing_block(before, style));
            s.push_str(&format!(
                "Dry run: {} step(s) would run; nothing was changed.\n",
                steps.len()
            ));
            for step in steps {
                s.push_str(&format!(
                    "\n-- step {}\n{}\n",
                    step.name,
                    step.sql.trim_end()
                ));
            }
        }
        Installed::Committed {
            before,
            steps,
            after,
        } => {
            s.push_str(&failing_block(before, style));
            s.push_str(&steps_block(steps, style));
            if style.verbose > 0 {
                s.push_str(&checks_table(&after.results, style, false));
            }
            s.push_str(&format!(
                "Installed: all {} checks pass after {} step(s); committed.\n",
                after.results.len(),
                steps.len()
            ));
        }
        Installed::RolledBack {
            before,
            steps,
            after,
        } => {
            s.push_str(&failing_block(before, style));
            s.push_str(&steps_block(steps, style));
            s.push_str("Still failing after the steps:\n");
            s.push_str(&checks_table(
                &after.results,
                Style {
                    quiet: true,
                    ..style
                },
                false,
            ));
            s.push_str("Rolled back: nothing was changed.\n");
        }
    }
    s
}

fn failing_block(before: &Outcome, style: Style) -> String {
    let failing = before.failing();
    let mut s = format!(
        "{} of {} checks failed:\n",
        failing.len(),
        before.results.len()
    );
    let width = name_width(before.results.iter());
    for f in failing {
        s.push_str(&format!(
            "  {}  {:width$}  {}\n",
            term::out("not ok", Paint::Red),
            f.name,
            f.description
        ));
        if style.verbose > 0 {
            for d in &f.diagnostics {
                s.push_str(&format!("          {:width$}  {}\n", "", d));
            }
        }
    }
    s
}

fn steps_block(steps: &[AppliedStep], style: Style) -> String {
    let mut s = format!("Applied {} step(s):\n", steps.len());
    for step in steps {
        let retries = if step.attempts > 1 {
            format!(" ({} attempts)", step.attempts)
        } else {
            String::new()
        };
        s.push_str(&format!(
            "  applied {} in {}ms{}\n",
            step.name,
            step.elapsed.as_millis(),
            retries
        ));
        if style.verbose > 1 {
            s.push_str(&format!("{}\n", step.sql.trim_end()));
        }
    }
    s
}

fn name_width<'a>(results: impl Iterator<Item = &'a CheckResult>) -> usize {
    results.map(|r| r.name.len()).max().unwrap_or(0)
}

fn checks_table(results: &[CheckResult], style: Style, summary: bool) -> String {
    let width = name_width(results.iter());
    let mut s = String::new();
    for r in results {
        if r.passed && style.quiet {
            continue;
        }
        let mark = if r.passed {
            format!("{}    ", term::out("ok", Paint::Green))
        } else {
            term::out("not ok", Paint::Red)
        };
        s.push_str(&format!("{mark}  {:width$}  {}\n", r.name, r.description));
        if !r.passed {
            for d in &r.diagnostics {
                s.push_str(&format!("        {:width$}  {}\n", "", d));
            }
        }
    }
    if summary {
        let failed = results.iter().filter(|r| !r.passed).count();
        if failed == 0 {
            if !style.quiet {
                s.push_str(&format!(
                    "{}\n",
                    term::out(&format!("All {} checks pass.", results.len()), Paint::Bold)
                ));
            }
        } else {
            s.push_str(&format!(
                "{}\n",
                term::out(
                    &format!("{failed} of {} checks failed.", results.len()),
                    Paint::Red
                )
            ));
        }
    }
    s
}

fn status_outcome(s: &crate::commands::status::Status) -> &'static str {
    match &s.checks {
        _ if !s.schema_exists => "not_installed",
        Ok(o) if o.all_pass() => "installed",
        Ok(_) => "failing",
        Err(_) => "unknown",
    }
}

fn role_line(s: &crate::commands::status::Status) -> String {
    let info = run_info();
    let r = &s.role;
    if !r.exists {
        return format!("{} does not exist", info.role);
    }
    let why = if !r.login {
        "it is NOLOGIN".to_string()
    } else if r.expired {
        "its VALID UNTIL has passed".to_string()
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

pub fn status(s: &crate::commands::status::Status, style: Style) {
    let info = run_info();
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
                Ok(o) if o.all_pass() => {
                    term::out(&format!("all {} pass", o.results.len()), Paint::Green)
                }
                Ok(o) => {
                    let failing: Vec<&str> = o.failing().iter().map(|c| c.name.as_str()).collect();
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
            let mut lines = vec![
                ("target", info.target.clone()),
                ("schema", schema),
                ("last change", last),
                ("checks", checks),
                ("sessions", sessions),
                ("app role", role_line(s)),
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
        Format::Json | Format::Junit => {
            let checks = s.checks.as_ref().map(|o| &o.results[..]).unwrap_or(&[]);
            let mut extra = serde_json::json!({
                "schema_exists": s.schema_exists,
                "schema_owner": s.schema_owner,
                "table_exists": s.table_exists,
                "last_change": match &s.last_change {
                    Ok(c) => serde_json::json!({
                        "tool_version": c.tool_version,
                        "at": c.at,
                        "by": c.by,
                        "steps": c.steps,
                    }),
                    Err(e) => serde_json::json!({ "error": e }),
                },
                "checks": match &s.checks {
                    Ok(o) => serde_json::json!({
                        "pass": o.results.iter().filter(|c| c.passed).count(),
                        "fail": o.failing().len(),
                    }),
                    Err(e) => serde_json::json!({ "error": e }),
                },
                "sessions": match &s.sessions {
                    Ok((live, expired)) => serde_json::json!({ "live": live, "expired": expired }),
                    Err(e) => serde_json::json!({ "error": e }),
                },
                "app_role": {
                    "name": info.role,
                    "exists": s.role.exists,
                    "login": s.role.login,
                    "expired": s.role.expired,
                    "password": match &s.role.password {
                        Ok(kind) => serde_json::json!(kind),
                        Err(e) => serde_json::json!({ "error": e }),
                    },
                    "can_log_in": s.role.can_log_in(),
                },
            });
            // Only on Citus, so that a single-node status reads exactly as before.
            if let Some(c) = &s.citus {
                extra["citus"] = serde_json::json!({
                    "version": c.version,
                    "workers": c.workers,
                    "shards": match &c.shards {
                        Ok(n) => serde_json::json!(n),
                        Err(e) => serde_json::json!({ "error": e }),
                    },
                });
            }
            out(&machine(
                style.format,
                &machine::Report {
                    run: info,
                    outcome: status_outcome(s),
                    checks,
                    failing_before: None,
                    steps: &[],
                    error: None,
                    extra: Some(("status", extra)),
                },
            ));
        }
    }
}

/// What `sweep` deleted.
pub fn sweep(s: &crate::commands::sweep::Swept, style: Style) {
    let ms = s.elapsed.as_millis();
    match style.format {
        Format::Json => out(&format!(
            "{}\n",
            serde_json::json!({ "command": "sweep", "deleted": s.deleted, "elapsed_ms": ms })
        )),
        _ if style.quiet => {}
        _ => out(&format!(
            "Swept {} expired session(s) from {} in {ms}ms.\n",
            s.deleted,
            run_info().schema
        )),
    }
}

/// `citus 13.2-1: coordinator + 2 workers (h:p, h:p), 32 shards of the session table`.
fn citus_line(c: &crate::commands::status::CitusStatus) -> String {
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

/// The question uninstall asks at a terminal.
pub fn uninstall_question(plan: &crate::commands::uninstall::Plan) -> String {
    let roles: Vec<&str> = plan
        .roles
        .iter()
        .filter(|r| r.drop)
        .map(|r| r.name.as_str())
        .collect();
    format!(
        "This drops schema {}{}{}. Type the schema name ({}) to confirm: ",
        plan.schema,
        plan.sessions
            .map(|n| format!(" and its {n} session(s)"))
            .unwrap_or_default(),
        if roles.is_empty() {
            String::new()
        } else {
            format!(", and role(s) {}", roles.join(", "))
        },
        plan.schema
    )
}

/// What uninstall did (`done`), or would do (dry run).
pub fn uninstall(plan: &crate::commands::uninstall::Plan, done: bool, style: Style) {
    let outcome = if plan.nothing_to_do() {
        "nothing_to_do"
    } else if done {
        "uninstalled"
    } else {
        "dry_run"
    };
    match style.format {
        Format::Json | Format::Junit => {
            let extra = serde_json::json!({
                "schema_exists": plan.schema_exists,
                "sessions": plan.sessions,
                "objects": plan.objects.iter().map(|o| serde_json::json!({
                    "object": o.description, "tool": o.tool,
                })).collect::<Vec<_>>(),
                "roles": plan.roles.iter().map(|r| serde_json::json!({
                    "name": r.name, "exists": r.exists, "drop": r.drop,
                    "kept_because": r.kept_because, "blockers": r.blockers,
                })).collect::<Vec<_>>(),
                "blockers": plan.blockers(),
            });
            out(&machine(
                style.format,
                &machine::Report {
                    run: run_info(),
                    outcome,
                    checks: &[],
                    failing_before: None,
                    steps: &[],
                    error: None,
                    extra: Some(("uninstall", extra)),
                },
            ));
        }
        Format::Human | Format::Tap => {
            if style.quiet && done {
                return;
            }
            let mut s = String::new();
            if plan.nothing_to_do() {
                s.push_str(&format!(
                    "Nothing to uninstall: no schema {} and no role created by connect-pg-admin.\n",
                    plan.schema
                ));
                out(&s);
                return;
            }
            let verb = if done { "Dropped" } else { "Would drop" };
            if plan.schema_exists {
                s.push_str(&format!(
                    "{verb} schema {}{}:\n",
                    plan.schema,
                    plan.sessions
                        .map(|n| format!(" with {n} session(s)"))
                        .unwrap_or_default()
                ));
                for o in plan.objects.iter().filter(|o| o.shown) {
                    let mark = if o.tool {
                        String::new()
                    } else {
                        format!("  {}", term::out("(not connect-pg-admin's)", Paint::Red))
                    };
                    s.push_str(&format!("  {}{mark}\n", o.description));
                }
            }
            for r in &plan.roles {
                if r.drop {
                    s.push_str(&format!("{verb} role {}\n", r.name));
                } else if let Some(why) = &r.kept_because {
                    s.push_str(&format!("Keeping role {}: {why}\n", r.name));
                }
            }
            if !done {
                let blockers = plan.blockers();
                if !blockers.is_empty() {
                    s.push_str(&format!(
                        "{}\n",
                        term::out("Uninstall would refuse:", Paint::Red)
                    ));
                    for b in blockers {
                        s.push_str(&format!("  {b}\n"));
                    }
                }
                s.push_str("Dry run: nothing was changed.\n");
            } else {
                s.push_str("Uninstalled; committed.\n");
            }
            out(&s);
        }
    }
}
