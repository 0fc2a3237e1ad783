//! The only module that prints results. Results go to stdout in the chosen format; errors go
//! to stderr, prefixed with the program's name, one line each.

use std::io::Write;

use crate::apply::{AppliedStep, Installed};
use crate::checks::{CheckResult, Outcome};
use crate::cli::Format;
use crate::error::Error;

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
    match style.format {
        Format::Tap => out(&match result {
            Installed::UpToDate { checks } => checks.tap.clone(),
            Installed::DryRun { before, .. } => before.tap.clone(),
            Installed::Committed { after, .. } | Installed::RolledBack { after, .. } => {
                after.tap.clone()
            }
        }),
        Format::Human => out(&install_human(result, style)),
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
