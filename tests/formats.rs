//! The output formats of verify and install (human, tap, json, junit) on a passing and a
//! failing database, pinned by snapshots (tests/snapshots/format-*, timings, ports and
//! database names normalized), and each checked by a real consumer: Perl's `prove` reads the
//! TAP, `xmllint` validates the JUnit against tests/fixtures/junit.xsd, serde_json parses the
//! JSON.

use std::path::Path;
use std::process::Command;

use crate::support::{assert_snapshot, bin, cluster, failing_in_json, run, Run, TestDb, CHECKS};

const FORMATS: &[&str] = &["human", "tap", "json", "junit"];

/// Replaces, after every `prefix`, the run of characters `keep` accepts with `with`.
fn blank_after(s: &str, prefix: &str, keep: fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i + prefix.len()]);
        rest = &rest[i + prefix.len()..];
        let end = rest.find(|c: char| !keep(c)).unwrap_or(rest.len());
        if end > 0 {
            out.push_str(with);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The steps' SQL is pinned by the step files themselves (docs/checks.md); here it would only
/// make every SQL edit rewrite these snapshots.
fn without_step_sql(text: &str) -> String {
    if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(text) {
        if let Some(steps) = v.get_mut("steps").and_then(|s| s.as_array_mut()) {
            for step in steps {
                step["sql"] = serde_json::json!("<sql>");
            }
        }
        return serde_json::to_string_pretty(&v).expect("json") + "\n";
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("<system-out>") {
        let (head, tail) = rest.split_at(i + "<system-out>".len());
        out.push_str(head);
        let end = tail.find("</system-out>").unwrap_or(tail.len());
        out.push_str(tail[..end].lines().next().unwrap_or_default());
        out.push_str(" <sql>");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn normalize(text: &str, db: &TestDb) -> String {
    let port = db.cluster().port().to_string();
    let mut s = without_step_sql(text)
        .replace(db.name(), "<db>")
        .replace(&format!(":{port}/"), ":<port>/")
        .replace(&format!("port={port}"), "port=<port>");
    let digits = |c: char| c.is_ascii_digit();
    let time = |c: char| c.is_ascii_digit() || c == '.';
    let stamp = |c: char| c != '"';
    for key in ["\"elapsed_ms\": ", "\"total_ms\": ", "\"steps_ms\": "] {
        s = blank_after(&s, key, digits, "<ms>");
    }
    s = blank_after(&s, " time=\"", time, "<s>");
    s = blank_after(&s, " timestamp=\"", stamp, "<timestamp>");
    s = blank_after(&s, "connect_pg_admin_pgtap_", digits, "<pid>");
    // Human install: "  applied schema in 3ms".
    s = blank_after(&s, " in ", digits, "<n>");
    s
}

/// An installed store under `schema` / `<schema>_app`.
fn installed(hint: &str, schema: &str) -> TestDb {
    let db = cluster().create_db(hint);
    let role = format!("{schema}_app");
    db.cli(&["install", "-q", "--schema", schema, "--role", &role])
        .assert_code(0);
    db
}

/// Two differences from the contract: the index is gone, the app role may read the table.
fn drift(db: &TestDb, schema: &str) {
    db.client()
        .batch_execute(&format!(
            "drop index {schema}.expire_idx; grant select on {schema}.session to {schema}_app"
        ))
        .expect("drift");
}

fn cli(db: &TestDb, schema: &str, args: &[&str]) -> Run {
    let role = format!("{schema}_app");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--schema", schema, "--role", &role]);
    db.cli(&all)
}

fn prove(tap: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("checks.tap");
    std::fs::write(&file, tap).expect("write tap");
    let mut cmd = Command::new("prove");
    cmd.arg("-v").arg("-e").arg("cat").arg(&file);
    run(cmd)
}

fn xmllint(xml: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).expect("write xml");
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit.xsd");
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout").arg("--schema").arg(xsd).arg(&file);
    run(cmd)
}

#[track_caller]
fn assert_valid_junit(xml: &str) {
    let r = xmllint(xml);
    assert_eq!(r.code, 0, "the JUnit report does not validate\n{r}\n{xml}");
    // The counts a reader shows must add up: one testcase per test, failures counted.
    let count = |needle: &str| xml.matches(needle).count();
    let total: usize = attr(xml, "<testsuites", "tests");
    assert_eq!(total, count("<testcase "), "{xml}");
    assert_eq!(
        attr(xml, "<testsuites", "failures"),
        count("<failure "),
        "{xml}"
    );
    assert_eq!(
        attr(xml, "<testsuites", "errors"),
        count("<error "),
        "{xml}"
    );
}

fn attr(xml: &str, element: &str, name: &str) -> usize {
    let start = xml.find(element).expect("element");
    let tag = &xml[start..start + xml[start..].find('>').expect("tag end")];
    let key = format!(" {name}=\"");
    let v = &tag[tag.find(&key).expect("attribute") + key.len()..];
    v[..v.find('"').expect("quote")].parse().expect("a number")
}

#[test]
fn verify_in_every_format_on_a_passing_and_a_failing_database() {
    let pass = installed("formats_verify_pass", "fp");
    let fail = installed("formats_verify_fail", "ff");
    drift(&fail, "ff");
    for (db, schema, verdict, code) in [(&pass, "fp", "pass", 0), (&fail, "ff", "fail", 1)] {
        for format in FORMATS {
            let r = cli(db, schema, &["verify", "--format", format]);
            r.assert_code(code);
            assert_eq!(r.stderr, "", "{r}");
            assert_snapshot(
                &format!("format-verify-{verdict}.{format}"),
                &normalize(&r.stdout, db),
            );
            match *format {
                "tap" => {
                    let p = prove(&r.stdout);
                    assert!(!p.stdout.contains("Parse errors"), "{p}");
                    if verdict == "pass" {
                        assert_eq!(p.code, 0, "{p}");
                        assert!(p.stdout.contains("Result: PASS"), "{p}");
                    } else {
                        assert_ne!(p.code, 0, "{p}");
                        assert!(p.stdout.contains("Result: FAIL"), "{p}");
                    }
                }
                "junit" => assert_valid_junit(&r.stdout),
                "json" => {
                    let v: serde_json::Value =
                        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
                    assert_eq!(v["format_version"], 1);
                    assert_eq!(v["command"], "verify");
                    assert_eq!(v["outcome"], verdict);
                    assert_eq!(v["schema"], schema);
                    let failing = failing_in_json(&v);
                    if verdict == "pass" {
                        assert!(failing.is_empty(), "{failing:?}");
                    } else {
                        assert_eq!(failing, ["expire_idx", "grant.table", "grant.functions"]);
                    }
                }
                _ => {}
            }
        }
    }
    // prove names exactly the failing tests by number.
    let tap = cli(&fail, "ff", &["verify", "--format", "tap"]).stdout;
    let numbers: Vec<String> = tap
        .lines()
        .filter(|l| l.starts_with("not ok "))
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect();
    assert_eq!(numbers.len(), 3, "{tap}");
    let p = prove(&tap);
    // prove lists them as "12, 55-56".
    let listed: Vec<String> = p
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Failed tests:"))
        .unwrap_or_else(|| panic!("no Failed tests line\n{p}"))
        .split(',')
        .flat_map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let (a, b): (u32, u32) = (a.parse().expect("number"), b.parse().expect("number"));
            (a..=b).map(|n| n.to_string())
        })
        .collect();
    assert_eq!(listed, numbers, "{p}");
}

#[test]
fn install_in_every_format_on_a_passing_and_a_failing_database() {
    let pass = installed("formats_install_pass", "ip");
    let fail = installed("formats_install_fail", "if");
    for format in FORMATS {
        let r = cli(&pass, "ip", &["install", "--format", format]);
        r.assert_code(0);
        assert_snapshot(
            &format!("format-install-pass.{format}"),
            &normalize(&r.stdout, &pass),
        );
        drift(&fail, "if");
        let r = cli(&fail, "if", &["install", "--format", format]);
        r.assert_code(0);
        assert_snapshot(
            &format!("format-install-fail.{format}"),
            &normalize(&r.stdout, &fail),
        );
        match *format {
            "tap" => {
                let p = prove(&r.stdout);
                assert_eq!(p.code, 0, "after the repair every check passes\n{p}");
            }
            "junit" => {
                assert_valid_junit(&r.stdout);
                assert!(
                    r.stdout.contains(
                        "<testcase name=\"expire_idx\" classname=\"connect-pg-admin.if.steps\""
                    ),
                    "{r}"
                );
            }
            "json" => {
                let v: serde_json::Value =
                    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
                assert_eq!(v["outcome"], "committed");
                assert_eq!(
                    v["failing_before"],
                    serde_json::json!(["expire_idx", "grant.table", "grant.functions"])
                );
                let steps: Vec<&str> = v["steps"]
                    .as_array()
                    .expect("steps")
                    .iter()
                    .map(|s| s["name"].as_str().unwrap_or_default())
                    .collect();
                assert!(
                    steps.contains(&"expire_idx") && steps.contains(&"grants"),
                    "{steps:?}"
                );
                assert!(v["steps"][0]["attempts"].as_u64() >= Some(1));
            }
            _ => {}
        }
        cli(&fail, "if", &["verify", "-q"]).assert_code(0);
    }
}

#[test]
fn machine_formats_report_errors_too() {
    // Nothing listens on port 1: exit 3, the error on stderr, and a document on stdout.
    for format in ["json", "junit", "tap"] {
        let mut cmd = bin();
        cmd.args([
            "verify",
            "--format",
            format,
            "--dsn",
            "postgres://someone:secret-pw@127.0.0.1:1/db",
        ]);
        let r = run(cmd);
        r.assert_code(3);
        // The password in --dsn is warned about on the line before.
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with("connect-pg-admin: error: could not connect")),
            "{r}"
        );
        assert!(
            !r.stdout.contains("secret-pw") && !r.stderr.contains("secret-pw"),
            "{r}"
        );
        if format == "json" {
            let v: serde_json::Value =
                serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
            assert_eq!(v["outcome"], "error");
            assert_eq!(v["error"]["exit_code"], 3);
        } else if format == "junit" {
            assert_valid_junit(&r.stdout);
            assert!(r.stdout.contains("type=\"exit code 3\""), "{r}");
        } else {
            assert!(
                r.stdout.starts_with("TAP version 13\nBail out! connect-pg-admin verify failed with exit code 3: could not connect"),
                "{r}"
            );
            assert_ne!(prove(&r.stdout).code, 0, "{r}");
        }
    }
}

