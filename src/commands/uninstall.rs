//! `uninstall`: removes the schema, the objects install made in it, and the roles install
//! created, in one transaction, only when all of it is the tool's. What DROP SCHEMA ... CASCADE
//! would reach (in any schema) is inspected first, and so is everything the roles own or hold
//! in any database (pg_shdepend); anything foreign makes it refuse before it changes anything.
//! The drops themselves are RESTRICT, so an object that appears between the inspection and the
//! drop makes the transaction fail rather than disappear with it.

use std::time::Duration;

use postgres::{Client, GenericClient};

use crate::commands::install::apply;
use crate::contract::catalog;
use crate::contract::template;
use crate::db;
use crate::error::{Error, Result};
use crate::names::Names;

pub struct Object {
    /// As PostgreSQL describes it: "table web.session", "function web.count_sessions()".
    pub description: String,
    /// One that install creates.
    pub tool: bool,
    /// Worth listing to a person (not the row type, TOAST table, default, constraint).
    pub shown: bool,
}

pub struct RolePlan {
    pub name: String,
    pub exists: bool,
    /// Dropped: it exists and install created it.
    pub drop: bool,
    /// Why a role that exists stays.
    pub kept_because: Option<String>,
    /// What makes dropping it unsafe.
    pub blockers: Vec<String>,
}

pub struct Plan {
    pub schema: String,
    pub schema_exists: bool,
    pub objects: Vec<Object>,
    /// Sessions that would be deleted (None: no session table, or not the store's).
    pub sessions: Option<i64>,
    /// Why the session table is not the store's (db::store_table), so not read or dropped.
    pub table_refused: Option<String>,
    pub roles: Vec<RolePlan>,
}

impl Plan {
    /// Everything that makes uninstall refuse, one phrase each.
    pub fn blockers(&self) -> Vec<String> {
        let mut b: Vec<String> = self
            .objects
            .iter()
            .filter(|o| !o.tool)
            .map(|o| {
                format!(
                    "{} would be dropped with schema {} but was not created by connect-pg-admin",
                    o.description, self.schema
                )
            })
            .collect();
        b.extend(self.table_refused.clone());
        for r in &self.roles {
            b.extend(r.blockers.iter().map(|x| format!("role {} {x}", r.name)));
        }
        b
    }

    /// Nothing of the store is left to remove.
    pub fn nothing_to_do(&self) -> bool {
        !self.schema_exists && !self.roles.iter().any(|r| r.drop)
    }
}

fn vars<'a>(names: &'a Names, functions: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("schema", names.schema.as_str()),
        ("role", names.role.as_str()),
        ("owner", names.owner.as_str()),
        ("functions", functions),
    ]
}

/// Reads what uninstall would drop and what would make it refuse; changes nothing.
pub fn inspect(client: &mut impl GenericClient, names: &Names) -> Result<Plan> {
    let functions = catalog::function_signatures();
    let vars = vars(names, &functions);
    let ctx = "inspecting what uninstall would drop";
    let sql = template::render(tool_sql!("uninstall_objects"), &vars)?;
    let objects: Vec<Object> = client
        .query(sql.as_str(), &[])
        .map_err(|e| Error::from_db(ctx, &e))?
        .iter()
        .map(|r| Object {
            description: r.get::<_, Option<String>>("object").unwrap_or_default(),
            tool: r.get("tool"),
            shown: r.get("shown"),
        })
        .collect();
    let row = super::status::store_row(client, names)?;
    let schema_exists: bool = row.get("schema_exists");
    let (sessions, table_refused) = if row.get::<_, bool>("table_exists") {
        let sql = template::render(tool_sql!("uninstall_sessions"), &vars)?;
        // A count the owner role may not make (row-level security forced on the table, which
        // install would remove) is only left out: the store can still be dropped.
        match db::read_store_table(client, &names.schema, "session", &names.owner, |tx| {
            db::unless_forced_rls(tx.query_one(sql.as_str(), &[]), "counting the sessions")
        })? {
            Ok(counted) => (counted.map(|r| r.get::<_, i64>("sessions")), None),
            Err(why) => (None, Some(why)),
        }
    } else {
        (None, None)
    };
    let mut roles = Vec::new();
    for name in [&names.owner, &names.role] {
        let sql = template::render(
            tool_sql!("uninstall_roles"),
            &[
                ("schema", names.schema.as_str()),
                ("drop_role", name),
                ("functions", &functions),
            ],
        )?;
        let r = client
            .query_one(sql.as_str(), &[])
            .map_err(|e| Error::from_db(ctx, &e))?;
        let exists: bool = r.get("role_exists");
        let created: bool = r.get("created_by_tool");
        let elsewhere: Vec<String> = r.get("elsewhere");
        let drop = exists && created && elsewhere.is_empty();
        let mut blockers = Vec::new();
        if drop {
            if r.get::<_, bool>("superuser") {
                blockers.push("is a superuser".to_string());
            }
            if r.get::<_, bool>("connected_as") {
                blockers.push("is the role this run is connected as".to_string());
            }
            blockers.extend(r.get::<_, Vec<String>>("held"));
        }
        roles.push(RolePlan {
            name: name.clone(),
            exists,
            drop,
            kept_because: if exists && !created {
                Some("connect-pg-admin did not create it (its comment does not say so)".to_string())
            } else if exists && !elsewhere.is_empty() {
                Some(format!(
                    "it is still used in database {} (it owns or holds privileges there: another store, say); uninstall drops it once no other database uses it",
                    elsewhere.join(", ")
                ))
            } else {
                None
            },
            blockers,
        });
    }
    Ok(Plan {
        schema: names.schema.clone(),
        schema_exists,
        objects,
        sessions,
        table_refused,
        roles,
    })
}

