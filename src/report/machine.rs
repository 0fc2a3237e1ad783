//! The formats for machines: JSON (a versioned document, described in docs/design.md, "Output
//! formats") and JUnit XML (what GitLab, Jenkins and GitHub test reporters read), and the TAP
//! stream of a run that ended in an error. One document per run, on stdout, also when the run
//! fails with an error, so a CI step that uploads the report always has one.

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::Serialize;

use crate::commands::install::apply::AppliedStep;
use crate::contract::checks::CheckResult;

use super::Run;

/// Bumped when a field changes meaning or disappears; new fields may appear without a bump.
pub const FORMAT_VERSION: u32 = 1;

/// What a machine format says about one run besides the run itself (`Run`): the parts that
/// differ between commands.
#[derive(Default)]
pub struct Report<'a> {
    /// pass, fail, up_to_date, dry_run, committed, rolled_back, uninstalled, nothing_to_do,
    /// refused, error, ...: see docs/design.md.
    pub outcome: &'a str,
    pub checks: &'a [CheckResult],
    /// install: the checks that failed before any step ran.
    pub failing_before: Option<Vec<&'a str>>,
    pub steps: &'a [AppliedStep],
    pub error: Option<(i32, String)>,
    /// Command-specific extras (status, uninstall), as a JSON object.
    pub extra: Option<(&'static str, serde_json::Value)>,
}

#[cfg(test)]
impl<'a> Report<'a> {
    /// The report of a run whose checks are `checks`, some of them failing.
    pub(crate) fn failed(checks: &'a [CheckResult]) -> Report<'a> {
        Report {
            outcome: "fail",
            checks,
            ..Report::default()
        }
    }
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    format_version: u32,
    command: &'a str,
    target: &'a str,
    schema: &'a str,
    role: &'a str,
    outcome: &'a str,
    checks: Vec<JsonCheck<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failing_before: Option<&'a [&'a str]>,
    steps: Vec<JsonStep<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError<'a>>,
    timings: Timings,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    name: &'a str,
    status: &'static str,
    description: &'a str,
    diagnostics: &'a [String],
    /// Only on a skipped check: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    name: &'a str,
    attempts: u32,
    elapsed_ms: u64,
    /// What the step reports it removed (triggers, rules, policies, memberships).
    notes: &'a [String],
    sql: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    exit_code: i32,
    message: &'a str,
}

#[derive(Serialize)]
struct Timings {
    total_ms: u64,
    steps_ms: u64,
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub fn json(run: &Run, r: &Report) -> String {
    let doc = JsonDoc {
        format_version: FORMAT_VERSION,
        command: run.command,
        target: &run.target,
        schema: &run.schema,
        role: &run.role,
        outcome: r.outcome,
        checks: r
            .checks
            .iter()
            .map(|c| JsonCheck {
                name: &c.name,
                status: match (c.passed, &c.skipped) {
                    (true, Some(_)) => "skip",
                    (true, None) => "pass",
                    (false, _) => "fail",
                },
                skipped: c.skipped.as_deref(),
                description: &c.description,
                diagnostics: &c.diagnostics,
            })
            .collect(),
        failing_before: r.failing_before.as_deref(),
        steps: r
            .steps
            .iter()
            .map(|s| JsonStep {
                name: s.name,
                attempts: s.attempts,
                elapsed_ms: millis(s.elapsed),
                notes: &s.notes,
                sql: &s.sql,
            })
            .collect(),
        error: r.error.as_ref().map(|(code, message)| JsonError {
            exit_code: *code,
            message,
        }),
        timings: Timings {
            total_ms: millis(run.started.elapsed()),
            steps_ms: r.steps.iter().map(|s| millis(s.elapsed)).sum(),
        },
    };
    let mut value = match serde_json::to_value(&doc) {
        Ok(v) => v,
        Err(e) => serde_json::json!({ "format_version": FORMAT_VERSION, "error": e.to_string() }),
    };
    if let (Some((key, extra)), Some(map)) = (&r.extra, value.as_object_mut()) {
        map.insert((*key).to_string(), extra.clone());
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// The TAP stream of a run that ended in an error before pgTAP said anything: a `Bail out!`,
/// which every TAP consumer counts as a failed run (an empty plan would read as "all skipped").
pub fn tap_error(run: &Run, code: i32, message: &str) -> String {
    format!(
        "TAP version 13\nBail out! connect-pg-admin {} failed with exit code {code}: {}\n",
        run.command,
        message.replace(['\r', '\n'], " ")
    )
}

/// XML 1.0 cannot carry most control characters even escaped; server messages could hold
/// them, so they become U+FFFD.
fn xml_safe(s: &str) -> Cow<'_, str> {
    if s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut el = BytesStart::new(name);
        for (k, v) in attrs {
            el.push_attribute((*k, xml_safe(v).as_ref()));
        }
        let _ = self.w.write_event(Event::Start(el));
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut el = BytesStart::new(name);
        for (k, v) in attrs {
            el.push_attribute((*k, xml_safe(v).as_ref()));
        }
        let _ = self.w.write_event(Event::Empty(el));
    }
    fn text(&mut self, text: &str) {
        let _ = self
            .w
            .write_event(Event::Text(BytesText::new(xml_safe(text).as_ref())));
    }
    fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }
}

