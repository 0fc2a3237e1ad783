//! Runs the contract's checks in the database and reads their verdicts. The checks are pgTAP
//! assertions (pgtap/); pgTAP produces the TAP stream and tap_parser reads it back, so what the
//! tool reports is exactly what pgTAP said. pgTAP is used where installed, or loaded for the
//! transaction and dropped before it ends.

use postgres::{SimpleQueryMessage, Transaction};

use crate::contract::catalog::{self, Check, Flavour};
use crate::contract::template;
use crate::error::{one_line, Error, Result};
use crate::names::Names;

/// What the server offers, read once per run.
#[derive(Debug, Clone)]
pub struct Server {
    pub version_num: i32,
    pub version: String,
    /// The schema of the installed pgtap extension, if there is one.
    pub pgtap_schema: Option<String>,
    /// Why the installed pgTAP is not to be trusted (sql/tool/server.sql), if it is not.
    pub pgtap_distrust: Option<String>,
    /// The script of a private copy, read when the installed pgTAP is not to be trusted.
    pub pgtap_script: Option<String>,
    pub pgtap_available: bool,
    /// The default version of the server's pgTAP files, if it has them.
    pub pgtap_version: Option<String>,
    pub superuser: bool,
    pub current_user: String,
    /// The Citus cluster this database is the coordinator of, if it has the citus extension.
    pub citus: Option<CitusNode>,
}

/// What a Citus coordinator reports about its cluster (sql/tool/citus_node.sql).
#[derive(Debug, Clone)]
pub struct CitusNode {
    pub version: String,
    /// The active primary workers, `host:port`.
    pub workers: Vec<String>,
}

impl Server {
    /// Which contract this database gets.
    pub fn flavour(&self) -> Flavour {
        if self.citus.is_some() {
            Flavour::Citus
        } else {
            Flavour::Single
        }
    }
}

impl Server {
    /// The installed pgTAP's schema when the checks may use it.
    fn trusted_pgtap(&self) -> Option<&str> {
        match (&self.pgtap_schema, &self.pgtap_distrust) {
            (Some(schema), None) => Some(schema),
            _ => None,
        }
    }
}

/// The oldest major whose catalogs the checks and steps are tested against.
pub const MIN_SERVER_VERSION: i32 = 130000;

pub fn server(client: &mut postgres::Client) -> Result<Server> {
    let row = client
        .query_one(tool_sql!("server"), &[])
        .map_err(|e| Error::from_db("reading the server's version", &e))?;
    let mut s = Server {
        version_num: row.get("version_num"),
        version: row.get("version"),
        pgtap_schema: row.get("pgtap_schema"),
        pgtap_distrust: row.get("pgtap_distrust"),
        pgtap_script: None,
        pgtap_available: row.get("pgtap_available"),
        pgtap_version: row.get("pgtap_version"),
        superuser: row.get::<_, Option<bool>>("superuser").unwrap_or(false),
        current_user: row.get("current_user"),
        citus: None,
    };
    if s.version_num < MIN_SERVER_VERSION {
        return Err(Error::Prerequisite(format!(
            "the server runs PostgreSQL {}; connect-pg-admin supports PostgreSQL 13 and later: upgrade the server first",
            s.version
        )));
    }
    if s.pgtap_schema.is_none() && !s.pgtap_available {
        return Err(Error::Prerequisite(format!(
            "pgTAP is not installed on the server; install its package (on Debian/Ubuntu: apt-get install postgresql-{}-pgtap) and run again",
            s.version_num / 10000
        )));
    }
    if row.get::<_, bool>("citus") {
        s.citus = Some(citus_node(client)?);
    }
    if let (Some(schema), Some(why)) = (&s.pgtap_schema, &s.pgtap_distrust) {
        s.pgtap_script = Some(pgtap_script(client, s.pgtap_version.as_deref()).map_err(|reason| {
            Error::Prerequisite(format!(
                "the pgTAP installed in schema {schema} is not trusted ({why}), and a private copy cannot be loaded ({reason}); nothing was run: have a superuser own pgTAP and its schema (DROP EXTENSION pgtap; CREATE EXTENSION pgtap SCHEMA <a schema only superusers may create in>), or connect as a superuser on a server with pgTAP's files"
            ))
        })?);
    }
    Ok(s)
}