/// Inspects again inside the transaction that drops (what a person confirmed may have changed
/// since), refuses on anything foreign, and otherwise drops and commits.
pub fn uninstall(client: &mut Client, names: &Names, lock_timeout: Duration) -> Result<Plan> {
    let mut tx = db::begin(client)?;
    let citus: bool = tx
        .query_one(tool_sql!("citus_present"), &[])
        .map_err(|e| Error::from_db("looking for the citus extension", &e))?
        .get(0);
    if !db::take_schema_lock(&mut tx, &names.schema, Duration::ZERO, || {})? {
        return Err(Error::LockTimeout(format!(
            "another connect-pg-admin run on schema {} is in progress; nothing was changed: run uninstall again when it has finished",
            names.schema
        )));
    }
    if citus {
        tx.batch_execute(tool_sql!("citus_sequential"))
            .map_err(|e| Error::from_db("setting Citus's sequential mode", &e))?;
    }
    // As install does: the session table is taken with LOCK ... NOWAIT, polled, so that while
    // the application's transactions hold it this run waits outside the lock queue and the
    // application's reads and writes never queue behind it. Every other statement may wait
    // only briefly (a catalog row another transaction is changing).
    let table_vars = [("schema", names.schema.as_str())];
    let lock = template::render(tool_sql!("lock_table"), &table_vars)?;
    match db::poll_nowait(&mut tx, lock_timeout, "taking the locks", |sp| {
        sp.batch_execute(&lock)
    })? {
        db::Polled::Done(()) => {}
        db::Polled::Failed(e) => return Err(Error::from_db("taking the locks", &e)),
        db::Polled::Busy => {
            let held = apply::blockers(&mut tx, &table_vars)?;
            return Err(Error::LockTimeout(format!(
                "uninstall could not lock table {}.session within {}ms; {}; nothing was changed: run again when they finish, or raise --lock-timeout",
                names.schema,
                lock_timeout.as_millis(),
                if held.is_empty() {
                    "the sessions holding it have finished since".to_string()
                } else {
                    format!("held by {}", held.join("; "))
                }
            )));
        }
    }
    db::set_lock_timeout(&mut tx, apply::STATEMENT_LOCK_WAIT)?;
    let plan = inspect(&mut tx, names)?;
    refuse_if_blocked(&plan)?;
    if plan.schema_exists {
        let sql = template::render(
            tool_sql!("uninstall_schema"),
            &vars(names, &catalog::function_signatures()),
        )?;
        tx.batch_execute(&sql)
            .map_err(|e| drop_error("dropping the schema", &e))?;
    }
    for role in plan.roles.iter().filter(|r| r.drop) {
        let sql = template::render(
            tool_sql!("uninstall_role"),
            &[("drop_role", role.name.as_str())],
        )?;
        tx.batch_execute(&sql)
            .map_err(|e| drop_error(&format!("dropping role {}", role.name), &e))?;
    }
    db::commit(tx, "committing")?;
    Ok(plan)
}

pub fn refuse_if_blocked(plan: &Plan) -> Result<()> {
    let blockers = plan.blockers();
    if blockers.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "uninstall refused, nothing was changed: {}; move or drop those first (or drop the store by hand)",
        blockers.join("; ")
    )))
}

/// A RESTRICT drop that fails because something new depends on the store is a refusal, not a
/// server fault.
fn drop_error(context: &str, e: &postgres::Error) -> Error {
    if e.code() == Some(&postgres::error::SqlState::DEPENDENT_OBJECTS_STILL_EXIST) {
        let detail = e
            .as_db_error()
            .and_then(|d| d.detail().or(Some(d.message())))
            .map(crate::error::one_line)
            .unwrap_or_default();
        return Error::Refused(format!(
            "uninstall refused, nothing was changed: {context}: other objects depend on it ({detail})"
        ));
    }
    Error::from_db(context, e)
}
