//! `verify`: every check in a transaction that is always rolled back. It takes no lock a
//! session write could wait on (the behaviour checks run on a scratch copy) and gives up
//! quickly instead of queueing behind DDL.

use std::time::Duration;

use postgres::Client;

use crate::contract::checks::{self, Outcome, PgTap};
use crate::db;
use crate::db::session::Facts;
use crate::error::{Error, Result};
use crate::names::Names;

/// On a hot standby no check can run: pgTAP records every result in temporary tables, and a
/// standby can create none. A session that is only read-only by default
/// (`default_transaction_read_only`) runs the checks in a transaction declared READ WRITE,
/// which is rolled back like every verify transaction, so nothing it wrote outlives it.
pub fn verify(
    client: &mut Client,
    facts: &Facts,
    names: &Names,
    lock_timeout: Duration,
) -> Result<Outcome> {
    if facts.standby {
        return Err(Error::Prerequisite(
            "verify cannot run on a hot standby: pgTAP keeps its results in temporary tables, which a standby cannot create (pg_is_in_recovery() is true); verify the primary, whose store this standby replays".to_string(),
        ));
    }
    if !facts.superuser {
        refuse_unreadable(client, facts, names)?;
    }
    let server = checks::server(client)?;
    let mut tx = db::begin(client)?;
    if facts.read_only {
        tx.batch_execute(tool_sql!("read_write"))
            .map_err(|e| Error::from_db("declaring the rolled-back transaction read write", &e))?;
    }
    db::set_lock_timeout(&mut tx, lock_timeout)?;
    let pgtap = PgTap::prepare(&mut tx, &server)?;
    let outcome = checks::run(&mut tx, names, &pgtap, server.flavour())?;
    db::rollback(tx)?;
    Ok(outcome)
}

/// A role that may not read the store would see checks fail for want of privilege, not for
/// drift: refused in one line naming what it lacks (docs/ci.md, "A role for CI").
fn refuse_unreadable(client: &mut Client, facts: &Facts, names: &Names) -> Result<()> {
    let row = super::status::store_row(client, names)?;
    let schema = &names.schema;
    let lacks: Vec<String> = [
        (!row.get::<_, bool>("schema_readable")).then(|| format!("USAGE on schema {schema}")),
        (!row.get::<_, bool>("table_readable"))
            .then(|| format!("SELECT on table {schema}.session")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if lacks.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "verify refused: the connected role {} lacks {}, so checks would fail for want of privilege, not for drift; GRANT USAGE ON SCHEMA {schema} and SELECT ON {schema}.session to it, or connect as a superuser (docs/ci.md, \"A role for CI\")",
        facts.user,
        lacks.join(" and ")
    )))
}
