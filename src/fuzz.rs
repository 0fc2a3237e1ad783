//! Fuzzing of every parser the tool owns (connection strings, pgpass lines, pgTAP's TAP
//! stream, --schema / --role names), on the stable toolchain: proptest generates inputs, both
//! arbitrary text and text shaped like the real thing, for a time budget per target, and
//! shrinks any failure to a minimal input. A panic anywhere is a failure; so is a broken
//! property (a value that does not round-trip, a secret in an error message).
//!
//! Budget: `CPA_FUZZ_SECS` seconds per target (default 2, what `cargo test` runs in CI);
//! `scripts/fuzz` runs every target for 60 s or more in release mode. Seed: `CPA_FUZZ_SEED`
//! (printed at the start of each target; a failure names the seed that reproduces it).

use std::fmt::Debug;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

use crate::connection::conninfo;
use crate::connection::pgpass::{self, Pattern};
use crate::contract::catalog;
use crate::contract::checks;
use crate::error::Error;
use crate::names::{self, Names};

fn budget() -> Duration {
    let secs = std::env::var("CPA_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .unwrap_or(2.0);
    Duration::from_secs_f64(secs)
}

fn base_seed() -> u64 {
    std::env::var("CPA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        })
}

/// Runs `test` on inputs from `strategy` until the budget is spent (at least one round).
fn fuzz<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    const CASES_PER_ROUND: u32 = 512;
    let seed = base_seed();
    let started = Instant::now();
    let mut rounds: u64 = 0;
    while rounds == 0 || started.elapsed() < budget() {
        let round_seed = seed.wrapping_add(rounds);
        let mut runner = TestRunner::new(Config {
            cases: CASES_PER_ROUND,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(round_seed),
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("fuzz target {name} failed (CPA_FUZZ_SEED={round_seed}): {e}");
        }
        rounds += 1;
    }
    eprintln!(
        "fuzz {name}: {} cases in {:.1}s, no failure (CPA_FUZZ_SEED={seed})",
        rounds * u64::from(CASES_PER_ROUND),
        started.elapsed().as_secs_f64()
    );
}

/// Any text, weighted towards the characters each parser treats specially.
fn text(special: &'static str, max: usize) -> impl Strategy<Value = String> {
    let specials: Vec<char> = special.chars().collect();
    prop_oneof![
        2 => proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(specials),
                2 => proptest::char::range('a', 'z'),
                1 => any::<char>(),
            ],
            0..max
        )
        .prop_map(|v| v.into_iter().collect::<String>()),
        1 => any::<String>(),
    ]
}

fn usage_message(e: &Error) -> Result<String, TestCaseError> {
    match e {
        Error::Usage(m) => Ok(m.clone()),
        other => Err(TestCaseError::fail(format!("not a usage error: {other:?}"))),
    }
}

// ---- connection strings --------------------------------------------------------------

#[test]
fn fuzz_conninfo_any_text() {
    let strategy = prop_oneof![
        text(" =\\'\t\n\r\x0b\x0cab%:/@?&#[]0123456789", 80),
        text("=\\'%:/@?&#[]+,. ", 80).prop_map(|s| format!("postgres://{s}")),
        text("=\\'%:/@?&#[]+,. ", 80).prop_map(|s| format!("  postgresql://{s}")),
    ];
    fuzz("conninfo (any text)", strategy, |s| {
        if let Err(e) = conninfo::parse(&s) {
            let m = usage_message(&e)?;
            prop_assert!(!m.contains('\n'), "multi-line message: {m:?}");
        }
        Ok(())
    });
}

/// A password that cannot occur in any fixed message.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{8,16}".prop_map(|s| format!("Zq9{s}"))
}

#[test]
fn fuzz_conninfo_never_shows_the_password() {
    let junk = || text(" ='\\%&?#@:/", 20);
    let strategy = (junk(), secret(), junk(), any::<bool>());
    fuzz(
        "conninfo (password never in an error)",
        strategy,
        |(before, pw, after, url)| {
            let s = if url {
                format!("postgres://u:{pw}@h/{before}?{after}")
            } else {
                format!("{before} password={pw}{after}")
            };
            if let Err(e) = conninfo::parse(&s) {
                let m = usage_message(&e)?;
                prop_assert!(!m.contains(&pw), "{m:?} shows the password of {s:?}");
            }
            Ok(())
        },
    );
}

