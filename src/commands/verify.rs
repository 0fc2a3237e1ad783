//! `verify`: every check in a transaction that is always rolled back. It takes no lock a
//! session write could wait on (the behaviour checks run on a scratch copy) and gives up
//! quickly instead of queueing behind DDL.

use std::time::Duration;

use postgres::Client;

use crate::contract::checks::{self, Outcome, PgTap};
use crate::db;
use crate::error::Result;
use crate::names::Names;

pub fn verify(client: &mut Client, names: &Names, lock_timeout: Duration) -> Result<Outcome> {
    let server = checks::server(client)?;
    let mut tx = db::begin(client)?;
    db::set_lock_timeout(&mut tx, lock_timeout)?;
    let pgtap = PgTap::prepare(&mut tx, &server)?;
    let outcome = checks::run(&mut tx, names, &pgtap, server.flavour())?;
    db::rollback(tx)?;
    Ok(outcome)
}
