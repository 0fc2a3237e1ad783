//! What install refuses before it changes anything: a connected role that cannot create what
//! is missing, a schema that holds another application's objects, and role names that belong
//! to someone else (a superuser, another application's login or owner). Runs inside the
//! install transaction, after the install lock, so nothing can change between the look and
//! the steps. Each refusal is exit 4 and says what to do; see docs/security.md. Once the
//! plan is known, `dependents` refuses a function step that would have to drop a function
//! other objects depend on: install drops nothing that is not the store's.

use postgres::Transaction;

use crate::contract::catalog::{Step, FUNCTIONS};
use crate::contract::template;
use crate::db;
use crate::error::{Error, Result};
use crate::names::Names;

/// What sql/tool/preflight.sql reads. Separate from the decision so the rules can be tested
/// without a server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub connected_user: String,
    pub superuser: bool,
    pub member_of_owner: bool,
    pub owns_database: bool,
    pub can_create_role: bool,
    pub can_create_schema: bool,
    pub schema_exists: bool,
    pub schema_marked: bool,
    pub foreign_count: i32,
    pub foreign_objects: Option<String>,
    pub role: Option<RoleFacts>,
    pub owner: Option<RoleFacts>,
    pub owner_marked: bool,
    /// The session table exists and sess_id is not its primary key (see `Ids`).
    pub ids_unkeyed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleFacts {
    pub superuser: bool,
    pub login: bool,
    pub member_of: Option<String>,
    pub outside_count: i32,
    pub outside: Option<String>,
}

pub fn check(tx: &mut Transaction, names: &Names) -> Result<()> {
    let facts = read(tx, names)?;
    decide(&facts, names)?;
    if let Some(kind) = db::not_a_table(tx, &names.schema, "session")? {
        let table = format!("{}.session", names.schema);
        return Err(Error::Refused(format!(
            "{table} is {kind}, not a table: install does not replace what is not the store's; rename or drop {table}, then run install again; nothing was changed"
        )));
    }
    if facts.ids_unkeyed {
        // Read as the table's owner (db::store_table). A table that is not the store's is not
        // read, nor one the owner role may not read (row-level security forced on it): the
        // primary_key step, as the owner role, then meets what is there (building the key
        // reads past row-level security).
        let read = db::read_store_table(tx, &names.schema, "session", &names.owner, |tx| {
            let sql = template::render(tool_sql!("duplicate_ids"), &names.vars())?;
            db::unless_forced_rls(
                tx.query_one(sql.as_str(), &[]),
                "looking for duplicate or NULL session ids",
            )
        })?;
        let Ok(Some(row)) = read else { return Ok(()) };
        let ids = Ids {
            duplicated: row.get("duplicated"),
            duplicated_count: row.get("duplicated_count"),
            nulls: row.get("nulls"),
        };
        if let Some(refusal) = ids.refusal(&names.schema) {
            return Err(refusal);
        }
    }
    Ok(())
}

/// What sql/tool/duplicate_ids.sql reads: the ids that keep sess_id from being the key.
#[derive(Debug, Default)]
pub struct Ids {
    /// Up to ten duplicated ids, in order.
    pub duplicated: Vec<String>,
    pub duplicated_count: i64,
    pub nulls: i64,
}