/// The Citus cluster, read on the coordinator; on a worker the run is refused, because the
/// store is installed and verified through the coordinator only.
fn citus_node(client: &mut postgres::Client) -> Result<CitusNode> {
    let row = client
        .query_one(tool_sql!("citus_node"), &[])
        .map_err(|e| Error::from_db("reading the Citus cluster", &e))?;
    if !row.get::<_, bool>("coordinator") {
        return Err(Error::Refused(
            "this database is on a Citus worker node; the session store is installed, verified and used through the coordinator: connect to the coordinator".into(),
        ));
    }
    Ok(CitusNode {
        version: row.get("version"),
        workers: row.get("workers"),
    })
}

/// The extension script of a private copy of pgTAP, or why it cannot be read.
fn pgtap_script(
    client: &mut impl postgres::GenericClient,
    version: Option<&str>,
) -> std::result::Result<String, String> {
    let version = version.ok_or("the server has no pgTAP files")?;
    let sql = template::render(tool_sql!("pgtap_script"), &[("version", version)])
        .map_err(|e| e.to_string())?;
    let row = client.query_opt(sql.as_str(), &[]).map_err(|e| {
        e.as_db_error()
            .map(|d| format!("reading its script: {}", one_line(d.message())))
            .unwrap_or_else(|| one_line(&e.to_string()))
    })?;
    row.and_then(|r| r.get::<_, Option<String>>("script"))
        .ok_or_else(|| "the server's configuration names no share directory".to_string())
}

/// pgTAP ready for one transaction.
pub struct PgTap {
    /// The schema the checks resolve pgTAP through: a trusted installed copy, or a private one.
    pub schema: String,
    loaded: Loaded,
}

/// How the copy in use came to be, and so how it goes away.
enum Loaded {
    /// The installed, trusted extension: nothing to undo.
    Installed,
    /// CREATE EXTENSION into a private schema (no pgtap extension existed).
    Extension,
    /// The extension script run into a private schema (an untrusted pgtap extension exists).
    Script,
}

impl PgTap {
    pub fn prepare(tx: &mut Transaction, server: &Server) -> Result<PgTap> {
        if let Some(schema) = server.trusted_pgtap() {
            return Ok(PgTap {
                schema: schema.to_string(),
                loaded: Loaded::Installed,
            });
        }
        let schema = format!("connect_pg_admin_pgtap_{}", std::process::id());
        let vars = [("pgtap_schema", schema.as_str())];
        if let Some(script) = &server.pgtap_script {
            return load_script(tx, schema, script);
        }
        // Another run in this database (an install of another store, say) has pgTAP loaded as
        // an extension until its transaction ends. A superuser need not wait for it: a private
        // copy from the extension's script collides with nothing.
        if !try_pgtap_lock(tx)? && server.superuser {
            // In a savepoint: a script that cannot be read must not end the transaction.
            let mut sp = tx
                .savepoint("connect_pg_admin_pgtap_script")
                .map_err(|e| Error::from_db("loading pgTAP", &e))?;
            let script = pgtap_script(&mut sp, server.pgtap_version.as_deref());
            match script {
                Ok(_) => sp.commit(),
                Err(_) => sp.rollback(),
            }
            .map_err(|e| Error::from_db("loading pgTAP", &e))?;
            if let Ok(script) = script {
                return load_script(tx, schema, &script);
            }
        }
        take_pgtap_lock(tx)?;
        let sql = template::render(tool_sql!("load_pgtap"), &vars)?;
        tx.batch_execute(&sql).map_err(|e| match Error::from_db("loading pgTAP", &e) {
            Error::Refused(_) => Error::Refused(format!(
                "pgTAP is not installed in this database and {} may not load it ({}); run CREATE EXTENSION pgtap as a superuser, or connect as one",
                server.current_user,
                e.as_db_error().map(|d| one_line(d.message())).unwrap_or_default()
            )),
            other => other,
        })?;
        Ok(PgTap {
            schema,
            loaded: Loaded::Extension,
        })
    }

