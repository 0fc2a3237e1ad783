//! `sweep`: deletes every expired session in one statement. On a single node the trigger
//! already removes expired sessions as the store is written; a distributed (Citus) store has
//! no trigger (Citus distributes no table with one), so there this runs from cron or CI. On
//! the coordinator the one DELETE runs on every shard in parallel. Expiry stays exact without
//! it: get and count never see an expired session; the sweep only reclaims the space.

use std::time::{Duration, Instant};

use postgres::Client;

use crate::contract::template;
use crate::db;
use crate::error::{Error, Result};
use crate::names::Names;

pub struct Swept {
    pub deleted: u64,
    pub elapsed: Duration,
}

pub fn sweep(client: &mut Client, names: &Names, lock_timeout: Duration) -> Result<Swept> {
    let sql = template::render(tool_sql!("sweep"), &names.vars())?;
    let start = Instant::now();
    let mut tx = db::begin(client)?;
    db::set_lock_timeout(&mut tx, lock_timeout)?;
    // Only the store's table, as its owner (db::store_table says why).
    let whose = match db::store_table(&mut tx, &names.schema, "session", &names.owner)? {
        Ok(whose) => whose,
        Err(why) => {
            return Err(Error::Refused(format!(
                "sweep refused: {why}; nothing was deleted"
            )))
        }
    };
    let delete = |tx: &mut postgres::Transaction| {
        tx.execute(sql.as_str(), &[]).map_err(|e| {
            match Error::from_db(&format!("sweeping {}.session", names.schema), &e) {
                Error::LockTimeout(m) => Error::LockTimeout(format!(
                    "{m}; an application transaction held an expired row longer than --lock-timeout; nothing was deleted: run again"
                )),
                other => other,
            }
        })
    };
    let deleted = match whose {
        db::TableOwner::OwnerRole => db::as_owner(&mut tx, &names.owner, delete)?,
        db::TableOwner::Superuser => delete(&mut tx)?,
    };
    db::commit(tx, "committing the sweep")?;
    Ok(Swept {
        deleted,
        elapsed: start.elapsed(),
    })
}
