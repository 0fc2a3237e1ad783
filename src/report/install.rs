//! What install and set-password report: the failing checks, the steps, the verdict, the
//! password line.

use super::term::{self, Paint};
use super::{checks_table, error, name_width, out, Context, Machine, Style};
use crate::cli::Format;
use crate::commands::install::{AppliedStep, Done, Installed};
use crate::commands::set_password;
use crate::contract::checks::Outcome;

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
                        "All {} checks pass; nothing to repair.\n",
                        checks.results.len()
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
                s.push_str(&format!(
                    "Installed: all {} checks pass after {} step(s); committed.\n",
                    after.results.len(),
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
