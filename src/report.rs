//! The only module that prints results. Results go to stdout in the chosen format; errors go
//! to stderr, prefixed with the program's name, one line each.

use std::io::Write;

use crate::apply::{AppliedStep, Installed};
use crate::checks::{CheckResult, Outcome};
use crate::cli::Format;
use crate::error::Error;
use crate::password;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub fn error(e: &Error) {
    eprintln!("connect-pg-admin: error: {e}");
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

pub fn verify(outcome: &Outcome, style: Style) {
    match style.format {
        Format::Tap => out(&outcome.tap),
        Format::Human => out(&checks_table(&outcome.results, style, true)),
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
    }
}

/// `install` with a password option. The password was set in the install's own commit, so an
/// install that had nothing to repair did change the database. With --generate the install
/// report goes to stderr: stdout holds the password alone.
pub fn install_with_password(
    result: &Installed,
    password: Option<&password::Outcome>,
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
pub fn password(outcome: &password::Outcome, style: Style) {
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
    match result {
        Installed::UpToDate { checks } => {
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
        s.push_str(&format!("  not ok  {:width$}  {}\n", f.name, f.description));
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
        let mark = if r.passed { "ok    " } else { "not ok" };
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
            s.push_str(&format!("All {} checks pass.\n", results.len()));
        } else {
            s.push_str(&format!("{failed} of {} checks failed.\n", results.len()));
        }
    }
    s
}
