//! The differential test of issue 13: for every case (a connection string or URL, an
//! environment, service and password files) psql and `connect-pg-admin print-target` run with
//! the same environment against the same servers, and must land on the same server, user,
//! database and TLS state, or both refuse. The servers: a primary and its hot standby (TLS on;
//! pg_hba rejects `plainonly` over TLS and `tlsonly` without it) and a server with TLS off.
//!
//! Every case also names what psql is expected to do, so a broken setup (both refusing
//! everything) fails too. A refusal names the tool's exit code as well: 2 for a setting
//! refused before connecting, 3 for a connection that failed (psql exits 2 for both, so only
//! the case can say which it must be). Cases marked `tool_only` use something psql 15 predates or that the
//! tool refuses on purpose (docs/connection.md, "Differences from psql"); for those the
//! tool's outcome is asserted alone.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::{X509Builder, X509NameBuilder};

use crate::support::{bin, private_cluster, private_standby, run_with_stdin, Cluster, Run};

const PRINT_TARGET: &str = include_str!("../sql/tool/print_target.sql");

/// What a client did: `Some("port|standby|user|db|tls")`, or `None` when it refused.
type Outcome = Option<String>;

struct World {
    p: &'static Cluster,
    s: &'static Cluster,
    n: &'static Cluster,
    home: tempfile::TempDir,
    vars: Vec<(&'static str, String)>,
}

static WORLD: OnceLock<World> = OnceLock::new();

fn world() -> &'static World {
    WORLD.get_or_init(setup)
}

fn sql(c: &Cluster, stmts: &[&str]) {
    let mut client = c.admin("postgres");
    for s in stmts {
        if let Err(e) = client.batch_execute(s) {
            panic!("{s}: {}", crate::support::pg_error(&e));
        }
    }
}

fn prepend_hba(c: &Cluster, lines: &str) {
    let path = c.data_dir().join("pg_hba.conf");
    let old = fs::read_to_string(&path).expect("read pg_hba.conf");
    fs::write(&path, format!("{lines}{old}")).expect("write pg_hba.conf");
}

