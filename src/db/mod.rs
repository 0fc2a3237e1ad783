//! The tool's own database session: what is pinned right after connecting, and the helpers for
//! transactions, lock_timeout and advisory locks that every command shares.

pub mod session;

use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::Transaction;

use crate::error::{Error, Result};

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