fn keyword() -> impl Strategy<Value = &'static str> {
    let names: Vec<&'static str> = crate::connection::keywords::KEYWORDS
        .iter()
        .map(|k| k.name)
        .collect();
    proptest::sample::select(names)
}

#[test]
fn fuzz_conninfo_key_value_round_trip() {
    let pair = (keyword(), any::<String>(), "[ \t\n]{1,3}");
    fuzz(
        "conninfo (key='value' round trip)",
        proptest::collection::vec(pair, 0..8),
        |pairs| {
            let mut s = String::new();
            let mut want: Vec<(String, String)> = Vec::new();
            for (key, value, space) in &pairs {
                let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
                s.push_str(&format!("{key} = '{quoted}'{space}"));
                match want.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = value.clone(),
                    None => want.push((key.to_string(), value.clone())),
                }
            }
            let got = conninfo::parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(got, want);
            Ok(())
        },
    );
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn fuzz_conninfo_url_round_trip() {
    let value = || "[^\u{0}]{1,20}";
    fuzz(
        "conninfo (URL round trip)",
        (value(), value(), value(), value(), 1u16..=65535),
        |(user, password, dbname, app, port)| {
            let s = format!(
                "postgresql://{}:{}@db.example:{port}/{}?application_name={}",
                percent_encode(&user),
                percent_encode(&password),
                percent_encode(&dbname),
                percent_encode(&app)
            );
            let got = conninfo::parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let want: Vec<(String, String)> = vec![
                ("user".into(), user),
                ("password".into(), password),
                ("host".into(), "db.example".into()),
                ("port".into(), port.to_string()),
                ("dbname".into(), dbname),
                ("application_name".into(), app),
            ];
            prop_assert_eq!(got, want);
            Ok(())
        },
    );
}

// ---- pgpass lines ----------------------------------------------------------------------

#[test]
fn fuzz_pgpass_any_text() {
    fuzz("pgpass (any text)", text(":\\*#\r\n ", 60), |s| {
        let _ = pgpass::parse_line(&s);
        let _ = pgpass::lookup(&s, &["localhost", "/tmp"], "5432", "db", "user");
        Ok(())
    });
}

fn pgpass_escape(field: &str) -> String {
    let mut out = String::new();
    for c in field.chars() {
        if matches!(c, ':' | '\\' | '*') {
            out.push('\\');
        }
        out.push(c);
    }
    // A line starting with '#' is a comment; escaped, it is a literal '#'.
    if out.starts_with('#') {
        out.insert(0, '\\');
    }
    out
}

#[test]
fn fuzz_pgpass_round_trip() {
    let field = || "[^\r\n]{0,12}";
    fuzz(
        "pgpass (escaped fields round trip)",
        (field(), field(), field(), field(), field()),
        |(host, port, dbname, user, password)| {
            // Marked, so the Debug check below cannot be fooled by a coincidence.
            let password = format!("Zq9x{password}");
            let line = [&host, &port, &dbname, &user, &password]
                .iter()
                .map(|f| pgpass_escape(f))
                .collect::<Vec<_>>()
                .join(":");
            let e = pgpass::parse_line(&line)
                .ok_or_else(|| TestCaseError::fail(format!("{line:?} not parsed")))?;
            prop_assert!(
                !format!("{e:?}").contains(&password),
                "Debug shows the password"
            );
            prop_assert_eq!(e.host, Pattern::Exact(host.clone()));
            prop_assert_eq!(e.port, Pattern::Exact(port.clone()));
            prop_assert_eq!(e.dbname, Pattern::Exact(dbname.clone()));
            prop_assert_eq!(e.user, Pattern::Exact(user.clone()));
            prop_assert_eq!(&e.password.0, &password);
            let found = pgpass::lookup(
                &format!("# comment\n{line}\n"),
                &[&host],
                &port,
                &dbname,
                &user,
            );
            prop_assert_eq!(found, Some(password));
            Ok(())
        },
    );
}