/// Errors raised after parsing but before any connection (a bad name, a malformed --dsn) end
/// in the same document as one from the server: a CI step reading the report must not find an
/// empty file. Each format is read by its consumer; TAP's `Bail out!` makes prove fail.
#[test]
fn every_format_reports_errors_raised_before_connecting() {
    let cases: [(&[&str], &str, &str); 2] = [
        (
            &["--schema", "Bad", "verify"],
            "Bad",
            "--schema \"Bad\" is not a plain name",
        ),
        (
            &["verify", "--dsn", "postgres://someone:secret-pw@[::1/db"],
            "web",
            "malformed connection string",
        ),
    ];
    for (args, schema, message) in cases {
        for format in ["json", "junit", "tap"] {
            let mut cmd = bin();
            cmd.args(args).args(["--format", format]);
            let r = run(cmd);
            r.assert_code(2);
            assert!(
                r.stderr.starts_with("connect-pg-admin: error: ") && r.stderr.contains(message),
                "{r}"
            );
            assert!(!r.stdout.contains("secret-pw"), "{r}");
            match format {
                "json" => {
                    let v: serde_json::Value =
                        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
                    assert_eq!(v["outcome"], "error", "{r}");
                    assert_eq!(v["command"], "verify", "{r}");
                    assert_eq!(v["schema"], schema, "{r}");
                    assert_eq!(v["error"]["exit_code"], 2, "{r}");
                    let text = v["error"]["message"].as_str().unwrap_or_default();
                    assert!(text.contains(message), "{r}");
                }
                "junit" => {
                    assert_valid_junit(&r.stdout);
                    assert!(r.stdout.contains("type=\"exit code 2\""), "{r}");
                    assert!(
                        r.stdout
                            .contains(&format!("classname=\"connect-pg-admin.{schema}\"")),
                        "{r}"
                    );
                }
                _ => {
                    assert!(r.stdout.starts_with("TAP version 13\n"), "{r}");
                    assert!(
                        r.stdout.contains("Bail out! ") && r.stdout.contains(message),
                        "{r}"
                    );
                    let p = prove(&r.stdout);
                    assert_ne!(p.code, 0, "prove must count the run as failed\n{p}");
                }
            }
        }
    }
}

