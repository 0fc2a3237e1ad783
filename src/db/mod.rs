//! The tool's own database session: what is pinned right after connecting, and the helpers for
//! transactions, lock_timeout and advisory locks that every command shares, so that what a
//! failure of each says is written once.

pub mod session;

use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, GenericClient, Row, Transaction};

use crate::contract::template;
use crate::error::{Error, Result};

/// Opens the run's transaction.
pub fn begin(client: &mut Client) -> Result<Transaction<'_>> {
    client
        .transaction()
        .map_err(|e| Error::from_db("starting the transaction", &e))
}

/// Commits; `what` names what the commit makes permanent, for the error.
pub fn commit(tx: Transaction<'_>, what: &str) -> Result<()> {
    tx.commit().map_err(|e| Error::from_db(what, &e))
}

/// Ends a transaction that changed nothing worth keeping (verify, a dry run, a rule check).
pub fn rollback(tx: Transaction<'_>) -> Result<()> {
    tx.rollback()
        .map_err(|e| Error::from_db("ending the transaction", &e))
}

/// A sql/tool file rendered with `vars` and run without parameters; a failure is reported
/// as `what` failing.
pub fn query(
    c: &mut impl GenericClient,
    sql: &str,
    vars: &template::Vars,
    what: &str,
) -> Result<Vec<Row>> {
    let sql = template::render(sql, vars)?;
    c.query(sql.as_str(), &[])
        .map_err(|e| Error::from_db(what, &e))
}

/// The same for a query that returns exactly one row.
pub fn query_one(
    c: &mut impl GenericClient,
    sql: &str,
    vars: &template::Vars,
    what: &str,
) -> Result<Row> {
    let sql = template::render(sql, vars)?;
    c.query_one(sql.as_str(), &[])
        .map_err(|e| Error::from_db(what, &e))
}

/// Runs `write` (a write to the store's tables, or an attempt of an install step) as the
/// store's owner role (sql/tool/as_owner.sql says why), then acts as the login again. When
/// `write` fails the role is not set back: the caller ends the transaction.
pub fn as_owner<T>(
    tx: &mut Transaction,
    owner: &str,
    write: impl FnOnce(&mut Transaction) -> Result<T>,
) -> Result<T> {
    let before: String = tx
        .query_one(tool_sql!("role_before"), &[])
        .map_err(|e| Error::from_db("reading the role the session acts as", &e))?
        .get(0);
    let sql = template::render(tool_sql!("as_owner"), &[("owner", owner)])?;
    tx.batch_execute(&sql)
        .map_err(|e| Error::from_db("acting as the store's owner role", &e))?;
    let result = write(tx)?;
    let back = template::render(tool_sql!("as_login"), &[("role_before", &before)])?;
    tx.batch_execute(&back)
        .map_err(|e| Error::from_db("acting as the login role again", &e))?;
    Ok(result)
}

/// As whom the tool may touch the rows of one of the store's own tables (`store_table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableOwner {
    /// The owner role owns it: act as that role.
    OwnerRole,
    /// A superuser owns it (connect-pg 1.x before install), so nobody else could have attached
    /// anything to it: the connected role may touch it as itself.
    Superuser,
}

/// Whether `<schema>.<table>`, one of the store's own tables, is a plain table owned by the
/// owner role or a superuser, that the connected role may touch as its owner; `Ok(Err(why))`
/// when it is not. Reading a relation runs what its owner, or whoever holds that role,
/// attached to it or put in its place (sql/tool/store_table.sql): the tool touches its rows
/// only as that owner, so that code runs with that role's privileges, never the tool's.
pub fn store_table(
    c: &mut impl GenericClient,
    schema: &str,
    table: &str,
    owner: &str,
) -> Result<std::result::Result<TableOwner, String>> {
    let what = format!("{schema}.{table}");
    let row = query_one(
        c,
        tool_sql!("store_table"),
        &[("schema", schema), ("table", table), ("owner", owner)],
        &format!("looking up {what}"),
    )?;
    let Some(relkind) = row.get::<_, Option<String>>("kind") else {
        return Ok(Err(format!("no table {what}")));
    };
    if let Some(kind) = other_kind(&relkind) {
        return Ok(Err(format!("{what} is {kind}, not the store's table")));
    }
    if row.get::<_, bool>("owned_by_owner_role") {
        if !row.get::<_, bool>("may_act_as_owner_role") {
            return Ok(Err(format!(
                "{what} is read and written only as its owner {owner}, which the connected role may not act as"
            )));
        }
        return Ok(Ok(TableOwner::OwnerRole));
    }
    if row.get::<_, bool>("owned_by_superuser") {
        return Ok(Ok(TableOwner::Superuser));
    }
    Ok(Err(format!(
        "{what} belongs to {}, neither the owner role {owner} nor a superuser, so it is not the store's table",
        row.get::<_, String>("table_owner")
    )))
}