impl Ids {
    /// The refusal when sess_id holds duplicates or NULLs: which session of two to keep is a
    /// person's decision, so install names them and the SQL that would resolve them, and
    /// deletes nothing.
    pub fn refusal(&self, schema: &str) -> Option<Error> {
        if self.duplicated_count == 0 && self.nulls == 0 {
            return None;
        }
        let table = format!("{}.session", template::quote_ident(schema));
        let mut found = Vec::new();
        let mut fixes = Vec::new();
        if self.duplicated_count > 0 {
            let more = self.duplicated_count - self.duplicated.len() as i64;
            found.push(format!(
                "{} duplicated id(s) ({}{})",
                self.duplicated_count,
                self.duplicated
                    .iter()
                    .map(|id| template::quote_literal_printable(id))
                    .collect::<Vec<_>>()
                    .join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
            fixes.push(format!(
                "to keep one row of each id, DELETE FROM {table} a USING {table} b WHERE a.sess_id = b.sess_id AND a.ctid < b.ctid;"
            ));
        }
        if self.nulls > 0 {
            found.push(format!("{} row(s) with a NULL id", self.nulls));
            fixes.push(format!(
                "to remove the rows without an id, DELETE FROM {table} WHERE sess_id IS NULL;"
            ));
        }
        Some(Error::Refused(format!(
            "{table} has lost its primary key, and sess_id holds {}, so the key cannot be restored; install never deletes sessions to make it fit: decide which to keep (for example, {}), then run install again; {NOTHING}",
            found.join(" and "),
            fixes.join(" and ")
        )))
    }
}

fn read(tx: &mut Transaction, names: &Names) -> Result<Facts> {
    let row = db::query_one(
        tx,
        tool_sql!("preflight"),
        &names.vars(),
        "checking what install would take over",
    )?;
    let role = row.get::<_, bool>("role_exists").then(|| RoleFacts {
        superuser: row.get("role_superuser"),
        login: true,
        member_of: row.get("role_member_of"),
        outside_count: row.get("role_outside_count"),
        outside: row.get("role_outside"),
    });
    let owner = row.get::<_, bool>("owner_exists").then(|| RoleFacts {
        superuser: row.get("owner_superuser"),
        login: row.get("owner_login"),
        member_of: row.get("owner_member_of"),
        outside_count: row.get("owner_outside_count"),
        outside: row.get("owner_outside"),
    });
    Ok(Facts {
        connected_user: row.get("connected_user"),
        superuser: row.get("superuser"),
        member_of_owner: row.get("member_of_owner"),
        owns_database: row.get("owns_database"),
        can_create_role: row.get("can_create_role"),
        can_create_schema: row.get("can_create_schema"),
        schema_exists: row.get("schema_exists"),
        schema_marked: row.get("schema_marked"),
        foreign_count: row.get("foreign_count"),
        foreign_objects: row.get("foreign_objects"),
        role,
        owner,
        owner_marked: row.get("owner_marked"),
        ids_unkeyed: row.get("ids_unkeyed"),
    })
}

const NOTHING: &str = "nothing was changed";

/// The rules, in the order a user can act on them: first what is not ours, then what the
/// connected role may not do.
pub fn decide(f: &Facts, names: &Names) -> Result<()> {
    let Names {
        schema,
        role,
        owner,
    } = names;

    if f.schema_exists && !f.schema_marked && f.foreign_count > 0 {
        let more = if f.foreign_count > 5 {
            format!(" and {} more", f.foreign_count - 5)
        } else {
            String::new()
        };
        return Err(Error::Refused(format!(
            "schema {schema} already exists and holds objects that are not connect-pg's ({}{more}); install does not take over another application's schema: choose another --schema, or move those objects out; {NOTHING}",
            f.foreign_objects.as_deref().unwrap_or("?")
        )));
    }

    if let Some(why) = f.role.as_ref().and_then(|r| not_ours(r, Judged::AppRole)) {
        return Err(Error::Refused(format!(
            "role {role} already exists and {why}, so it is not an application role install may take over (install would change its attributes and privileges): choose another --role, or fix that role; {NOTHING}"
        )));
    }

    let judged = if f.owner_marked {
        Judged::MarkedOwner
    } else {
        Judged::Owner
    };
    if let Some(why) = f.owner.as_ref().and_then(|o| not_ours(o, judged)) {
        return Err(Error::Refused(format!(
            "role {owner}, which install would make the NOLOGIN owner of schema {schema}, already exists and {why}: choose another --schema (the owner role is named <schema>_owner), or rename that role; {NOTHING}"
        )));
    }

    let user = &f.connected_user;
    if !f.superuser {
        let missing_roles: Vec<&str> = [
            (f.owner.is_none(), owner.as_str()),
            (f.role.is_none(), role.as_str()),
        ]
        .into_iter()
        .filter_map(|(missing, name)| missing.then_some(name))
        .collect();
        // Not CREATEROLE alone: the role steps state NOSUPERUSER, NOREPLICATION and
        // NOBYPASSRLS explicitly, and only a superuser may name those attributes at all.
        if !missing_roles.is_empty() {
            return Err(Error::Refused(format!(
                "role {} does not exist yet, and creating the session store's roles takes a superuser (they are created with NOSUPERUSER NOREPLICATION NOBYPASSRLS, which only a superuser may set); the connected role {user} is not one{}: run install once as a superuser; {NOTHING}",
                missing_roles.join(" and "),
                if f.can_create_role { " (CREATEROLE is not enough)" } else { "" }
            )));
        }
        if !f.schema_exists && !f.can_create_schema {
            return Err(Error::Refused(format!(
                "the connected role {user} may not create schema {schema} (it needs CREATE on this database); connect as a superuser, or GRANT CREATE ON DATABASE to it; {NOTHING}"
            )));
        }
        if f.owner.is_some() && !f.member_of_owner {
            return Err(Error::Refused(format!(
                "the connected role {user} is not a superuser and not a member of {owner}{}: the store's objects belong to {owner} and only a superuser may set its roles' attributes, so install could repair nothing: run install as a superuser (verify and status need less: docs/ci.md, \"A role for CI\"); {NOTHING}",
                if f.owns_database { " (owning the database is not enough)" } else { "" }
            )));
        }
    }
    Ok(())
}

/// Refuses (exit 4, nothing changed) when a planned function step would have to drop a
/// function that objects other than the store's own trigger depend on (a view, a
/// materialized view on it, a default, ...): without CASCADE the drop would fail, and with it
/// those objects and their data would be gone. Names each one, schema-qualified, with its
/// owner. Runs for `--dry-run` too, so a dry run lists them.
pub fn dependents(tx: &mut Transaction, names: &Names, plan: &[&Step]) -> Result<()> {
    let mut found: Vec<String> = Vec::new();
    for f in FUNCTIONS
        .iter()
        .filter(|f| plan.iter().any(|s| s.name == f.step))
    {
        let sql = tool_sql!("function_dependents")
            .replace("{mismatch}", f.mismatch_sql().trim_end())
            .replace("{signature}", &f.signature());
        let sql = template::render(&sql, &names.vars())?;
        let rows = tx
            .query(sql.as_str(), &[])
            .map_err(|e| Error::from_db("looking for what depends on the functions", &e))?;
        let Some(first) = rows.first() else {
            continue;
        };
        let dropped: String = first.get("dropped");
        let what: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} (owner {})",
                    r.get::<_, String>("what"),
                    r.get::<_, String>("owner")
                )
            })
            .collect();
        found.push(format!(
            "function {dropped} (depended on by {})",
            what.join(", ")
        ));
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "install must drop and create again {}, whose result type or argument names differ from the contract's; install drops nothing that is not the session store's: drop or change those objects (recreate them after install), then run install again; {NOTHING}",
        found.join("; ")
    )))
}

