//! The tool's session, pinned right after connecting and before any other statement: the
//! settings that other roles can set on the database or on the tool's login (and that
//! PGOPTIONS sets at connection start) would otherwise decide which functions and operators
//! the tool's SQL resolves to, how values print, which triggers fire and when statements are
//! cut off. docs/security.md lists each setting and why it matters.

use postgres::Client;

use crate::error::{Error, Result};

const PIN_SQL: &str = include_str!("../../sql/tool/pin_session.sql");

/// Pins the session (sql/tool/pin_session.sql). Refuses to go on when
/// session_replication_role is not `origin` and the connected role may not change it: with
/// `replica`, ordinary triggers do not fire, so the store's expiry trigger would not run in
/// the checks and the verdict could not be trusted.
pub fn pin(client: &mut Client) -> Result<()> {
    let messages = client
        .simple_query(PIN_SQL)
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
    Ok(())
}