/// One row of a read of a store's table as its owner, or `None` when row-level security forced
/// on the table keeps the owner role from reading it (the tool's session has row_security
/// off, so the server refuses, 42501, rather than filter). Any other error stays an error.
pub fn unless_forced_rls(
    read: std::result::Result<Row, postgres::Error>,
    what: &str,
) -> Result<Option<Row>> {
    match read {
        Ok(row) => Ok(Some(row)),
        Err(e) if e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) => Ok(None),
        Err(e) => Err(Error::from_db(what, &e)),
    }
}

/// What a relation of kind `relkind` is, when it is not a plain table.
fn other_kind(relkind: &str) -> Option<&'static str> {
    match relkind {
        "r" => None,
        "v" => Some("a view"),
        "m" => Some("a materialized view"),
        "f" => Some("a foreign table"),
        "p" => Some("a partitioned table"),
        _ => Some("not a plain table"),
    }
}

/// What `<schema>.<table>` is when it exists and is not a plain table ("a view", ...): no
/// step of the tool could make it the store's table.
pub fn not_a_table(
    c: &mut impl GenericClient,
    schema: &str,
    table: &str,
) -> Result<Option<String>> {
    let row = query_one(
        c,
        tool_sql!("store_table"),
        &[("schema", schema), ("table", table), ("owner", "")],
        &format!("looking up {schema}.{table}"),
    )?;
    Ok(row
        .get::<_, Option<String>>("kind")
        .and_then(|k| other_kind(&k))
        .map(String::from))
}

/// Runs `read` (a read of the rows of `<schema>.<table>`) as that table's owner
/// (`store_table`), in a subtransaction that is rolled back, which also ends the `SET LOCAL
/// ROLE`; `Ok(Err(why))` when it was not read.
pub fn read_store_table<T>(
    c: &mut impl GenericClient,
    schema: &str,
    table: &str,
    owner: &str,
    read: impl FnOnce(&mut Transaction) -> Result<T>,
) -> Result<std::result::Result<T, String>> {
    let whose = match store_table(c, schema, table, owner)? {
        Ok(whose) => whose,
        Err(why) => return Ok(Err(why)),
    };
    let context = format!("reading {schema}.{table}");
    let mut sub = c.transaction().map_err(|e| Error::from_db(&context, &e))?;
    if whose == TableOwner::OwnerRole {
        let sql = template::render(tool_sql!("as_owner"), &[("owner", owner)])?;
        sub.batch_execute(&sql)
            .map_err(|e| Error::from_db("acting as the store's owner role", &e))?;
    }
    let done = read(&mut sub)?;
    sub.rollback().map_err(|e| Error::from_db(&context, &e))?;
    Ok(Ok(done))
}

/// How long each later statement of the transaction may wait for a lock (at least 1ms: 0 would
/// mean forever).
pub fn set_lock_timeout(tx: &mut impl GenericClient, timeout: Duration) -> Result<()> {
    let ms = timeout.as_millis().max(1).to_string();
    let sql = template::render(tool_sql!("lock_timeout"), &[("ms", &ms)])?;
    tx.batch_execute(&sql)
        .map_err(|e| Error::from_db("setting lock_timeout", &e))
}

