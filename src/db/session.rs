//! The tool's session, pinned right after connecting and before any other statement: the
//! settings that other roles can set on the database or on the tool's login (and that
//! PGOPTIONS sets at connection start) would otherwise decide which functions and operators
//! the tool's SQL resolves to, how values print, which triggers fire and when statements are
//! cut off. docs/security.md lists each setting and why it matters.

use postgres::Client;

use crate::error::{Error, Result};

const PIN_SQL: &str = tool_sql!("pin_session");
const RESET_ROLE_SQL: &str = tool_sql!("reset_role");

/// What the pinned session found out about the server and the connected role.
#[derive(Debug, Clone)]
pub struct Facts {
    /// `pg_is_in_recovery()`: a hot standby, where nothing can be written (not even the
    /// temporary tables pgTAP keeps its results in).
    pub standby: bool,
    /// `transaction_read_only` at connection start (`default_transaction_read_only = on` on the
    /// database, the role or in PGOPTIONS, or a standby).
    pub read_only: bool,
    /// From pg_roles, for the connected role (`current_user`).
    pub superuser: bool,
    pub user: String,
}

impl Facts {
    /// "hot standby", "read-only" or None: what status says about the server.
    pub fn read_only_kind(&self) -> Option<&'static str> {
        if self.standby {
            Some("hot standby")
        } else if self.read_only {
            Some("read-only")
        } else {
            None
        }
    }

    /// For the commands that write (install, set-password, uninstall): refuses at once on a
    /// read-only server, before any statement is attempted.
    pub fn refuse_writes(&self, command: &str) -> Result<()> {
        let why = if self.standby {
            "the server is a hot standby (pg_is_in_recovery() is true), where nothing can be written; run it against the primary (the standby replays its changes)"
        } else if self.read_only {
            "the session is read-only (default_transaction_read_only is on for this database, role or PGOPTIONS); run it where writes are allowed, or turn that setting off for the tool's login"
        } else {
            return Ok(());
        };
        Err(Error::Prerequisite(format!(
            "{command} refused, nothing was attempted: {why}"
        )))
    }
}

/// Pins the session (sql/tool/pin_session.sql) and returns what it read. Refuses to go on when
/// session_replication_role is not `origin` and the connected role may not change it: with
/// `replica`, ordinary triggers do not fire, so the store's expiry trigger would not run in
/// the checks and the verdict could not be trusted.
///
/// `client_role`: the connection's options set `role` themselves (PGOPTIONS), so the role in
/// effect is the operator's choice; otherwise any role a database or role setting imposed is
/// dropped first (sql/tool/reset_role.sql).
pub fn pin(client: &mut Client, client_role: bool) -> Result<Facts> {
    // One round trip, one statement in the server's log, as before.
    let sql = if client_role {
        PIN_SQL.to_string()
    } else {
        format!("{RESET_ROLE_SQL}{PIN_SQL}")
    };
    let messages = client
        .simple_query(&sql)
        .map_err(|e| Error::from_db("pinning the session's settings", &e))?;
    let row = messages.iter().find_map(|m| match m {
        postgres::SimpleQueryMessage::Row(r) => Some(r),
        _ => None,
    });
    let Some(row) = row else {
        return Err(Error::Internal(
            "pinning the session returned no row".to_string(),
        ));
    };
    let replication_role = row.get(0).unwrap_or_default();
    let login = row.get(2).unwrap_or_default();
    if replication_role != "origin" {
        return Err(Error::Refused(format!(
            "session_replication_role is {replication_role} for {login} (set on the database, the role or in PGOPTIONS) and {login} may not change it: triggers would not fire, so no verdict could be trusted; nothing was run: reset it (ALTER ROLE/DATABASE ... RESET session_replication_role) or connect as a superuser"
        )));
    }
    let flag = |i: usize| matches!(row.get(i), Some("on" | "true"));
    Ok(Facts {
        standby: flag(3),
        read_only: flag(4),
        superuser: flag(5),
        user: row.get(6).unwrap_or_default().to_string(),
    })
}
