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

/// Runs `write` as the store's owner role (sql/tool/as_owner.sql says why), then acts as the
/// login again.
pub fn as_owner<T>(
    tx: &mut Transaction,
    owner: &str,
    write: impl FnOnce(&mut Transaction) -> Result<T>,
) -> Result<T> {
    let before: String = tx
        .query_one(include_str!("../../sql/tool/role_before.sql"), &[])
        .map_err(|e| Error::from_db("reading the role the session acts as", &e))?
        .get(0);
    let sql = template::render(
        include_str!("../../sql/tool/as_owner.sql"),
        &[("owner", owner)],
    )?;
    tx.batch_execute(&sql)
        .map_err(|e| Error::from_db("acting as the store's owner role", &e))?;
    let result = write(tx)?;
    let back = template::render(
        include_str!("../../sql/tool/as_login.sql"),
        &[("role_before", &before)],
    )?;
    tx.batch_execute(&back)
        .map_err(|e| Error::from_db("acting as the login role again", &e))?;
    Ok(result)
}

/// How long each later statement of the transaction may wait for a lock (at least 1ms: 0 would
/// mean forever).
pub fn set_lock_timeout(tx: &mut impl GenericClient, timeout: Duration) -> Result<()> {
    let ms = timeout.as_millis().max(1).to_string();
    let sql = template::render(
        include_str!("../../sql/tool/lock_timeout.sql"),
        &[("ms", &ms)],
    )?;
    tx.batch_execute(&sql)
        .map_err(|e| Error::from_db("setting lock_timeout", &e))
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
    let sql = template::render(
        include_str!("../../sql/tool/try_lock.sql"),
        &[("schema", schema)],
    )?;
    poll_advisory_lock(
        tx,
        &sql,
        "taking the install lock",
        wait,
        Duration::from_millis(100),
        waiting,
    )
}
/// Runs `lock_sql` (a `LOCK ... NOWAIT`) in a savepoint, again and again with short pauses,
/// until it succeeds (true) or `budget` is spent (false). The request never waits in the lock
/// queue, where every read and write of the application would queue behind it.
pub fn poll_nowait(tx: &mut Transaction, lock_sql: &str, budget: Duration) -> Result<bool> {
    let deadline = Instant::now() + budget;
    let mut pause = Duration::from_millis(10);
    loop {
        let mut sp = tx
            .savepoint("connect_pg_admin_lock")
            .map_err(|e| Error::from_db("taking the locks", &e))?;
        match sp.batch_execute(lock_sql) {
            Ok(()) => {
                sp.commit()
                    .map_err(|e| Error::from_db("taking the locks", &e))?;
                return Ok(true);
            }
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                sp.rollback()
                    .map_err(|e| Error::from_db("taking the locks", &e))?;
            }
            Err(e) => return Err(Error::from_db("taking the locks", &e)),
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}
