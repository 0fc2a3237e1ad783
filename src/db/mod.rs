//! The tool's own database session: what is pinned right after connecting, and the helpers for
//! transactions, lock_timeout and advisory locks that every command shares.

pub mod session;

use std::time::Duration;

use postgres::{Client, Transaction};

use crate::error::{Error, Result};

/// A transaction whose statements wait at most `timeout` for a lock (`SET LOCAL`, so it ends
/// with the transaction).
pub fn transaction_with_lock_timeout(
    client: &mut Client,
    timeout: Duration,
) -> Result<Transaction<'_>> {
    let mut tx = client
        .transaction()
        .map_err(|e| Error::from_db("starting the transaction", &e))?;
    tx.batch_execute(&format!(
        "SET LOCAL lock_timeout = {}",
        timeout.as_millis().max(1)
    ))
    .map_err(|e| Error::from_db("setting lock_timeout", &e))?;
    Ok(tx)
}