fn write(path: &Path, text: &str, mode: u32) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).expect("mkdir");
    }
    fs::write(path, text).expect("write file");
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A self-signed client certificate and its key encrypted with "keypass".
fn client_cert(dir: &Path) {
    let rsa = Rsa::generate(2048).expect("rsa");
    let key = PKey::from_rsa(rsa).expect("pkey");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "alice").expect("cn");
    let name = name.build();
    let mut b = X509Builder::new().expect("x509");
    b.set_version(2).expect("version");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(&name).expect("issuer");
    b.set_pubkey(&key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
        .expect("nb");
    b.set_not_after(&Asn1Time::days_from_now(2).expect("time"))
        .expect("na");
    b.sign(&key, MessageDigest::sha256()).expect("sign");
    let cert = b.build().to_pem().expect("pem");
    write(
        &dir.join("client.crt"),
        &String::from_utf8_lossy(&cert),
        0o644,
    );
    let enc = key
        .private_key_to_pem_pkcs8_passphrase(Cipher::aes_256_cbc(), b"keypass")
        .expect("encrypt key");
    write(
        &dir.join("client.key"),
        &String::from_utf8_lossy(&enc),
        0o600,
    );
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

fn setup() -> World {
    // A pair of its own: the test rewrites pg_hba.conf and sets ssl_ca_file.
    let pair = private_standby();
    let (p, s) = (pair.primary(), pair.server());
    let n = private_cluster();
    sql(
        p,
        &["DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'alice') THEN
                 CREATE ROLE alice LOGIN PASSWORD 'alicepw';
                 CREATE ROLE plainonly LOGIN PASSWORD 'plainpw';
                 CREATE ROLE tlsonly LOGIN PASSWORD 'tlspw';
                 CREATE ROLE certuser LOGIN PASSWORD 'certpw';
               END IF; END $$"],
    );
    if p.admin("postgres")
        .query("SELECT 1 FROM pg_database WHERE datname = 'appdb'", &[])
        .map(|r| r.is_empty())
        .unwrap_or(true)
    {
        sql(p, &["CREATE DATABASE appdb"]);
    }
    sql(
        n,
        &[
            "CREATE ROLE alice LOGIN PASSWORD 'alicepw'",
            "CREATE DATABASE appdb",
            "ALTER SYSTEM SET ssl = off",
        ],
    );
    let rules = "hostssl all plainonly 127.0.0.1/32 reject\n\
                 hostnossl all tlsonly 127.0.0.1/32 reject\n";
    // Client certificates only on the primary: with a CA configured the server checks any
    // certificate a client sends, and the sslpassword cases send a self-signed one (to S).
    sql(
        p,
        &[&format!(
            "ALTER SYSTEM SET ssl_ca_file = '{}'",
            p.ca_cert().display()
        )],
    );
    prepend_hba(
        p,
        &format!("hostssl all certuser 127.0.0.1/32 cert\n{rules}"),
    );
    prepend_hba(s, rules);
    for c in [p, n] {
        sql(c, &["SELECT pg_reload_conf()"]);
    }
    pair.catch_up();
    sql(s, &["SELECT pg_reload_conf()"]);
    // Reloads are asynchronous: wait until new sessions see them.
    wait_until("ssl off on the TLS-less server", || {
        n.admin("postgres")
            .query_one("SHOW ssl", &[])
            .is_ok_and(|r| r.get::<_, String>(0) == "off")
    });
    for c in [p, s] {
        wait_until("pg_hba.conf reloaded", || {
            c.config("postgres", "tlsonly", "tlspw")
                .connect(postgres::NoTls)
                .is_err()
        });
    }

    let home = tempfile::tempdir().expect("tempdir");
    let h = home.path();
    let (pp, sp, np) = (p.port(), s.port(), n.port());
    let ps = p.socket_dir().display().to_string();
    let pw = p.superuser_password();
    write(
        &h.join(".pgpass"),
        &format!(
            "127.0.0.1:{pp}:*:alice:alicepw\n\
             {ps}:*:*:alice:alicepw\n\
             localhost:{sp}:*:alice:alicepw\n\
             localhost:*:*:postgres:{pw}\n\
             127.0.0.1:{sp}:*:postgres:{pw}\n"
        ),
        0o600,
    );
    write(&h.join("open.pgpass"), "*:*:*:alice:alicepw\n", 0o644);
    write(
        &h.join("alt.pgpass"),
        &format!("*:{np}:*:alice:alicepw\n"),
        0o600,
    );
    write(
        &h.join(".pg_service.conf"),
        &format!(
            "# services of the differential test\n\
             [prim]\nhost=127.0.0.1\nport={pp}\nuser=alice\ndbname=appdb\n\n\
             [stby]\n  host=127.0.0.1  \nport={sp}\nuser=alice\n\
             [both_rw]\nhost=127.0.0.1,127.0.0.1\nport={sp},{pp}\ntarget_session_attrs=read-write\nuser=alice\n\
             [sock]\nhost={ps}\nport={pp}\nuser=alice\ndbname=appdb\n\
             [bad]\nhost 127.0.0.1\n\
             [unknownkw]\nhots=127.0.0.1\n\
             [nested]\nservice=prim\n\
             [tlsreq]\nhost=127.0.0.1\nport={np}\nuser=alice\nsslmode=require\n\
             [requiressl]\nhost=127.0.0.1\nport={pp}\nuser=alice\nrequiressl=1\n"
        ),
        0o600,
    );
    write(
        &h.join("sys/pg_service.conf"),
        &format!(
            "[sysonly]\nhost=127.0.0.1\nport={np}\nuser=alice\ndbname=appdb\n\
             [prim]\nhost=127.0.0.1\nport={np}\nuser=alice\n"
        ),
        0o644,
    );
    write(
        &h.join("alt_service.conf"),
        &format!("[prim]\nhost=127.0.0.1\nport={sp}\nuser=alice\ndbname=appdb\n"),
        0o644,
    );
    client_cert(h);

    let hs = h.display().to_string();
    let vars = vec![
        ("{P}", pp.to_string()),
        ("{S}", sp.to_string()),
        ("{N}", np.to_string()),
        ("{PS}", ps),
        ("{SS}", s.socket_dir().display().to_string()),
        ("{NS}", n.socket_dir().display().to_string()),
        ("{PW}", pw.to_string()),
        ("{CA}", p.ca_cert().display().to_string()),
        ("{OCA}", p.other_ca_cert().display().to_string()),
        ("{HOME}", hs),
    ];
    World {
        p,
        s,
        n,
        home,
        vars,
    }
}

impl World {
    fn expand(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (k, v) in &self.vars {
            out = out.replace(k, v);
        }
        out
    }

    fn server(&self, key: &str) -> u16 {
        match key {
            "P" => self.p.port(),
            "S" => self.s.port(),
            "N" => self.n.port(),
            other => panic!("unknown server {other}"),
        }
    }

    fn prepare(&self, mut cmd: Command, case: &Case) -> Command {
        crate::support::scrub_pg_env(&mut cmd);
        cmd.env("HOME", self.home.path())
            .env("LC_ALL", "C.UTF-8")
            .env("PGCONNECT_TIMEOUT", "5");
        for (k, v) in case.env {
            cmd.env(k, self.expand(v));
        }
        cmd
    }

    fn psql(&self, case: &Case) -> (Outcome, Run) {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-A", "-t", "-w", "-c", PRINT_TARGET]);
        if let Some(dsn) = case.dsn {
            cmd.args(["-d", &self.expand(dsn)]);
        }
        let run = run_with_stdin(self.prepare(cmd, case), None);
        (outcome(&run), run)
    }

    fn tool(&self, case: &Case) -> (Outcome, Run) {
        let mut cmd = bin();
        if let Some(dsn) = case.dsn {
            cmd.args(["--dsn", &self.expand(dsn)]);
        }
        cmd.arg("print-target");
        let run = run_with_stdin(self.prepare(cmd, case), None);
        if run.code != 0 {
            // A refusal is bad input (2) or a failed connection (3), on one line.
            assert!(
                run.code == 2 || run.code == 3,
                "{}: the tool refused with exit {}:\n{run:?}",
                case.name,
                run.code
            );
            // The warning about a password in --dsn (operations::) is a line of its own.
            let errors = run
                .stderr
                .lines()
                .filter(|l| !l.starts_with("connect-pg-admin: warning: the password in --dsn"))
                .count();
            assert_eq!(errors, 1, "{}: {run:?}", case.name);
        }
        (outcome(&run), run)
    }

    /// Whether an outcome is what the case expects: "refuse <exit code>", or
    /// "<server> [tls|plain]". The exit code is the tool's, checked by `check`.
    fn matches(&self, expect: &str, got: &Outcome) -> bool {
        let mut words = expect.split_whitespace();
        let server = words.next().unwrap_or("refuse");
        let tls = words.next();
        match (server, got) {
            ("refuse", None) => true,
            ("refuse", Some(_)) | (_, None) => false,
            (key, Some(line)) => {
                let f: Vec<&str> = line.split('|').collect();
                f.first() == Some(&self.server(key).to_string().as_str())
                    && match tls {
                        None => true,
                        Some("tls") => f.get(4) == Some(&"true"),
                        Some(_) => f.get(4) == Some(&"false"),
                    }
            }
        }
    }
}

fn outcome(run: &Run) -> Outcome {
    (run.code == 0).then(|| run.stdout.trim().to_string())
}

/// For a case that expects a refusal, how the tool's exit code differs from the one the case
/// names (2: a setting refused before connecting; 3: the connection failed).
fn wrong_exit(case: &Case, run: &Run) -> Option<String> {
    let mut words = case.expect.split_whitespace();
    if words.next() != Some("refuse") {
        return None;
    }
    match words.next().and_then(|c| c.parse::<i32>().ok()) {
        Some(code) if code == run.code => None,
        Some(code) => Some(format!(
            "{}: the tool should refuse with exit {code}, got {}\n{run:?}",
            case.name, run.code
        )),
        None => Some(format!(
            "{}: a refusal must name the tool's exit code (\"refuse 2\" or \"refuse 3\"); it gave {}\n{run:?}",
            case.name, run.code
        )),
    }
}

pub struct Case {
    name: &'static str,
    dsn: Option<&'static str>,
    env: &'static [(&'static str, &'static str)],
    /// What psql does (and so the tool), or for `tool_only` cases what the tool does:
    /// "refuse 2", "refuse 3" (the tool's exit code), or "<server> [tls|plain]".
    expect: &'static str,
    /// Why psql 15 differs on purpose, for cases whose psql outcome is not compared.
    tool_only: Option<&'static str>,
}

const fn same(
    name: &'static str,
    dsn: Option<&'static str>,
    env: &'static [(&'static str, &'static str)],
    expect: &'static str,
) -> Case {
    Case {
        name,
        dsn,
        env,
        expect,
        tool_only: None,
    }
}

const fn tool_only(
    name: &'static str,
    dsn: Option<&'static str>,
    env: &'static [(&'static str, &'static str)],
    expect: &'static str,
    why: &'static str,
) -> Case {
    Case {
        tool_only: Some(why),
        ..same(name, dsn, env, expect)
    }
}

const A: &[(&str, &str)] = &[("PGPASSWORD", "alicepw")];
const NEW: &str = "psql 15 predates this libpq 16-18 keyword and rejects it";

/// The case of the data file named `name`.
fn case(name: &str) -> &'static Case {
    cases()
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("tests/connection_psql.cases has no case {name:?}"))
}

