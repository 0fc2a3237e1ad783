//! What install and set-password report: the failing checks, the steps, the verdict, the
//! password line.

use super::term::{self, Paint};
use super::{checks_table, error, name_width, out, Context, Machine, Style};
use crate::cli::Format;
use crate::commands::install::{AppliedStep, Done, Installed};
use crate::commands::set_password;
use crate::contract::checks::{CheckResult, Outcome};

impl Context {
    /// What install did, the password it set (if any), and the note about connect-pg 1.1.x's
    /// installer. The password was set in the install's own commit, so an install that had
    /// nothing to repair did change the database. With --generate the install report goes to
    /// stderr: stdout holds the password alone.
    pub fn install(&self, done: &Done) {
        let style = self.style;
        match &done.password {
            None => out(&self.install_text(&done.installed)),
            Some(password) => {
                let text = match (&done.installed, style.format) {
                    (Installed::UpToDate { checks }, Format::Human) => format!(
                        "{}{}; nothing to repair.\n",
                        left_block(checks),
                        upper_first(&passing(checks))
                    ),
                    (installed, _) => self.install_text(installed),
                };
                if password.generated.is_some() {
                    eprint!("{text}");
                } else {
                    out(&text);
                }
                self.password(password);
            }
        }
        legacy_leftovers(&done.leftovers, style);
    }

    fn install_text(&self, result: &Installed) -> String {
        let style = self.style;
        match style.format {
            Format::Tap => match result {
                Installed::UpToDate { checks } => checks.tap.clone(),
                Installed::DryRun { before, .. } => before.tap.clone(),
                Installed::Committed { after, .. } | Installed::RolledBack { after, .. } => {
                    after.tap.clone()
                }
            },
            Format::Human => install_human(result, style),
            Format::Json | Format::Junit | Format::Github => {
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
                self.machine(Machine {
                    outcome,
                    checks: &checks.results,
                    failing_before: Some(
                        before.failing().iter().map(|c| c.name.as_str()).collect(),
                    ),
                    steps,
                    ..Machine::default()
                })
            }
        }
    }

    /// The outcome of a password change. Informational lines go to stdout, or to stderr when
    /// stdout carries the generated password or a machine-readable format; the generated password
    /// is printed last, on stdout, alone, even when --check-login failed (it was committed, and
    /// is needed).
    pub fn password(&self, outcome: &set_password::Outcome) {
        let style = self.style;
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
            "connect-pg-admin: note: the connected role may not turn statement logging off, so the server log (on Citus, the workers' logs too) may hold the SCRAM verifier (never the password)"
        );
        }
        if let Some(until) = &outcome.expired {
            if !style.quiet {
                eprintln!(
                    "connect-pg-admin: note: role {} has expired (VALID UNTIL {until}): the server refuses every password for it; give it a new date with set-password --valid-until TIMESTAMP|infinity",
                    outcome.role
                );
            }
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
            s.push_str(&left_block(checks));
            s.push_str(&format!(
                "Nothing to do: {}; the database was not changed.\n",
                passing(checks)
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
        }
        | Installed::RolledBack {
            before,
            steps,
            after,
        } => {
            s.push_str(&failing_block(before, style));
            s.push_str(&steps_block(steps, style));
            if matches!(result, Installed::Committed { .. }) {
                if style.verbose > 0 {
                    s.push_str(&checks_table(&after.results, style, false));
                }
                s.push_str(&left_block(after));
                s.push_str(&format!(
                    "Installed: {} after {} step(s); committed.\n",
                    passing(after),
                    steps.len()
                ));
            } else {
                s.push_str("Still failing after the steps:\n");
                let failing_only = Style {
                    quiet: true,
                    ..style
                };
                s.push_str(&checks_table(&after.results, failing_only, false));
                s.push_str("Rolled back: nothing was changed.\n");
            }
        }
    }
    s
}

fn failing_block(before: &Outcome, style: Style) -> String {
    let failing = before.failing();
    let head = format!(
        "{} of {} checks failed:\n",
        failing.len(),
        before.results.len()
    );
    head + &not_ok_lines(before, &failing, style.verbose > 0)
}

/// One `not ok` line per check of `list`, aligned on every check of `outcome`, each with
/// pgTAP's diagnostics below it when asked.
fn not_ok_lines(outcome: &Outcome, list: &[&CheckResult], diagnostics: bool) -> String {
    let width = name_width(outcome.results.iter());
    let mut s = String::new();
    for f in list {
        s.push_str(&format!(
            "  {}  {:width$}  {}\n",
            term::out("not ok", Paint::Red),
            f.name,
            f.description
        ));
        if diagnostics {
            for d in &f.diagnostics {
                s.push_str(&format!("          {:width$}  {}\n", "", d));
            }
        }
    }
    s
}

/// "all N checks pass", or how many pass when install left some to the operator.
fn passing(outcome: &Outcome) -> String {
    let total = outcome.results.len();
    match outcome.failing().len() {
        0 => format!("all {total} checks pass"),
        failing => format!(
            "{} of {total} checks pass; install leaves the other {failing} to you",
            total - failing
        ),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The failing checks install only reports (catalog::reported_only), with what they found.
fn left_block(outcome: &Outcome) -> String {
    let left = outcome.left_to_operator();
    if left.is_empty() {
        return String::new();
    }
    // With the diagnostics always, not only with -v: what was found is the point.
    String::from("Left as found (install reports these and does not change them):\n")
        + &not_ok_lines(outcome, &left, true)
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
        for note in &step.notes {
            s.push_str(&format!("    {note}\n"));
        }
        if style.verbose > 1 {
            s.push_str(&format!("{}\n", step.sql.trim_end()));
        }
    }
    s
}

/// connect-pg 1.1.x's installer functions found outside the schema
/// (`apply::legacy_leftovers`): a note on stderr, since they are no result of the run but
/// something the operator should know about. --quiet leaves it out.
fn legacy_leftovers(functions: &[String], style: Style) {
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
