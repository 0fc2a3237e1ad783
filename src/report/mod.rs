//! The only module that prints results. Results go to stdout in the chosen format; errors go
//! to stderr, prefixed with the program's name, one line each. Colour, progress and prompts
//! (term.rs) only ever reach a terminal; the machine formats are in machine.rs. What a run is
//! about (its command, target and names) travels in a `Context` that main.rs makes right after
//! parsing, so that every error after that, also one raised before connecting, ends in the
//! document the chosen format promises.

mod github;
mod install;
mod machine;
mod status;
mod term;
mod uninstall;

use machine::Report as Machine;

use std::io::Write;
use std::time::Instant;

use term::Paint;
pub use term::{ask, interactive, set_color, Progress};
pub use uninstall::uninstall_question;

use crate::cli::Format;
use crate::contract::checks::{CheckResult, Outcome};
use crate::error::Error;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
}

/// What the machine formats say about the run besides its results.
pub struct Run {
    pub command: &'static str,
    /// The connection target, password redacted; empty until the settings are resolved.
    pub target: String,
    /// The names as given on the command line (validated or not: an error may be about them).
    pub schema: String,
    pub role: String,
    pub started: Instant,
}

#[cfg(test)]
impl Run {
    /// A run of `command` against `target` with the default names, for the format tests.
    pub(crate) fn test(command: &'static str, target: &str) -> Run {
        Run {
            command,
            target: target.into(),
            schema: "web".into(),
            role: "nodepg".into(),
            started: Instant::now(),
        }
    }
}

/// The run being reported on and how: every report of a run goes through its context.
pub struct Context {
    pub run: Run,
    pub style: Style,
}

impl Context {
    pub fn new(run: Run, style: Style) -> Context {
        Context { run, style }
    }

    /// Records the connection target once the settings are resolved.
    pub fn set_target(&mut self, target: String) {
        self.run.target = target;
    }

    /// One machine document (json, junit or github, as chosen) about this run.
    fn machine(&self, r: Machine) -> String {
        match self.style.format {
            Format::Junit => machine::junit(&self.run, &r),
            Format::Github => github::document(&self.run, &r),
            _ => machine::json(&self.run, &r),
        }
    }

    /// The error that ends the run: on stderr, and with --format json, junit or tap also as
    /// the run's document on stdout, so that a CI step collecting the report finds one.
    pub fn fatal(&self, e: &Error) {
        error(e);
        match self.style.format {
            Format::Human => {}
            Format::Tap => out(&machine::tap_error(
                &self.run,
                e.exit_code(),
                &e.to_string(),
            )),
            Format::Json | Format::Junit | Format::Github => out(&self.machine(Machine {
                outcome: "error",
                error: Some((e.exit_code(), e.to_string())),
                ..Machine::default()
            })),
        }
    }

    /// Where the session landed (the hidden print-target command), one line on stdout.
    pub fn target_line(&self, line: &str) {
        out(&format!("{line}\n"));
    }

    pub fn verify(&self, outcome: &Outcome) {
        let style = self.style;
        match style.format {
            Format::Tap => out(&outcome.tap),
            Format::Human => out(&checks_table(&outcome.results, style, true)),
            Format::Json | Format::Junit | Format::Github => out(&self.machine(Machine {
                outcome: if outcome.all_pass() { "pass" } else { "fail" },
                checks: &outcome.results,
                ..Machine::default()
            })),
        }
    }
}

impl Context {
    /// What `sweep` deleted.
    pub fn sweep(&self, s: &crate::commands::sweep::Swept) {
        let ms = s.elapsed.as_millis();
        match self.style.format {
            Format::Json => out(&format!(
                "{}\n",
                serde_json::json!({ "command": "sweep", "deleted": s.deleted, "elapsed_ms": ms })
            )),
            _ if self.style.quiet => {}
            _ => out(&format!(
                "Swept {} expired session(s) from {} in {ms}ms.\n",
                s.deleted, self.run.schema
            )),
        }
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

/// A warning about how the tool was run, on stderr (also with --quiet: it is about safety).
pub fn warning(message: &str) {
    eprintln!("connect-pg-admin: warning: {message}");
}

/// A shell completion script for `shell`, generated from the clap definition.
pub fn completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "connect-pg-admin", &mut buf);
    out(&String::from_utf8_lossy(&buf));
}

fn man_error(e: std::io::Error) -> Error {
    Error::Internal(format!("rendering the man page: {e}"))
}

/// The man page, generated from the clap definition: the top-level page with every command's
/// options appended, so `man connect-pg-admin` shows everything.
pub fn man() -> crate::error::Result<()> {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    let mut buf = Vec::new();
    let render = |cmd: clap::Command, buf: &mut Vec<u8>| {
        clap_mangen::Man::new(cmd).render(buf).map_err(man_error)
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
            .map_err(man_error)?;
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
        let mark = match (r.passed, &r.skipped) {
            (true, Some(_)) => "skip  ".to_string(),
            (true, None) => format!("{}    ", term::out("ok", Paint::Green)),
            (false, _) => term::out("not ok", Paint::Red),
        };
        s.push_str(&format!("{mark}  {:width$}  {}\n", r.name, r.description));
        if let Some(reason) = &r.skipped {
            s.push_str(&format!("        {:width$}  not run: {reason}\n", ""));
        }
        if !r.passed {
            for d in &r.diagnostics {
                s.push_str(&format!("        {:width$}  {}\n", "", d));
            }
        }
    }
    if summary {
        let failed = results.iter().filter(|r| !r.passed).count();
        let skipped = results.iter().filter(|r| r.skipped.is_some()).count();
        if failed == 0 {
            if !style.quiet {
                let line = if skipped == 0 {
                    format!("All {} checks pass.", results.len())
                } else {
                    format!(
                        "All {} checks that ran pass; {skipped} skipped (see above).",
                        results.len() - skipped
                    )
                };
                s.push_str(&format!("{}\n", term::out(&line, Paint::Bold)));
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