// ---- pgTAP's TAP stream ----------------------------------------------------------------

#[test]
fn fuzz_tap_any_text() {
    let checks = catalog::checks();
    let line = prop_oneof![
        text("# okt-0123456789.\\ ", 30).prop_map(|s| format!("ok {s}")),
        text("# okt-0123456789.\\ ", 30).prop_map(|s| format!("not ok {s}")),
        text("# \\", 30).prop_map(|s| format!("# {s}")),
        (0usize..80).prop_map(|n| format!("1..{n}")),
        text(" #:-", 30),
        Just("Bail out!".to_string()),
        Just("TAP version 13".to_string()),
        Just("  ---".to_string()),
        Just("  ...".to_string()),
    ];
    fuzz(
        "tap (any text)",
        proptest::collection::vec(line, 0..80),
        |lines| {
            let _ = checks::parse(&lines.join("\n"), &checks);
            Ok(())
        },
    );
}

#[test]
fn fuzz_tap_verdicts_are_pgtaps() {
    let checks = catalog::checks();
    let n = checks.len();
    let diag = "[ -~]{0,40}";
    let point = (any::<bool>(), proptest::collection::vec(diag, 0..3));
    fuzz(
        "tap (verdicts read back)",
        proptest::collection::vec(point, n..=n),
        |points| {
            let mut tap = String::new();
            for (i, (passed, diags)) in points.iter().enumerate() {
                let check = &checks[i];
                let status = if *passed { "ok" } else { "not ok" };
                tap.push_str(&format!(
                    "{status} {} - {}: {}\n",
                    i + 1,
                    check.name,
                    check.description
                ));
                for d in diags {
                    tap.push_str(&format!("# {d}\n"));
                }
            }
            tap.push_str(&format!("1..{n}\n"));
            let results =
                checks::parse(&tap, &checks).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let got: Vec<bool> = results.iter().map(|r| r.passed).collect();
            let want: Vec<bool> = points.iter().map(|(p, _)| *p).collect();
            prop_assert_eq!(got, want);
            for (r, c) in results.iter().zip(&checks) {
                prop_assert_eq!(&r.name, &c.name);
            }
            Ok(())
        },
    );
}

// ---- --schema and --role ---------------------------------------------------------------

use crate::names::RESERVED;

fn plain(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn fuzz_names() {
    let strategy = prop_oneof![
        text("_\"'; \0\n\\$-.pg", 70),
        "[a-z_][a-z0-9_]{0,64}",
        "pg_[a-z0-9_]{0,10}",
        proptest::sample::select(RESERVED.to_vec()).prop_map(str::to_string),
    ];
    fuzz("names", (strategy.clone(), strategy), |(schema, role)| {
        for (flag, name, max) in [("--schema", &schema, 57), ("--role", &role, 63)] {
            match names::validate(flag, name, max) {
                Ok(()) => {
                    prop_assert!(plain(name), "{name:?} accepted");
                    prop_assert!(name.len() <= max);
                    prop_assert!(!name.starts_with("pg_"));
                    prop_assert!(!RESERVED.contains(&name.as_str()));
                }
                Err(e) => {
                    let m = usage_message(&e)?;
                    prop_assert!(m.starts_with(flag));
                    prop_assert!(!m.chars().any(char::is_control), "{m:?}");
                    prop_assert!(m.len() < 400, "{} bytes", m.len());
                    let valid = plain(name)
                        && !name.is_empty()
                        && name.len() <= max
                        && !name.starts_with("pg_")
                        && !RESERVED.contains(&name.as_str());
                    prop_assert!(!valid, "{name:?} refused: {m}");
                }
            }
        }
        if let Ok(n) = Names::new(&schema, &role) {
            prop_assert_eq!(&n.owner, &format!("{schema}_owner"));
            prop_assert!(n.owner.len() <= 63);
            prop_assert!(n.role != n.owner);
        }
        Ok(())
    });
}