fn malformed<T>(line: &str) -> T {
    panic!("tests/connection_psql.cases: malformed line: {line}")
}

/// The cases, as data: tests/connection_psql.cases, a case a line (its header says how).
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        // The test binary keeps its cases for its whole life: leaking them gives the same
        // `&'static str` fields as the cases written in the tests.
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        include_str!("connection_psql.cases")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|line| {
                let cols: Vec<&str> = line.split(" | ").collect();
                let (dsn, env) = match cols[..] {
                    [_, _, dsn, env, _] | [_, _, dsn, env, _, _] => (dsn, env),
                    _ => malformed(line),
                };
                let env: &'static [(&'static str, &'static str)] = match env {
                    "-" => &[],
                    "A" => A,
                    pairs => Box::leak(
                        pairs
                            .split("; ")
                            .map(|kv| kv.split_once('=').unwrap_or_else(|| malformed(line)))
                            .map(|(k, v)| (leak(k), leak(v)))
                            .collect::<Vec<_>>()
                            .into_boxed_slice(),
                    ),
                };
                let dsn = (dsn != "-").then(|| leak(dsn));
                match cols[..] {
                    ["same", name, _, _, expect] => same(leak(name), dsn, env, leak(expect)),
                    ["tool_only", name, _, _, expect, why] => {
                        let why = if why == "NEW" { NEW } else { leak(why) };
                        tool_only(leak(name), dsn, env, leak(expect), why)
                    }
                    _ => malformed(line),
                }
            })
            .collect()
    })
}

