//! `--format github`: GitHub Actions workflow commands
//! (docs.github.com, "Workflow commands for GitHub Actions"). The runner turns each `::error`
//! line into an annotation on the run and the pull request, titled with the check's stable
//! name; the closing summary is a plain line for the log. Steps of install are not annotated:
//! what failed, and why, is what a reviewer needs to see.

use super::machine::Report;
use super::Run;

pub fn document(run: &Run, r: &Report) -> String {
    let mut text = String::new();
    for c in r.checks {
        if let Some(reason) = &c.skipped {
            text.push_str(&command(
                "warning",
                &c.name,
                &format!("{} (not run: {reason})", c.description),
            ));
        } else if !c.passed {
            let mut message = c.description.clone();
            for d in &c.diagnostics {
                message.push('\n');
                message.push_str(d);
            }
            text.push_str(&command("error", &c.name, &message));
        }
    }
    if let Some((code, message)) = &r.error {
        text.push_str(&command(
            "error",
            &format!("connect-pg-admin {}", run.command),
            &format!("{message} (exit code {code})"),
        ));
    }
    text.push_str(&summary(run, r));
    text
}

/// One line: what ran, where, and the verdict in numbers.
fn summary(run: &Run, r: &Report) -> String {
    let on = if run.target.is_empty() {
        String::new()
    } else {
        format!(" on {}", run.target)
    };
    let failing = r.checks.iter().filter(|c| !c.passed).count();
    let skipped = r.checks.iter().filter(|c| c.skipped.is_some()).count();
    let mut line = format!("connect-pg-admin {}{on}: {}", run.command, r.outcome);
    if !r.checks.is_empty() {
        line.push_str(&format!(
            "; {failing} of {} checks fail, {skipped} skipped",
            r.checks.len()
        ));
    }
    if !r.steps.is_empty() {
        line.push_str(&format!("; {} step(s)", r.steps.len()));
    }
    line.push('\n');
    line
}

/// `::kind title=T::message`, escaped as the runner unescapes it: the message may hold
/// newlines (diagnostics), the title may not hold `:` or `,` unescaped.
fn command(kind: &str, title: &str, message: &str) -> String {
    format!(
        "::{kind} title={}::{}\n",
        escape_property(title),
        escape_data(message)
    )
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::checks::CheckResult;

    fn check(name: &str, passed: bool, skipped: Option<&str>) -> CheckResult {
        CheckResult {
            name: name.into(),
            description: format!("{name} holds, 100%"),
            passed,
            diagnostics: if passed {
                vec![]
            } else {
                vec!["have: a".into(), "want: b".into()]
            },
            skipped: skipped.map(String::from),
        }
    }

    #[test]
    fn one_error_per_failing_check_escaped_and_a_summary() {
        let run = Run::test("verify", "postgres://ci@db:5432/app");
        let checks = [
            check("table", true, None),
            check("function.get_session_data.body", false, None),
            check(
                "role.app.password",
                true,
                Some("only a superuser, can read it"),
            ),
        ];
        let text = document(&run, &Report::failed(&checks));
        assert_eq!(
            text,
            "::error title=function.get_session_data.body::function.get_session_data.body holds, 100%25%0Ahave: a%0Awant: b\n\
             ::warning title=role.app.password::role.app.password holds, 100%25 (not run: only a superuser, can read it)\n\
             connect-pg-admin verify on postgres://ci@db:5432/app: fail; 1 of 3 checks fail, 1 skipped\n"
        );
    }

    #[test]
    fn an_error_is_an_annotation_with_the_exit_code() {
        let run = Run {
            schema: "Bad".into(),
            ..Run::test("install", "")
        };
        let text = document(
            &run,
            &Report {
                outcome: "error",
                error: Some((2, "bad schema: use a-z\nthen retry".into())),
                ..Report::default()
            },
        );
        assert_eq!(
            text,
            "::error title=connect-pg-admin install::bad schema: use a-z%0Athen retry (exit code 2)\n\
             connect-pg-admin install: error\n"
        );
    }
}
