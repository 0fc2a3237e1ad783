//! `status`: a short summary of what is installed, read without changing anything. Each part
//! is read on its own, so one that cannot be read (no pgTAP for the checks, no right to read
//! the table or pg_authid) says why and the others still show.

use std::time::Duration;

use postgres::{Client, Row};

use crate::commands::verify;
use crate::contract::checks::{self, Outcome};
use crate::contract::template;
use crate::db;
use crate::db::session::Facts;
use crate::error::{one_line, Error, Result};
use crate::names::Names;

pub struct Status {
    pub schema_exists: bool,
    pub schema_owner: Option<String>,
    pub table_exists: bool,
    /// The last install that changed the store, from install_history, or why it is unknown.
    pub last_change: std::result::Result<LastChange, String>,
    /// The checks' verdict, or why they could not run.
    pub checks: std::result::Result<Outcome, String>,
    /// Live and expired sessions, or why they could not be counted.
    pub sessions: std::result::Result<(i64, i64), String>,
    pub role: Role,
    /// "hot standby" or "read-only" when the server or session is (None: writable).
    pub read_only: Option<&'static str>,
    /// On a Citus coordinator: the cluster and the session table's shards.
    pub citus: Option<CitusStatus>,
}

pub struct CitusStatus {
    pub version: String,
    pub workers: Vec<String>,
    /// The session table's shard count (0: not distributed), or why it is unknown.
    pub shards: std::result::Result<i64, String>,
}

pub struct LastChange {
    pub tool_version: String,
    pub at: String,
    pub by: String,
    pub steps: i32,
}

pub struct Role {
    pub exists: bool,
    pub login: bool,
    /// Its VALID UNTIL is in the past.
    pub expired: bool,
    /// It may connect to this database (CONNECT through PUBLIC or its own grant).
    pub connect: bool,
    /// The kind of password it has (None: no password), or why that is unknown.
    pub password: std::result::Result<Option<String>, String>,
}

impl Role {
    /// Whether the application can log in as it with a password.
    pub fn can_log_in(&self) -> Option<bool> {
        if !self.exists || !self.login || self.expired || !self.connect {
            return Some(false);
        }
        match &self.password {
            Ok(kind) => Some(kind.is_some()),
            Err(_) => None,
        }
    }
}

fn db_reason(e: &postgres::Error) -> String {
    e.as_db_error()
        .map(|d| one_line(d.message()))
        .unwrap_or_else(|| one_line(&e.to_string()))
}

/// Reads one of the store's tables as its owner (db::read_store_table says why), or says why
/// it was not read or what the read met.
fn read<T>(
    client: &mut Client,
    names: &Names,
    table: &str,
    query: impl FnOnce(&mut postgres::Transaction) -> std::result::Result<T, postgres::Error>,
) -> Result<std::result::Result<T, String>> {
    let read = db::read_store_table(client, &names.schema, table, &names.owner, |tx| {
        Ok(query(tx).map_err(|e| db_reason(&e)))
    });
    match read {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(why)) => Ok(Err(why)),
        Err(e @ (Error::Connection { .. } | Error::Server(_) | Error::Internal(_))) => Err(e),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// What sql/tool/status.sql reads from the catalogs, which every role may read: the schema,
/// whether the store's tables are there and the connected role may read them, the application
/// role. One row, also when none of it exists.
pub fn store_row(client: &mut impl postgres::GenericClient, names: &Names) -> Result<Row> {
    db::query_one(
        client,
        tool_sql!("status"),
        &names.vars(),
        "reading the store's catalog entries",
    )
}

pub fn status(
    client: &mut Client,
    facts: &Facts,
    names: &Names,
    lock_timeout: Duration,
) -> Result<Status> {
    let superuser = facts.superuser;
    let vars = names.vars();
    let row = store_row(client, names)?;
    let schema_exists: bool = row.get("schema_exists");
    let table_exists: bool = row.get("table_exists");
    let role_exists: bool = row.get("role_exists");

    let checks = match verify::verify(client, facts, names, lock_timeout) {
        Ok(outcome) => Ok(outcome),
        Err(e @ (Error::Connection { .. } | Error::Server(_) | Error::Internal(_))) => {
            return Err(e)
        }
        Err(e) => Err(e.to_string()),
    };

    let sessions = if table_exists {
        let sql = template::render(tool_sql!("status_sessions"), &vars)?;
        read(client, names, "session", |tx| {
            tx.query_one(sql.as_str(), &[])
                .map(|r| (r.get::<_, i64>("live"), r.get::<_, i64>("expired")))
        })?
    } else {
        Err(format!("no table {}.session", names.schema))
    };

    let last_change = if row.get::<_, bool>("history_exists") {
        let sql = template::render(tool_sql!("status_history"), &vars)?;
        match read(client, names, "install_history", |tx| {
            tx.query_opt(sql.as_str(), &[])
        })? {
            Ok(Some(r)) => Ok(LastChange {
                tool_version: r.get("tool_version"),
                at: r.get("installed_at"),
                by: r.get("installed_by"),
                steps: r.get("steps"),
            }),
            Ok(None) => Err("install_history is empty".to_string()),
            Err(why) => Err(why),
        }
    } else {
        Err(
            "no install history in this database (installed by an older version, or by hand)"
                .to_string(),
        )
    };

    let password = if !role_exists {
        Ok(None)
    } else if superuser {
        let sql = template::render(tool_sql!("status_password"), &vars)?;
        client
            .query_opt(sql.as_str(), &[])
            .map(|r| r.and_then(|r| r.get::<_, Option<String>>("password_kind")))
            .map_err(|e| db_reason(&e))
    } else {
        Err("only a superuser may read whether it has a password".to_string())
    };

    // Only what the coordinator says of its cluster; anything else (no pgTAP, say) is for the
    // checks line to report.
    let citus = match checks::server(client).ok().and_then(|s| s.citus) {
        Some(node) => {
            let sql = template::render(tool_sql!("status_citus"), &vars)?;
            Some(CitusStatus {
                version: node.version,
                workers: node.workers,
                shards: client
                    .query_one(sql.as_str(), &[])
                    .map(|r| r.get::<_, i64>("shards"))
                    .map_err(|e| db_reason(&e)),
            })
        }
        None => None,
    };

    Ok(Status {
        citus,
        schema_exists,
        schema_owner: row.get("schema_owner"),
        table_exists,
        last_change,
        checks,
        sessions,
        role: Role {
            exists: role_exists,
            login: row.get("role_login"),
            expired: row.get("role_expired"),
            connect: row.get("role_connect"),
            password,
        },
        read_only: facts.read_only_kind(),
    })
}