#[test]
fn psql_and_the_tool_reach_the_same_server_or_both_refuse() {
    let w = world();
    let started = std::time::Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<&[Case]> = cases().chunks(cases().len().div_ceil(4)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || chunk.iter().filter_map(|c| check(w, c)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a worker panicked".into()])
            })
            .collect()
    });
    eprintln!(
        "{} differential cases ({} compared with psql) in {:.1} s",
        cases().len(),
        cases().iter().filter(|c| c.tool_only.is_none()).count(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases().len(),
        failures.join("\n\n")
    );
}

fn check(w: &World, case: &Case) -> Option<String> {
    let (tool, tool_run) = w.tool(case);
    if tool.is_none() {
        if let Some(wrong) = wrong_exit(case, &tool_run) {
            return Some(wrong);
        }
    }
    if case.tool_only.is_some() {
        return (!w.matches(case.expect, &tool)).then(|| {
            format!(
                "{}: expected {} from the tool, got {tool:?}\n{tool_run:?}",
                case.name, case.expect
            )
        });
    }
    let (psql, psql_run) = w.psql(case);
    if !w.matches(case.expect, &psql) {
        return Some(format!(
            "{}: the case expects {} but psql gave {psql:?} (setup problem?)\n{psql_run:?}",
            case.name, case.expect
        ));
    }
    (psql != tool).then(|| {
        format!(
            "{}: psql {psql:?}, tool {tool:?}\npsql: {psql_run:?}\ntool: {tool_run:?}",
            case.name
        )
    })
}