/// On Citus, first in a transaction that may send a role's verifier to the workers (install,
/// set-password): the workers log none of what Citus sends them in the rest of it
/// (sql/tool/citus_quiet_workers.sql says why and how), while the coordinator logs as
/// configured. Takes a superuser: a SET LOCAL refused would abort the transaction.
pub fn quiet_citus_workers(tx: &mut Transaction) -> Result<()> {
    let what = "keeping the role verifiers Citus sends out of the workers' logs";
    let sets = tool_sql!("citus_quiet_workers");
    for set in sets
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("--"))
    {
        tx.batch_execute(set)
            .map_err(|e| Error::from_db(what, &e))?;
    }
    tx.batch_execute(tool_sql!("citus_coordinator_logging"))
        .map_err(|e| Error::from_db(what, &e))
}

/// Polls a transaction-scoped advisory lock (`sql` returns one boolean from
/// pg_try_advisory_xact_lock) every `every` until it is had or `wait` has passed, rather than
/// blocking on it: a waiting run holds nothing and sits in no lock queue. `waiting` runs once,
/// when the first try fails and there is time left to wait. Returns whether the lock was had;
/// with `wait` zero it is tried once.
pub fn poll_advisory_lock(
    tx: &mut impl GenericClient,
    sql: &str,
    context: &str,
    wait: Duration,
    every: Duration,
    mut waiting: impl FnMut(),
) -> Result<bool> {
    let start = Instant::now();
    let mut announced = false;
    loop {
        let got: bool = tx
            .query_one(sql, &[])
            .map_err(|e| Error::from_db(context, &e))?
            .get(0);
        if got {
            return Ok(true);
        }
        if start.elapsed() >= wait {
            return Ok(false);
        }
        if !announced {
            waiting();
            announced = true;
        }
        std::thread::sleep(every);
    }
}

/// The install lock on one schema (sql/tool/try_lock.sql): install and uninstall take it, so
/// that two runs on one schema never interleave.
pub fn take_schema_lock(
    tx: &mut impl GenericClient,
    schema: &str,
    wait: Duration,
    waiting: impl FnMut(),
) -> Result<bool> {
    let sql = template::render(tool_sql!("try_lock"), &[("schema", schema)])?;
    poll_advisory_lock(
        tx,
        &sql,
        "taking the install lock",
        wait,
        Duration::from_millis(100),
        waiting,
    )
}

/// The first pause between two tries of [`poll_nowait`]: short, so that a lock released at once
/// is taken at once.
const POLL_MIN: Duration = Duration::from_millis(10);
/// The longest such pause: each pause doubles the one before, up to this.
const POLL_MAX: Duration = Duration::from_millis(200);

/// How [`poll_nowait`] ended.
pub enum Polled<T> {
    /// `attempt` succeeded; its savepoint is released.
    Done(T),
    /// A lock was still not available when the budget was spent; rolled back to the savepoint.
    Busy,
    /// `attempt` failed otherwise, for the caller to judge: rolled back to the savepoint, unless
    /// the connection itself failed.
    Failed(postgres::Error),
}

/// Runs `attempt` in a savepoint, and while a lock it needs is not available (a `LOCK ...
/// NOWAIT`, or a statement that reached its short `lock_timeout`) rolls it back and runs it
/// again after a short pause, until it succeeds or `budget` is spent: the request never waits
/// in the lock queue, where every read and write of the application would queue behind it.
/// `context` names what runs, for an error of the savepoint itself.
pub fn poll_nowait<T>(
    tx: &mut Transaction,
    budget: Duration,
    context: &str,
    mut attempt: impl FnMut(&mut Transaction) -> std::result::Result<T, postgres::Error>,
) -> Result<Polled<T>> {
    let deadline = Instant::now() + budget;
    let mut pause = POLL_MIN;
    loop {
        let mut sp = tx
            .savepoint("connect_pg_admin_step")
            .map_err(|e| Error::from_db(context, &e))?;
        let e = match attempt(&mut sp) {
            Ok(done) => {
                sp.commit().map_err(|e| Error::from_db(context, &e))?;
                return Ok(Polled::Done(done));
            }
            Err(e) => e,
        };
        // Without a server error the connection failed: there is nothing left to roll back.
        if e.as_db_error().is_none() {
            return Ok(Polled::Failed(e));
        }
        sp.rollback().map_err(|e| Error::from_db(context, &e))?;
        if e.code() != Some(&SqlState::LOCK_NOT_AVAILABLE) {
            return Ok(Polled::Failed(e));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Polled::Busy);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(POLL_MAX);
    }
}