    /// Drops what `prepare` loaded, so a committing transaction leaves no trace of pgTAP.
    pub fn unload(&self, tx: &mut Transaction) -> Result<()> {
        let file = match self.loaded {
            Loaded::Installed => return Ok(()),
            Loaded::Extension => tool_sql!("unload_pgtap"),
            Loaded::Script => tool_sql!("unload_pgtap_script"),
        };
        let sql = template::render(file, &[("pgtap_schema", &self.schema)])?;
        tx.batch_execute(&sql)
            .map_err(|e| Error::from_db("removing pgTAP", &e))
    }
}

/// Loads a private copy of pgTAP from its extension script into `schema`, for this
/// transaction only.
fn load_script(tx: &mut Transaction, schema: String, script: &str) -> Result<PgTap> {
    let sql = template::render(
        tool_sql!("load_pgtap_script"),
        &[("pgtap_schema", schema.as_str())],
    )?;
    tx.batch_execute(&sql)
        .and_then(|()| tx.batch_execute(script))
        .and_then(|()| tx.batch_execute("SET LOCAL search_path = pg_catalog, pg_temp"))
        .map_err(|e| Error::from_db("loading a private copy of pgTAP", &e))?;
    Ok(PgTap {
        schema,
        loaded: Loaded::Script,
    })
}

fn try_pgtap_lock(tx: &mut Transaction) -> Result<bool> {
    Ok(tx
        .query_one(tool_sql!("try_pgtap_lock"), &[])
        .map_err(|e| Error::from_db("waiting to load pgTAP", &e))?
        .get(0))
}

/// How long a run waits for another run in the same database to finish with the pgTAP it
/// loaded (an install takes well under a second; a minute means something is stuck).
const PGTAP_LOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits, by polling, for the turn to load pgTAP (sql/tool/try_pgtap_lock.sql says why).
fn take_pgtap_lock(tx: &mut Transaction) -> Result<()> {
    let got = crate::db::poll_advisory_lock(
        tx,
        tool_sql!("try_pgtap_lock"),
        "waiting to load pgTAP",
        PGTAP_LOAD_WAIT,
        std::time::Duration::from_millis(50),
        || {},
    )?;
    if got {
        return Ok(());
    }
    Err(Error::LockTimeout(format!(
        "another connect-pg-admin run in this database has had pgTAP loaded for over {}s; nothing was changed: run again when it has finished (or CREATE EXTENSION pgtap once, so that runs need not load it)",
        PGTAP_LOAD_WAIT.as_secs()
    )))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub name: String,
    pub description: String,
    pub passed: bool,
    /// pgTAP's diagnostics for a failure (have/want and the like), one line each.
    pub diagnostics: Vec<String>,
    /// Why the check was skipped (pgTAP's `# SKIP` reason: the connected role may not read
    /// what it looks at), if it was. A skipped check counts as passing, and says so.
    pub skipped: Option<String>,
}

/// One pass over every check.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub results: Vec<CheckResult>,
    /// The TAP stream as pgTAP produced it.
    pub tap: String,
}