/// What an existing role is judged as: the owner role the store marked as its own may have
/// anything but superuser (it is ours to repair); an unmarked one must not even log in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Judged {
    AppRole,
    Owner,
    MarkedOwner,
}

/// Why install may not take over the existing role `r`, or None when it may.
fn not_ours(r: &RoleFacts, judged: Judged) -> Option<String> {
    if r.superuser {
        return Some("is a superuser".into());
    }
    if judged == Judged::MarkedOwner {
        return None;
    }
    if judged == Judged::Owner && r.login {
        return Some("can log in, so it is someone's login".into());
    }
    if let Some(m) = &r.member_of {
        return Some(format!("is a member of {m}"));
    }
    (r.outside_count > 0).then(|| outside(r))
}

fn outside(r: &RoleFacts) -> String {
    let more = if r.outside_count > 3 {
        format!(" and {} more", r.outside_count - 3)
    } else {
        String::new()
    };
    format!(
        "{}{more} outside the session store",
        r.outside.as_deref().unwrap_or("has objects")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names::new("web", "nodepg").unwrap()
    }

    fn superuser() -> Facts {
        Facts {
            connected_user: "postgres".into(),
            superuser: true,
            can_create_role: true,
            can_create_schema: true,
            ..Facts::default()
        }
    }

    fn a_superuser() -> RoleFacts {
        RoleFacts {
            superuser: true,
            ..Default::default()
        }
    }

    #[track_caller]
    fn assert_refused(f: &Facts, says: &str) {
        match decide(f, &names()) {
            Err(Error::Refused(m)) => assert!(m.contains(says), "{says:?} not in: {m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn duplicate_and_null_ids_are_named_with_the_sql_that_resolves_them() {
        assert!(Ids::default().refusal("web").is_none());
        let ids = Ids {
            duplicated: (1..=10).map(|i| format!("s{i}")).collect(),
            duplicated_count: 12,
            nulls: 3,
        };
        let Some(Error::Refused(m)) = ids.refusal("web") else {
            panic!("expected a refusal")
        };
        assert!(m.contains("12 duplicated id(s) ('s1', 's2'"), "{m}");
        assert!(m.contains("'s10' and 2 more)"), "{m}");
        assert!(m.contains("3 row(s) with a NULL id"), "{m}");
        assert!(
            m.contains("DELETE FROM \"web\".session WHERE sess_id IS NULL;"),
            "{m}"
        );
        assert!(!m.contains('\n'), "one line: {m}");
        let odd = Ids {
            duplicated: vec!["it's".into(), "two\nlines\x1b[2J".into()],
            duplicated_count: 2,
            nulls: 0,
        };
        let Some(Error::Refused(m)) = odd.refusal("web") else {
            panic!("expected a refusal")
        };
        assert!(m.contains(r"('it''s', E'two\x0Alines\x1B[2J')"), "{m}");
        assert!(!m.chars().any(char::is_control), "one line: {m:?}");
        let only_nulls = Ids {
            nulls: 1,
            ..Ids::default()
        };
        let Some(Error::Refused(m)) = only_nulls.refusal("Web") else {
            panic!("expected a refusal")
        };
        assert!(
            !m.contains("duplicated") && m.contains("\"Web\".session"),
            "{m}"
        );
    }

    #[test]
    fn a_fresh_database_passes() {
        assert!(decide(&superuser(), &names()).is_ok());
    }

    #[test]
    fn a_foreign_schema_is_refused_but_a_marked_or_empty_one_is_not() {
        let mut f = superuser();
        f.schema_exists = true;
        assert!(decide(&f, &names()).is_ok(), "an empty schema is adopted");
        f.foreign_count = 7;
        f.foreign_objects = Some("table web.users".into());
        assert_refused(&f, "table web.users and 2 more");
        f.schema_marked = true;
        assert!(decide(&f, &names()).is_ok(), "our own schema is ours");
    }

    #[test]
    fn a_superuser_role_is_refused_even_when_marked() {
        let mut f = superuser();
        f.role = Some(a_superuser());
        assert_refused(&f, "is a superuser");
        f.role = None;
        f.owner = Some(a_superuser());
        f.owner_marked = true;
        assert_refused(&f, "is a superuser");
    }

    #[test]
    fn an_unmarked_owner_that_logs_in_is_refused_a_marked_one_is_drift() {
        let mut f = superuser();
        f.owner = Some(RoleFacts {
            login: true,
            ..Default::default()
        });
        assert_refused(&f, "can log in");
        f.owner_marked = true;
        assert!(decide(&f, &names()).is_ok());
    }

    #[test]
    fn missing_rights_are_named() {
        let mut f = superuser();
        f.superuser = false;
        f.can_create_role = false;
        assert_refused(&f, "role web_owner and nodepg does not exist yet");
        f.can_create_role = true;
        assert_refused(&f, "CREATEROLE is not enough");
        f.role = Some(RoleFacts::default());
        f.owner = Some(RoleFacts::default());
        f.can_create_schema = false;
        assert_refused(&f, "CREATE on this database");
        f.schema_exists = true;
        f.owns_database = true;
        assert_refused(
            &f,
            "not a member of web_owner (owning the database is not enough)",
        );
        f.member_of_owner = true;
        assert!(decide(&f, &names()).is_ok());
    }
}
