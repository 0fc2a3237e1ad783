//! `install`: in one transaction, take the install lock, run the checks, apply the steps that
//! repair what fails, run the checks again, record what changed in the schema's
//! install_history, and commit only when every check passes. A step takes the session table
//! with `LOCK ... NOWAIT`, polled for up to `lock_timeout` per attempt and retried with
//! backoff, so the application's reads and writes never queue behind a waiting install.

use std::thread::sleep;
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, SimpleQueryMessage, Transaction};

use crate::commands::install::plan;
use crate::commands::install::preflight;
use crate::contract::catalog::{self, Flavour, Step};
use crate::contract::checks::{self, Outcome, PgTap};
use crate::contract::template;
use crate::db::{self, Polled};
use crate::error::{one_line, Error, Result};
use crate::names::Names;

#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: bool,
    /// How long one step may wait for a lock before it is rolled back and retried.
    pub lock_timeout: Duration,
    /// How many times a step is retried after a lock timeout.
    pub lock_retries: u32,
    /// How long to wait for another run of the tool on the same schema to finish.
    pub wait: Duration,
    /// On Citus: distribute a single-node session table that holds sessions (which blocks
    /// the store while the rows are copied); without it such an install is refused.
    pub distribute: bool,
}

#[derive(Debug, Clone)]
pub struct AppliedStep {
    pub name: &'static str,
    /// The SQL as sent to the server, variables rendered.
    pub sql: String,
    pub attempts: u32,
    pub elapsed: Duration,
    /// What the step reports it did (the rows its SQL returns): each trigger, rule, policy
    /// or membership it removed.
    pub notes: Vec<String>,
}

#[derive(Debug)]
pub enum Installed {
    /// Every check passed before anything ran (but those install only reports, which may
    /// fail); nothing was changed.
    UpToDate { checks: Outcome },
    /// --dry-run: what would run; nothing was changed.
    DryRun {
        before: Outcome,
        steps: Vec<AppliedStep>,
    },
    /// Steps ran and every check passes (but those install only reports): committed.
    Committed {
        before: Outcome,
        steps: Vec<AppliedStep>,
        after: Outcome,
    },
    /// Steps ran but checks still fail: rolled back, nothing was changed.
    RolledBack {
        before: Outcome,
        steps: Vec<AppliedStep>,
        after: Outcome,
    },
}

/// A step can expose another failure (dropping a function to change its result type drops
/// its trigger too), so the plan is re-made from the checks a bounded number of times.
const MAX_ROUNDS: usize = 3;

/// What runs in the install transaction once every check passes, just before the commit.
pub type BeforeCommit<'a> = &'a mut dyn FnMut(&mut Transaction) -> Result<()>;