/// load_balance_hosts=random spreads sessions over the hosts (psql 15 predates it).
#[test]
fn load_balance_hosts_random_uses_every_host() {
    let w = world();
    let case = tool_only(
        "random",
        Some("host=127.0.0.1,127.0.0.1 port={S},{P} user=alice dbname=appdb load_balance_hosts=random"),
        A,
        "",
        NEW,
    );
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..24 {
        let (out, run) = w.tool(&case);
        let line = out.unwrap_or_else(|| panic!("{run:?}"));
        seen.insert(line.split('|').next().unwrap_or_default().to_string());
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
}

/// A client certificate that does not exist is reported as such when the server wants one.
#[test]
fn a_missing_client_certificate_is_named() {
    let case = case("missing PGSSLCERT, certificate required");
    let w = world();
    let (out, run) = w.tool(case);
    assert_eq!(out, None);
    assert_eq!(wrong_exit(case, &run), None);
    assert!(
        run.stderr
            .contains("\"/nonexistent/client.crt\" (sslcert or PGSSLCERT) does not exist"),
        "{run:?}"
    );
    let (psql, _) = w.psql(case);
    assert_eq!(psql, None);
}

/// The explanations of the failures that have no typed error in the driver, pinned here so a
/// driver upgrade that changes them fails a test.
#[test]
fn explanations_of_untyped_failures() {
    let w = world();
    let msg = |dsn: &'static str, env: &'static [(&'static str, &'static str)]| {
        let (out, run) = w.tool(&same("explain", Some(dsn), env, "refuse"));
        assert_eq!(out, None, "{run:?}");
        run.stderr
    };
    let m = msg(
        "host=127.0.0.1 port={N} user=alice dbname=appdb sslmode=require",
        A,
    );
    assert!(
        m.contains("does not support TLS, but sslmode=require requires it"),
        "{m}"
    );
    let m = msg(
        "host=127.0.0.1 port={N} user=alice dbname=appdb sslmode=disable",
        &[],
    );
    assert!(
        m.contains("the server asks for a password for user \"alice\""),
        "{m}"
    );
    let m = msg(
        "host={PS} port={P} user=alice dbname=appdb channel_binding=require",
        A,
    );
    assert!(
        m.contains("channel_binding=require, but the server did not"),
        "{m}"
    );
    let m = msg(
        "host=127.0.0.1 port={P} user=alice dbname=appdb password=wrong",
        &[],
    );
    assert!(m.contains("password authentication failed for user \"alice\"; the password in password= in the connection string was refused"), "{m}");
    let m = msg("host=127.0.0.1 port={P} user=alice dbname=nosuchdb", A);
    assert!(m.contains("database \"nosuchdb\" does not exist"), "{m}");
    let m = msg("host=127.0.0.1 port=1 user=alice dbname=appdb", A);
    assert!(m.contains("cannot reach the server at 127.0.0.1:1"), "{m}");
    let m = msg("host=/nonexistent port={P} user=alice dbname=appdb", A);
    assert!(m.contains("no server is listening on socket"), "{m}");
    let m = msg(
        "host=localhost port={P} user=alice dbname=appdb sslmode=verify-full sslrootcert={OCA}",
        A,
    );
    assert!(
        m.contains("could not be verified against the root certificate file"),
        "{m}"
    );
    let m = msg("host=127.0.0.2 hostaddr=127.0.0.1 port={P} user=alice dbname=appdb sslmode=verify-full sslrootcert={CA}", A);
    assert!(
        m.contains("does not match the host name \"127.0.0.2\""),
        "{m}"
    );
    let m = msg("host=127.0.0.1 port={P} user=alice dbname=appdb sslmode=require ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=TLSv1.1", A);
    assert!(m.contains("TLS handshake with 127.0.0.1"), "{m}");
    let m = msg(
        "host=127.0.0.1 port={S} user=alice dbname=appdb target_session_attrs=read-write",
        A,
    );
    assert!(m.contains("session is read-only"), "{m}");
}

/// Every row of docs/connection.md's keyword table names a case of this test that uses it.
#[test]
fn the_docs_table_names_existing_cases() {
    let doc = include_str!("../docs/connection.md");
    let table = doc
        .split("<!-- keyword table: begin -->")
        .nth(1)
        .and_then(|t| t.split("<!-- keyword table: end -->").next())
        .expect("table markers");
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("|  |"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (keyword, var, test) = (
            cells[0].trim_matches('`'),
            cells[1].trim_matches('`'),
            cells[3],
        );
        let case = case(test);
        let in_dsn =
            !keyword.is_empty() && case.dsn.is_some_and(|d| d.contains(&format!("{keyword}=")));
        let in_env = !var.is_empty() && case.env.iter().any(|(k, _)| *k == var);
        assert!(
            in_dsn || in_env,
            "the case {test:?} uses neither {keyword} nor {var}"
        );
        rows += 1;
    }
    assert!(rows >= 50, "only {rows} rows");
}

/// sslnegotiation=direct (libpq 17+, newer than psql 15): TLS without the SSLRequest round
/// trip, which only PostgreSQL 17 and later servers accept.
#[test]
fn sslnegotiation_direct_works_where_the_server_supports_it() {
    let w = world();
    let case = tool_only(
        "direct",
        Some(
            "host=127.0.0.1 port={P} user=alice dbname=appdb sslmode=require sslnegotiation=direct",
        ),
        A,
        "",
        NEW,
    );
    let (out, run) = w.tool(&case);
    if w.p.major() >= 17 {
        assert!(w.matches("P tls", &out), "{run:?}");
    } else {
        assert_eq!(out, None, "{run:?}");
    }
}

/// A server that accepts and hangs up, and one that accepts and never answers: the startup
/// breaks, or the watchdog gives up after connect_timeout plus its grace; psql refuses both.
#[test]
fn servers_that_break_or_stall_during_startup() {
    let w = world();
    let serve = |stall: bool| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            for stream in listener.incoming().flatten() {
                if stall {
                    kept.push(stream);
                }
            }
        });
        port
    };
    for (stall, expected) in [
        (false, "broke during startup"),
        (
            true,
            "did not finish the startup (TLS, authentication) within 4 s",
        ),
    ] {
        let port = serve(stall);
        let dsn: &'static str = Box::leak(
            format!("host=127.0.0.1 port={port} user=alice dbname=appdb connect_timeout=2")
                .into_boxed_str(),
        );
        let case = same("startup", Some(dsn), A, "refuse 3");
        let (out, run) = w.tool(&case);
        assert_eq!(out, None, "{run:?}");
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stderr.contains(expected), "{run:?}");
        let (psql, psql_run) = w.psql(&case);
        assert_eq!(psql, None, "{psql_run:?}");
    }
}