impl Outcome {
    pub fn failing(&self) -> Vec<&CheckResult> {
        self.results.iter().filter(|r| !r.passed).collect()
    }
    pub fn all_pass(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }
    pub fn skipped(&self) -> usize {
        self.results.iter().filter(|r| r.skipped.is_some()).count()
    }
    /// The failing checks that install reports but does not repair (catalog::reported_only).
    pub fn left_to_operator(&self) -> Vec<&CheckResult> {
        self.results
            .iter()
            .filter(|r| !r.passed && catalog::reported_only(&r.name))
            .collect()
    }
    /// Whether install has nothing left that it may do: every failing check is one it only
    /// reports.
    pub fn settled(&self) -> bool {
        self.failing().len() == self.left_to_operator().len()
    }
}

/// Runs every check inside a savepoint that is rolled back afterwards, so neither pgTAP's
/// bookkeeping nor the behaviour checks' scratch objects outlive the pass.
pub fn run(
    tx: &mut Transaction,
    names: &Names,
    pgtap: &PgTap,
    flavour: Flavour,
) -> Result<Outcome> {
    let checks = catalog::checks_for(flavour);
    let run_vars = catalog::run_vars(names, flavour);
    let mut pass = tx
        .savepoint("connect_pg_admin_checks")
        .map_err(|e| Error::from_db("starting the checks", &e))?;
    // pgTAP's functions call one another unqualified, so its schema is on the path while the
    // checks run; pg_temp last, so that no temporary object shadows a catalog or pgTAP name.
    let search_path = format!(
        "SET LOCAL search_path = pg_catalog, {}, pg_temp",
        template::quote_ident(&pgtap.schema)
    );
    let tap = template::quote_ident(&pgtap.schema);
    let mut out = String::new();
    // no_plan: pgTAP then prints the plan last, after every diagnostic, so the parser reads
    // the last check's diagnostics too.
    out.push_str(&collect(
        &mut pass,
        &format!("{search_path}; SELECT * FROM {tap}.no_plan()"),
    )?);

    let mut base: Vec<(&str, &str)> = run_vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    base.push(("pgtap", &pgtap.schema));
    let mut scratch_error: Option<String> = None;
    let mut scratch_done = false;
    for check in &checks {
        if catalog::is_behaviour(&check.name) && !scratch_done {
            scratch_done = true;
            let sql = template::render(catalog::SCRATCH_SQL, &base)?;
            if let Err(e) = guarded(&mut pass, &sql) {
                scratch_error = Some(format!("the scratch copy could not be built: {e}"));
            }
        }
        let label = format!("{}: {}", check.name, check.description);
        let text = match (&scratch_error, catalog::is_behaviour(&check.name)) {
            (Some(err), true) => failure(&mut pass, &tap, &label, err)?,
            _ => {
                let sql = render_check(check, &base, &label)?;
                match guarded_collect(&mut pass, &sql)? {
                    Ok(text) => text,
                    Err(e) => failure(&mut pass, &tap, &label, &e)?,
                }
            }
        };
        out.push_str(&text);
    }
    out.push_str(&collect(
        &mut pass,
        &format!("SELECT * FROM {tap}.finish()"),
    )?);
    pass.rollback()
        .map_err(|e| Error::from_db("ending the checks", &e))?;
    let results = parse(&out, &checks)?;
    // pgTAP's stream uses nothing of TAP 14 (no subtests, no pragmas), and Perl's prove (3.44)
    // rejects a stream that declares version 14; every TAP 14 consumer reads version 13.
    Ok(Outcome {
        results,
        tap: format!("TAP version 13\n{out}"),
    })
}

fn render_check(check: &Check, base: &[(&str, &str)], label: &str) -> Result<String> {
    let mut vars: Vec<(&str, &str)> = base.to_vec();
    vars.extend(check.vars.iter().map(|(k, v)| (*k, v.as_str())));
    vars.push(("description", label));
    template::render(check.sql, &vars)
}

/// Runs SQL and returns every non-empty text cell, one per line: pgTAP's output.
fn collect(tx: &mut Transaction, sql: &str) -> Result<String> {
    let messages = tx
        .simple_query(sql)
        .map_err(|e| Error::from_db("running the checks", &e))?;
    Ok(cells(&messages))
}