/// Runs `before_commit` (when not a dry run) once every check passes, also when nothing
/// needed repair, so that what it does commits together with the install or not at all:
/// `install --password-*` gives the role its password this way (install/mod.rs).
pub fn install(
    client: &mut Client,
    names: &Names,
    opts: &Options,
    progress: &dyn Fn(&str),
    mut before_commit: Option<BeforeCommit>,
) -> Result<Installed> {
    let server = checks::server(client)?;
    let mut tx = db::begin(client)?;
    take_install_lock(&mut tx, names, opts.wait, progress)?;
    // Before pgTAP is loaded or anything else happens: a refusal must leave no trace.
    preflight::check(&mut tx, names)?;
    if server.citus.is_some() && !opts.dry_run {
        db::quiet_citus_workers(&mut tx)?;
        roles_on_workers(&mut tx, names)?;
    }
    db::set_lock_timeout(&mut tx, opts.lock_timeout)?;
    let pgtap = PgTap::prepare(&mut tx, &server)?;
    let flavour = server.flavour();
    let before = checks::run(&mut tx, names, &pgtap, flavour)?;
    if before.settled() {
        match before_commit.as_mut() {
            Some(hook) if !opts.dry_run => {
                pgtap.unload(&mut tx)?;
                hook(&mut tx)?;
                db::commit(tx, "committing")?;
            }
            _ => db::rollback(tx)?,
        }
        return Ok(Installed::UpToDate { checks: before });
    }
    let vars_owned = catalog::run_vars(names, flavour);
    let vars: Vec<(&str, &str)> = vars_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();

    if opts.dry_run {
        let planned = plan::plan(&before.failing(), flavour);
        preflight::dependents(&mut tx, names, &planned)?;
        let steps = planned
            .into_iter()
            .map(|s| {
                Ok(AppliedStep {
                    name: s.name,
                    sql: template::render(&s.sql, &vars)?,
                    attempts: 0,
                    elapsed: Duration::ZERO,
                    notes: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        db::rollback(tx)?;
        return Ok(Installed::DryRun { before, steps });
    }

    if flavour == Flavour::Citus && !opts.distribute {
        refuse_unasked_conversion(&mut tx, names, &before)?;
    }
    let mut applied: Vec<AppliedStep> = Vec::new();
    let mut after = before.clone();
    for _round in 0..MAX_ROUNDS {
        let steps = plan::plan(&after.failing(), flavour);
        if steps.is_empty() {
            break;
        }
        preflight::dependents(&mut tx, names, &steps)?;
        db::set_lock_timeout(&mut tx, STATEMENT_LOCK_WAIT)?;
        // Every step that runs as the owner role comes before citus.table in a round.
        let as_owner = flavour != Flavour::Citus || !distributed(&mut tx, names)?;
        for step in steps {
            progress(&format!("applying {}", step.name));
            applied.push(apply_step(&mut tx, step, &vars, opts, as_owner)?);
        }
        db::set_lock_timeout(&mut tx, opts.lock_timeout)?;
        after = checks::run(&mut tx, names, &pgtap, flavour)?;
        if after.settled() {
            break;
        }
    }
    if !after.settled() {
        db::rollback(tx)?;
        return Ok(Installed::RolledBack {
            before,
            steps: applied,
            after,
        });
    }
    record_history(&mut tx, names, &before, &applied)?;
    pgtap.unload(&mut tx)?;
    if let Some(hook) = before_commit.as_mut() {
        hook(&mut tx)?;
    }
    db::commit(tx, "committing")?;
    Ok(Installed::Committed {
        before,
        steps: applied,
        after,
    })
}

/// On Citus: whether the session table is distributed, when the steps that would run as the
/// owner role run as the login (sql/tool/citus_distributed.sql says why).
fn distributed(tx: &mut Transaction, names: &Names) -> Result<bool> {
    Ok(db::query_one(
        tx,
        tool_sql!("citus_distributed"),
        &names.vars(),
        "looking up the session table's distribution",
    )?
    .get(0))
}

/// On Citus: the store's existing roles onto every worker that lacks them
/// (sql/tool/citus_roles.sql says why).
fn roles_on_workers(tx: &mut Transaction, names: &Names) -> Result<()> {
    let rows = db::query(
        tx,
        tool_sql!("citus_roles"),
        &names.vars(),
        "creating the store's roles on the Citus workers",
    )?;
    match rows.iter().find(|r| !r.get::<_, bool>("success")) {
        Some(r) => Err(Error::Server(format!(
            "role {} could not be created on the Citus worker {}:{} ({}); nothing was changed in this database: check that the coordinator can connect to its workers (docs/scale-out.md) and run again",
            r.get::<_, String>("role"),
            r.get::<_, String>("nodename"),
            r.get::<_, i32>("nodeport"),
            crate::error::one_line(&r.get::<_, String>("result"))
        ))),
        None => Ok(()),
    }
}

/// On Citus, a session table that exists with rows but is not distributed yet is converted
/// only when asked (`--distribute`): create_distributed_table copies every row to the workers
/// while the install holds the table, so the store stops for that long.
fn refuse_unasked_conversion(tx: &mut Transaction, names: &Names, before: &Outcome) -> Result<()> {
    let needs_distribution = before.failing().iter().any(|c| c.name == "citus.table");
    let table_exists = before.results.iter().any(|c| c.name == "table" && c.passed);
    if !needs_distribution || !table_exists {
        return Ok(());
    }
    let counted = db::read_store_table(tx, &names.schema, "session", &names.owner, |tx| {
        db::query_one(
            tx,
            tool_sql!("session_rows"),
            &names.vars(),
            "counting the sessions to distribute",
        )
    })?;
    let rows: i64 = match counted {
        Ok(row) => row.get(0),
        Err(why) => {
            return Err(Error::Refused(format!(
                "install refused: {why}; nothing was changed"
            )))
        }
    };
    if rows == 0 {
        return Ok(());
    }
    let pause = rows as f64 / 100_000.0 * LOCKED_PER_100K_SESSIONS;
    Err(Error::Refused(format!(
        "{}.session holds {rows} session(s) in a table that is not distributed yet; distributing it copies them to the workers and locks the table against reads and writes until install commits, about {pause:.1} s (measured {LOCKED_PER_100K_SESSIONS} s per 100 000 sessions): run install --distribute when the store may pause that long; nothing was changed",
        names.schema
    )))
}

/// How long the session table stayed locked while install --distribute converted 100 000
/// sessions: the longest a reader waited, in tests/citus.rs on 2 shared cores
/// (docs/scale-out.md; 1.9 to 2.6 s over three runs).
const LOCKED_PER_100K_SESSIONS: f64 = 2.5;

/// The functions connect-pg 1.1.x's installer left outside the schema (correct_web() and its
/// pgTAP suite, usually in public), which install reports and leaves alone
/// (sql/tool/legacy_leftovers.sql says why).
pub fn legacy_leftovers(client: &mut Client, names: &Names) -> Result<Vec<String>> {
    Ok(db::query(
        client,
        tool_sql!("legacy_leftovers"),
        &names.vars(),
        "looking for connect-pg 1.1.x's installer",
    )?
    .iter()
    .map(|r| r.get::<_, String>(0))
    .collect())
}

/// Writes what this install changed into the schema's install_history (whose check has just
/// passed, so it exists), in the same transaction: the record commits with the change or not
/// at all.
fn record_history(
    tx: &mut Transaction,
    names: &Names,
    before: &Outcome,
    applied: &[AppliedStep],
) -> Result<()> {
    let sql = template::render(tool_sql!("record_history"), &names.vars())?;
    let failing: Vec<&str> = before.failing().iter().map(|c| c.name.as_str()).collect();
    let steps: Vec<&str> = applied.iter().map(|s| s.name).collect();
    db::as_owner(tx, &names.owner, |tx| {
        tx.execute(
            sql.as_str(),
            &[&env!("CARGO_PKG_VERSION"), &failing, &steps],
        )
        .map_err(|e| Error::from_db("recording the install in install_history", &e))
    })?;
    Ok(())
}

/// Waits for another run on the same schema to finish (db::take_schema_lock), for up to
/// --wait.
fn take_install_lock(
    tx: &mut Transaction,
    names: &Names,
    wait: Duration,
    progress: &dyn Fn(&str),
) -> Result<()> {
    let got = db::take_schema_lock(tx, &names.schema, wait, || {
        progress("waiting for another connect-pg-admin run on this schema to finish")
    })?;
    if got {
        return Ok(());
    }
    Err(Error::LockTimeout(format!(
        "another connect-pg-admin run on schema {} has held the install lock for over {}s; wait for it to finish (or raise --wait) and run again",
        names.schema,
        wait.as_secs()
    )))
}

/// The longest a statement of a step may wait in a lock queue. A table lock a step is known
/// to need is taken beforehand without queueing (sql/tool/lock_table.sql); this bounds every
/// other wait (a catalog row another transaction is changing, a role another install is
/// creating), since for as long as a lock request waits, later requests that conflict with it
/// wait behind it.
pub(crate) const STATEMENT_LOCK_WAIT: Duration = Duration::from_millis(50);
/// How often a role step is retried after losing a race to another run; eight installs at
/// once into one cluster need a few.
const ROLE_RACE_RETRIES: u32 = 20;
/// The pause before the first such retry; each later one waits this much longer.
const ROLE_RACE_PAUSE: Duration = Duration::from_millis(10);

/// Runs one step in a savepoint. A step that needs the session table takes it first with
/// `LOCK ... NOWAIT`: when the application holds it, the step is rolled back to its savepoint
/// and tried again, polling for up to `lock_timeout` (one attempt) without ever sitting in the
/// table's lock queue, where the application's reads and writes would wait behind it. After an
/// attempt the step pauses with a growing backoff, and once the retries are spent the run
/// fails naming who held the lock.
fn apply_step(
    tx: &mut Transaction,
    step: &'static Step,
    vars: &[(&str, &str)],
    opts: &Options,
    as_owner: bool,
) -> Result<AppliedStep> {
    let sql = template::render(&step.sql, vars)?;
    let lock = if step.locks_table() {
        Some(template::render(tool_sql!("lock_table"), vars)?)
    } else {
        None
    };
    let start = Instant::now();
    let mut attempts = 0;
    let mut races = 0;
    loop {
        attempts += 1;
        let tried = as_step_role(tx, step, vars, as_owner, |tx| {
            try_step(tx, step, lock.as_deref(), &sql, opts.lock_timeout)
        })?;
        match tried {
            Tried::Applied(notes) => {
                return Ok(AppliedStep {
                    name: step.name,
                    sql,
                    attempts,
                    elapsed: start.elapsed(),
                    notes,
                })
            }
            // Roles are cluster-wide: an install into another database of the same cluster
            // may create the same role at the same moment. Its commit makes our CREATE ROLE
            // fail; on retry the step finds the role and only adjusts it.
            Tried::RoleRace if races < ROLE_RACE_RETRIES => {
                races += 1;
                attempts -= 1;
                sleep(ROLE_RACE_PAUSE * races);
                continue;
            }
            Tried::RoleRace => {
                return Err(Error::Server(format!(
                    "step {}: other runs changed the same role {ROLE_RACE_RETRIES} times while this one changed it; nothing was changed: run again",
                    step.name
                )))
            }
            Tried::LockBusy => {}
        }
        if attempts > opts.lock_retries {
            let blockers = blockers(tx, vars)?;
            return Err(Error::LockTimeout(format!(
                "step {} could not get its locks in {} attempt(s) of {}ms each; {}; nothing was changed: run again when they finish, or raise --lock-timeout / --lock-retries",
                step.name,
                attempts,
                opts.lock_timeout.as_millis(),
                if blockers.is_empty() {
                    "no session holds a lock on the schema's tables now (the lock was on a catalog row or role that another transaction was changing)".to_string()
                } else {
                    format!("held by {}", blockers.join("; "))
                }
            )));
        }
        sleep(backoff(attempts));
    }
}

/// Runs `attempt` as the role the step says it runs as (catalog::OWNER_MARKER), the owner
/// role (unless `as_owner` is false), or else as the connected role. Who holds the locks is
/// then asked as the connected role again.
fn as_step_role<T>(
    tx: &mut Transaction,
    step: &Step,
    vars: &[(&str, &str)],
    as_owner: bool,
    attempt: impl FnOnce(&mut Transaction) -> Result<T>,
) -> Result<T> {
    if !(as_owner && step.as_owner()) {
        return attempt(tx);
    }
    // No owner among the variables would be a bug: SET ROLE "" then fails, not the step.
    let owner = vars
        .iter()
        .find(|(k, _)| *k == "owner")
        .map_or("", |(_, v)| *v);
    db::as_owner(tx, owner, attempt)
}

enum Tried {
    /// With the rows the step returned: what it reports it did.
    Applied(Vec<String>),
    /// The locks were not to be had within the attempt's time.
    LockBusy,
    /// A role step collided with another run creating the same role.
    RoleRace,
}

/// One attempt of a step: tries it, and while its locks are busy rolls it back and tries
/// again after a short pause, until `budget` is spent (db::poll_nowait).
fn try_step(
    tx: &mut Transaction,
    step: &'static Step,
    lock: Option<&str>,
    sql: &str,
    budget: Duration,
) -> Result<Tried> {
    let tried = db::poll_nowait(tx, budget, step.name, |sp| {
        match lock {
            Some(lock) => sp.batch_execute(lock),
            None => Ok(()),
        }
        .and_then(|()| sp.simple_query(sql))
    })?;
    let e = match tried {
        Polled::Done(messages) => {
            let notes = messages
                .iter()
                .filter_map(|m| match m {
                    SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                    _ => None,
                })
                .collect();
            return Ok(Tried::Applied(notes));
        }
        Polled::Busy => return Ok(Tried::LockBusy),
        Polled::Failed(e) => e,
    };
    if step.name.starts_with("role.") && is_role_race(&e) {
        return Ok(Tried::RoleRace);
    }
    let context = format!("step {}", step.name);
    // A drop that other objects still need (install drops nothing with CASCADE): the
    // preflight names them first, this is the server's word for what it missed.
    if e.code() == Some(&SqlState::DEPENDENT_OBJECTS_STILL_EXIST) {
        let msg = e
            .as_db_error()
            .map(|db| one_line(db.message()))
            .unwrap_or_default();
        return Err(Error::Refused(format!(
            "{context}: {msg}; install drops nothing that is not the store's: drop or change the objects that depend on it, then run install again; nothing was changed"
        )));
    }
    Err(Error::from_db(&context, &e))
}

/// Roles are cluster-wide, and installs into other databases of the cluster change the same
/// pg_authid rows (and their comments and memberships) without any lock this run could take
/// first (advisory locks are per database): a concurrent CREATE ROLE commits a duplicate key,
/// a concurrent ALTER ROLE or COMMENT makes ours fail with "tuple concurrently updated", or
/// the two deadlock. Each is the other run's commit winning; the step's retry sees it.
fn is_role_race(e: &postgres::Error) -> bool {
    let Some(db) = e.as_db_error() else {
        return false;
    };
    let code = db.code();
    *code == SqlState::UNIQUE_VIOLATION
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::T_R_SERIALIZATION_FAILURE
        || (*code == SqlState::INTERNAL_ERROR && db.message().starts_with("tuple concurrently"))
}

/// 200ms, 400ms, 800ms, ... capped at 5s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(6)).min(5000))
}

/// Who holds locks on the schema's tables, one line each: pid, application, user, how long
/// their transaction has been open, its state, and when and with what command (its first
/// keyword only, sql/tool/blockers.sql says why) its last query began.
pub(crate) fn blockers(tx: &mut Transaction, vars: &[(&str, &str)]) -> Result<Vec<String>> {
    let rows = db::query(tx, tool_sql!("blockers"), vars, "finding the lock holders")?;
    Ok(rows
        .iter()
        .map(|r| {
            format!(
                "pid {} (application {}, user {}, {} for {}, {} lock, last query {} started {})",
                r.get::<_, i32>("pid"),
                r.get::<_, String>("application_name"),
                r.get::<_, String>("usename"),
                r.get::<_, String>("state"),
                r.get::<_, String>("held_for"),
                r.get::<_, String>("modes"),
                r.get::<_, String>("command"),
                r.get::<_, String>("query_start")
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(20), Duration::from_millis(5000));
    }
}