/// One `testsuites` document: a suite of the checks (one testcase each, a `failure` with
/// pgTAP's diagnostics when it fails), for install a suite of the steps applied, and for a run
/// that ended in an error a suite whose one testcase carries that `error`.
pub fn junit(run: &Run, r: &Report) -> String {
    let mut x = Xml {
        w: Writer::new_with_indent(Vec::new(), b' ', 2),
    };
    let _ =
        x.w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let failures = r.checks.iter().filter(|c| !c.passed).count();
    let errors = usize::from(r.error.is_some());
    let tests = r.checks.len() + r.steps.len() + errors;
    let total = seconds(run.started.elapsed());
    let timestamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    x.open(
        "testsuites",
        &[
            ("name", "connect-pg-admin"),
            ("tests", &tests.to_string()),
            ("failures", &failures.to_string()),
            ("errors", &errors.to_string()),
            ("time", &total),
        ],
    );
    let classname = format!("connect-pg-admin.{}", run.schema);
    if !r.checks.is_empty() {
        x.open(
            "testsuite",
            &[
                ("name", &format!("connect-pg-admin {} checks", run.command)),
                ("tests", &r.checks.len().to_string()),
                ("failures", &failures.to_string()),
                ("errors", "0"),
                (
                    "skipped",
                    &r.checks
                        .iter()
                        .filter(|c| c.skipped.is_some())
                        .count()
                        .to_string(),
                ),
                ("time", &total),
                ("timestamp", &timestamp),
            ],
        );
        properties(&mut x, run, r);
        for c in r.checks {
            let attrs = [
                ("name", c.name.as_str()),
                ("classname", &classname),
                ("time", "0"),
            ];
            if let (true, Some(reason)) = (c.passed, &c.skipped) {
                x.open("testcase", &attrs);
                x.empty("skipped", &[("message", reason)]);
                x.close("testcase");
            } else if c.passed {
                x.empty("testcase", &attrs);
            } else {
                x.open("testcase", &attrs);
                x.open(
                    "failure",
                    &[("message", &c.description), ("type", "check failed")],
                );
                x.text(&c.diagnostics.join("\n"));
                x.close("failure");
                x.close("testcase");
            }
        }
        x.close("testsuite");
    }
    if !r.steps.is_empty() {
        let steps_time: std::time::Duration = r.steps.iter().map(|s| s.elapsed).sum();
        x.open(
            "testsuite",
            &[
                ("name", &format!("connect-pg-admin {} steps", run.command)),
                ("tests", &r.steps.len().to_string()),
                ("failures", "0"),
                ("errors", "0"),
                ("skipped", "0"),
                ("time", &seconds(steps_time)),
                ("timestamp", &timestamp),
            ],
        );
        for s in r.steps {
            x.open(
                "testcase",
                &[
                    ("name", s.name),
                    ("classname", &format!("{classname}.steps")),
                    ("time", &seconds(s.elapsed)),
                ],
            );
            x.open("system-out", &[]);
            x.text(&format!(
                "{} attempt(s); outcome: {}\n{}",
                s.attempts,
                r.outcome,
                s.sql.trim_end()
            ));
            x.close("system-out");
            x.close("testcase");
        }
        x.close("testsuite");
    }
    if let Some((code, message)) = &r.error {
        x.open(
            "testsuite",
            &[
                ("name", &format!("connect-pg-admin {}", run.command)),
                ("tests", "1"),
                ("failures", "0"),
                ("errors", "1"),
                ("skipped", "0"),
                ("time", &total),
                ("timestamp", &timestamp),
            ],
        );
        properties(&mut x, run, r);
        x.open(
            "testcase",
            &[
                ("name", run.command),
                ("classname", &classname),
                ("time", &total),
            ],
        );
        x.open(
            "error",
            &[("message", message), ("type", &format!("exit code {code}"))],
        );
        x.text(message);
        x.close("error");
        x.close("testcase");
        x.close("testsuite");
    }
    x.close("testsuites");
    let mut text = String::from_utf8(x.w.into_inner()).unwrap_or_default();
    text.push('\n');
    text
}

fn properties(x: &mut Xml, run: &Run, r: &Report) {
    x.open("properties", &[]);
    for (name, value) in [
        ("command", run.command),
        ("target", run.target.as_str()),
        ("schema", run.schema.as_str()),
        ("role", run.role.as_str()),
        ("outcome", r.outcome),
    ] {
        x.empty("property", &[("name", name), ("value", value)]);
    }
    x.close("properties");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Run {
        Run::test("verify", "host=h <&\"'>")
    }

    #[test]
    fn junit_escapes_markup_and_drops_control_characters() {
        let run = run();
        let checks = [CheckResult {
            name: "a".into(),
            description: "x < y & \"z\"".into(),
            passed: false,
            diagnostics: vec!["have: </failure>]]>\u{1}".into()],
            skipped: None,
        }];
        let xml = junit(&run, &Report::failed(&checks));
        assert!(
            xml.contains(r#"message="x &lt; y &amp; &quot;z&quot;""#),
            "{xml}"
        );
        assert!(
            xml.contains("have: &lt;/failure&gt;]]&gt;\u{FFFD}"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"value="host=h &lt;&amp;&quot;&apos;&gt;""#),
            "{xml}"
        );
    }

    #[test]
    fn json_has_the_documented_top_level_fields() {
        let run = run();
        let text = json(
            &run,
            &Report {
                outcome: "pass",
                extra: Some(("status", serde_json::json!({"x": 1}))),
                ..Report::default()
            },
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in [
            "format_version",
            "command",
            "target",
            "schema",
            "role",
            "outcome",
            "checks",
            "steps",
            "timings",
            "status",
        ] {
            assert!(v.get(key).is_some(), "{key} missing: {text}");
        }
        assert_eq!(v["format_version"], 1);
    }
}
