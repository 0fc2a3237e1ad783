//! `install`: in one transaction, take the install lock, run the checks, apply the steps that
//! repair what fails, run the checks again, and commit only when every check passes. Every
//! step waits for table locks at most `lock_timeout` and is retried with backoff, so the
//! application's traffic never queues behind an install for long.

use std::thread::sleep;
use std::time::{Duration, Instant};

use postgres::{Client, Transaction};

use crate::catalog::{self, Step};
use crate::checks::{self, Outcome, PgTap};
use crate::error::{Error, Result};
use crate::names::Names;
use crate::plan;
use crate::template;

#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: bool,
    /// How long one step may wait for a lock before it is rolled back and retried.
    pub lock_timeout: Duration,
    /// How many times a step is retried after a lock timeout.
    pub lock_retries: u32,
    /// How long to wait for another run of the tool on the same schema to finish.
    pub wait: Duration,
}

#[derive(Debug, Clone)]
pub struct AppliedStep {
    pub name: &'static str,
    /// The SQL as sent to the server, variables rendered.
    pub sql: String,
    pub attempts: u32,
    pub elapsed: Duration,
}

#[derive(Debug)]
pub enum Installed {
    /// Every check passed before anything ran; nothing was changed.
    UpToDate { checks: Outcome },
    /// --dry-run: what would run; nothing was changed.
    DryRun {
        before: Outcome,
        steps: Vec<AppliedStep>,
    },
    /// Steps ran and every check passes: committed.
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

pub fn install(
    client: &mut Client,
    names: &Names,
    opts: &Options,
    progress: &dyn Fn(&str),
) -> Result<Installed> {
    let server = checks::server(client)?;
    let mut tx = client
        .transaction()
        .map_err(|e| Error::from_db("starting the transaction", &e))?;
    take_install_lock(&mut tx, names, opts.wait, progress)?;
    set_lock_timeout(&mut tx, opts.lock_timeout)?;
    let pgtap = PgTap::prepare(&mut tx, &server)?;
    let before = checks::run(&mut tx, names, &pgtap)?;
    if before.all_pass() {
        tx.rollback()
            .map_err(|e| Error::from_db("ending the transaction", &e))?;
        return Ok(Installed::UpToDate { checks: before });
    }
    let vars_owned = catalog::run_vars(names);
    let vars: Vec<(&str, &str)> = vars_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();

    if opts.dry_run {
        let steps = plan::plan(&before.failing())
            .into_iter()
            .map(|s| {
                Ok(AppliedStep {
                    name: s.name,
                    sql: template::render(s.sql, &vars)?,
                    attempts: 0,
                    elapsed: Duration::ZERO,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        tx.rollback()
            .map_err(|e| Error::from_db("ending the transaction", &e))?;
        return Ok(Installed::DryRun { before, steps });
    }

    let mut applied: Vec<AppliedStep> = Vec::new();
    let mut after = before.clone();
    for _round in 0..MAX_ROUNDS {
        let steps = plan::plan(&after.failing());
        if steps.is_empty() {
            break;
        }
        for step in steps {
            progress(&format!("applying {}", step.name));
            applied.push(apply_step(&mut tx, step, &vars, opts)?);
        }
        after = checks::run(&mut tx, names, &pgtap)?;
        if after.all_pass() {
            break;
        }
    }
    if !after.all_pass() {
        tx.rollback()
            .map_err(|e| Error::from_db("rolling back", &e))?;
        return Ok(Installed::RolledBack {
            before,
            steps: applied,
            after,
        });
    }
    pgtap.unload(&mut tx)?;
    tx.commit().map_err(|e| Error::from_db("committing", &e))?;
    Ok(Installed::Committed {
        before,
        steps: applied,
        after,
    })
}

/// Polls the transaction-scoped advisory lock rather than blocking on it: a waiting run then
/// holds nothing and sits in no lock queue.
fn take_install_lock(
    tx: &mut Transaction,
    names: &Names,
    wait: Duration,
    progress: &dyn Fn(&str),
) -> Result<()> {
    let sql = template::render(
        include_str!("../sql/tool/try_lock.sql"),
        &[("schema", &names.schema)],
    )?;
    let start = Instant::now();
    let mut announced = false;
    loop {
        let got: bool = tx
            .query_one(sql.as_str(), &[])
            .map_err(|e| Error::from_db("taking the install lock", &e))?
            .get(0);
        if got {
            return Ok(());
        }
        if start.elapsed() >= wait {
            return Err(Error::LockTimeout(format!(
                "another connect-pg-admin run on schema {} has held the install lock for over {}s; wait for it to finish (or raise --wait) and run again",
                names.schema,
                wait.as_secs()
            )));
        }
        if !announced {
            progress("waiting for another connect-pg-admin run on this schema to finish");
            announced = true;
        }
        sleep(Duration::from_millis(100));
    }
}

fn set_lock_timeout(tx: &mut Transaction, timeout: Duration) -> Result<()> {
    tx.batch_execute(&format!(
        "SET LOCAL lock_timeout = {}",
        timeout.as_millis().max(1)
    ))
    .map_err(|e| Error::from_db("setting lock_timeout", &e))
}

/// Runs one step in a savepoint. A lock timeout rolls the step back and retries it after a
/// growing pause; once the retries are spent the run fails naming who held the lock.
fn apply_step(
    tx: &mut Transaction,
    step: &'static Step,
    vars: &[(&str, &str)],
    opts: &Options,
) -> Result<AppliedStep> {
    let sql = template::render(step.sql, vars)?;
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut sp = tx
            .savepoint("connect_pg_admin_step")
            .map_err(|e| Error::from_db(step.name, &e))?;
        match sp.batch_execute(&sql) {
            Ok(()) => {
                sp.commit().map_err(|e| Error::from_db(step.name, &e))?;
                return Ok(AppliedStep {
                    name: step.name,
                    sql,
                    attempts,
                    elapsed: start.elapsed(),
                });
            }
            Err(e) => {
                let lock_timeout = e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE);
                let err = Error::from_db(&format!("step {}", step.name), &e);
                if e.as_db_error().is_none() {
                    return Err(err);
                }
                sp.rollback().map_err(|e| Error::from_db(step.name, &e))?;
                if !lock_timeout {
                    return Err(err);
                }
                if attempts > opts.lock_retries {
                    let blockers = blockers(tx, vars)?;
                    return Err(Error::LockTimeout(format!(
                        "step {} could not get its lock within {}ms after {} attempts; held by {}; nothing was changed: run again when they finish, or raise --lock-timeout",
                        step.name,
                        opts.lock_timeout.as_millis(),
                        attempts,
                        if blockers.is_empty() { "a session that has since finished".to_string() } else { blockers.join("; ") }
                    )));
                }
                sleep(backoff(attempts));
            }
        }
    }
}

/// 200ms, 400ms, 800ms, ... capped at 5s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(6)).min(5000))
}

fn blockers(tx: &mut Transaction, vars: &[(&str, &str)]) -> Result<Vec<String>> {
    let sql = template::render(include_str!("../sql/tool/blockers.sql"), vars)?;
    let rows = tx
        .query(sql.as_str(), &[])
        .map_err(|e| Error::from_db("finding the lock holders", &e))?;
    Ok(rows
        .iter()
        .map(|r| {
            format!(
                "pid {} ({}, for {}: {})",
                r.get::<_, i32>("pid"),
                r.get::<_, String>("application_name"),
                r.get::<_, String>("held_for"),
                r.get::<_, String>("query")
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