/// A human run that fails prints nothing on stdout: the error is on stderr only.
#[test]
fn human_errors_leave_stdout_empty() {
    let mut cmd = bin();
    cmd.args(["--schema", "Bad", "verify"]);
    let r = run(cmd);
    r.assert_code(2);
    assert_eq!(r.stdout, "", "{r}");
    assert!(r.stderr.contains("is not a plain name"), "{r}");
}

/// --format github: one `::error` workflow command per failing check, titled with the check's
/// stable name, then a one-line summary; an error is an annotation too; uninstall refuses it.
#[test]
fn github_annotations_name_each_failing_check() {
    let pass = installed("formats_github_pass", "gp");
    let fail = installed("formats_github_fail", "gf");
    drift(&fail, "gf");
    let summary = |r: &Run| r.stdout.lines().last().unwrap_or_default().to_string();

    let r = cli(&pass, "gp", &["verify", "--format", "github"]);
    r.assert_code(0);
    assert_eq!(r.stdout.lines().count(), 1, "{r}");
    assert!(
        summary(&r).starts_with("connect-pg-admin verify on postgres://"),
        "{r}"
    );
    assert!(
        summary(&r).ends_with(&format!(": pass; 0 of {CHECKS} checks fail, 0 skipped")),
        "{r}"
    );

    let r = cli(&fail, "gf", &["verify", "--format", "github"]);
    r.assert_code(1);
    let titles: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("::error title="))
        .filter_map(|l| l.split("::").next())
        .collect();
    assert_eq!(
        titles,
        ["expire_idx", "grant.table", "grant.functions"],
        "{r}"
    );
    assert_eq!(r.stdout.lines().count(), 4, "{r}");
    assert!(
        summary(&r).ends_with(&format!(": fail; 3 of {CHECKS} checks fail, 0 skipped")),
        "{r}"
    );

    let r = cli(&fail, "gf", &["install", "--format", "github"]);
    r.assert_code(0);
    assert!(!r.stdout.contains("::error"), "{r}");
    assert!(summary(&r).contains(": committed; 0 of "), "{r}");
    assert!(summary(&r).ends_with("step(s)"), "{r}");
    cli(&fail, "gf", &["verify"]).assert_code(0);

    let mut cmd = bin();
    cmd.args(["--schema", "Bad", "verify", "--format", "github"]);
    let r = run(cmd);
    r.assert_code(2);
    assert!(
        r.stdout
            .starts_with("::error title=connect-pg-admin verify::")
            && r.stdout.contains("is not a plain name")
            && r.stdout.contains("(exit code 2)"),
        "{r}"
    );

    let mut cmd = bin();
    cmd.args(["uninstall", "--format", "github"]);
    let r = run(cmd);
    r.assert_code(2);
    assert!(
        r.stderr.contains("tap, junit and github are for checks"),
        "{r}"
    );
}