fn cells(messages: &[SimpleQueryMessage]) -> String {
    let mut out = String::new();
    for m in messages {
        if let SimpleQueryMessage::Row(row) = m {
            for i in 0..row.len() {
                if let Ok(Some(v)) = row.try_get(i) {
                    if !v.is_empty() {
                        out.push_str(v);
                        out.push('\n');
                    }
                }
            }
        }
    }
    out
}

/// Runs SQL in a savepoint. A statement error (a check that cannot even run, say because the
/// object it inspects is gone) is returned as text and leaves the transaction usable; a lost
/// connection is an error of the run.
fn guarded_collect(tx: &mut Transaction, sql: &str) -> Result<std::result::Result<String, String>> {
    let mut sp = tx
        .savepoint("connect_pg_admin_check")
        .map_err(|e| Error::from_db("running the checks", &e))?;
    match sp.simple_query(sql) {
        Ok(messages) => {
            sp.commit()
                .map_err(|e| Error::from_db("running the checks", &e))?;
            Ok(Ok(cells(&messages)))
        }
        Err(e) if e.as_db_error().is_some() => {
            sp.rollback()
                .map_err(|e| Error::from_db("running the checks", &e))?;
            Ok(Err(one_line(
                e.as_db_error().map(|d| d.message()).unwrap_or_default(),
            )))
        }
        Err(e) => Err(Error::from_db("running the checks", &e)),
    }
}

fn guarded(tx: &mut Transaction, sql: &str) -> std::result::Result<(), String> {
    match guarded_collect(tx, sql) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(e.to_string()),
    }
}

/// A check that could not run is a failing test point, numbered by pgTAP like any other.
fn failure(tx: &mut Transaction, tap: &str, label: &str, error: &str) -> Result<String> {
    let sql = format!(
        "SELECT {tap}.ok(false, {}), {tap}.diag({})",
        template::quote_literal(label),
        template::quote_literal(&format!("could not run: {error}"))
    );
    collect(tx, &sql)
}

/// Reads pgTAP's TAP stream with tap_parser and pairs each test point with its check, by number.
pub(crate) fn parse(tap: &str, checks: &[Check]) -> Result<Vec<CheckResult>> {
    use tap_parser::{TapParser, TapStatement};
    let document = format!("TAP version 14\n{tap}");
    let mut parser = TapParser::new();
    let statements = parser
        .parse(&document)
        .map_err(|e| Error::Internal(format!("pgTAP's output could not be read as TAP: {e}")))?;
    let mut results: Vec<CheckResult> = Vec::with_capacity(checks.len());
    for statement in statements {
        match statement {
            TapStatement::TestPoint(t) => {
                let index = t.number.unwrap_or(results.len() + 1).saturating_sub(1);
                let Some(check) = checks.get(index) else {
                    return Err(Error::Internal(format!(
                        "pgTAP reported test {} but only {} checks ran",
                        index + 1,
                        checks.len()
                    )));
                };
                results.push(CheckResult {
                    name: check.name.clone(),
                    description: check.description.clone(),
                    passed: t.result,
                    diagnostics: Vec::new(),
                    skipped: t
                        .directive
                        .filter(|d| d.kind == tap_parser::DirectiveKind::Skip)
                        .map(|d| d.reason.unwrap_or("skipped").trim().to_string()),
                });
            }
            TapStatement::Comment(c) => {
                // pgTAP's closing "Looks like you failed" belongs to no check.
                if let Some(last) = results.last_mut() {
                    // "Failed test N" repeats the test line; the rest is what was wrong.
                    if !last.passed
                        && !c.starts_with("Looks like you")
                        && !c.starts_with("Failed test")
                    {
                        last.diagnostics.push(c.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    if results.len() != checks.len() {
        return Err(Error::Internal(format!(
            "pgTAP reported {} results for {} checks",
            results.len(),
            checks.len()
        )));
    }
    Ok(results)
}
