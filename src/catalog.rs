//! What the contract consists of, as data: every check (a pgTAP file under pgtap/, with the
//! stable name it is reported under and the steps that repair it) and every step (a SQL file
//! under sql/, in the order they must run). The SQL is compiled into the binary.

use crate::names::Names;
use crate::template;

/// A function of the contract.
pub struct Function {
    pub name: &'static str,
    /// Argument types as PostgreSQL prints them (for to_regprocedure and pgTAP).
    pub args: &'static [&'static str],
    pub result: &'static str,
    pub step: &'static str,
    pub step_sql: &'static str,
}

pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "set_session_data",
        args: &["text", "text", "timestamp with time zone"],
        result: "void",
        step: "function.set_session_data",
        step_sql: include_str!("../sql/function_set_session_data.sql"),
    },
    Function {
        name: "get_session_data",
        args: &["text"],
        result: "setof text",
        step: "function.get_session_data",
        step_sql: include_str!("../sql/function_get_session_data.sql"),
    },
    Function {
        name: "destroy_session",
        args: &["text"],
        result: "void",
        step: "function.destroy_session",
        step_sql: include_str!("../sql/function_destroy_session.sql"),
    },
    Function {
        name: "clear_sessions",
        args: &[],
        result: "void",
        step: "function.clear_sessions",
        step_sql: include_str!("../sql/function_clear_sessions.sql"),
    },
    Function {
        name: "count_sessions",
        args: &[],
        result: "integer",
        step: "function.count_sessions",
        step_sql: include_str!("../sql/function_count_sessions.sql"),
    },
    Function {
        name: "remove_expired",
        args: &[],
        result: "trigger",
        step: "function.remove_expired",
        step_sql: include_str!("../sql/function_remove_expired.sql"),
    },
];

pub struct Step {
    pub name: &'static str,
    pub sql: &'static str,
}

/// The line by which a step file says that its statements may lock the session table in
/// ACCESS EXCLUSIVE mode; apply.rs then takes that lock first, without queueing for it.
pub const TABLE_LOCK_MARKER: &str = "-- lock: session table";

impl Step {
    /// Whether the step's statements may need the session table in ACCESS EXCLUSIVE mode.
    pub fn locks_table(&self) -> bool {
        self.sql.lines().any(|l| l.starts_with(TABLE_LOCK_MARKER))
    }
}

/// Every step, in the order a plan runs them: roles before what they own, the table before
/// its columns, functions before the trigger and the grants that name them.
pub const STEPS: &[Step] = &[
    Step {
        name: "role.owner",
        sql: include_str!("../sql/owner_role.sql"),
    },
    Step {
        name: "role.app",
        sql: include_str!("../sql/app_role.sql"),
    },
    Step {
        name: "role.app.password",
        sql: include_str!("../sql/app_password.sql"),
    },
    Step {
        name: "schema",
        sql: include_str!("../sql/schema.sql"),
    },
    Step {
        name: "table",
        sql: include_str!("../sql/table.sql"),
    },
    Step {
        name: "column.sess_id",
        sql: include_str!("../sql/column_sess_id.sql"),
    },
    Step {
        name: "column.sess_data",
        sql: include_str!("../sql/column_sess_data.sql"),
    },
    Step {
        name: "column.expiration",
        sql: include_str!("../sql/column_expiration.sql"),
    },
    Step {
        name: "primary_key",
        sql: include_str!("../sql/primary_key.sql"),
    },
    Step {
        name: "expire_idx",
        sql: include_str!("../sql/expire_idx.sql"),
    },
    Step {
        name: "table.owner",
        sql: include_str!("../sql/table_owner.sql"),
    },
    Step {
        name: "drop.all_session_ids",
        sql: include_str!("../sql/drop_all_session_ids.sql"),
    },
    Step {
        name: "legacy.valid_sessions",
        sql: include_str!("../sql/legacy_valid_sessions.sql"),
    },
    Step {
        name: "function.set_session_data",
        sql: FUNCTIONS[0].step_sql,
    },
    Step {
        name: "function.get_session_data",
        sql: FUNCTIONS[1].step_sql,
    },
    Step {
        name: "function.destroy_session",
        sql: FUNCTIONS[2].step_sql,
    },
    Step {
        name: "function.clear_sessions",
        sql: FUNCTIONS[3].step_sql,
    },
    Step {
        name: "function.count_sessions",
        sql: FUNCTIONS[4].step_sql,
    },
    Step {
        name: "function.remove_expired",
        sql: FUNCTIONS[5].step_sql,
    },
    Step {
        name: "trigger",
        sql: include_str!("../sql/trigger.sql"),
    },
    Step {
        name: "history",
        sql: include_str!("../sql/history.sql"),
    },
    Step {
        name: "grants",
        sql: include_str!("../sql/grants.sql"),
    },
];

#[cfg(test)]
pub fn step(name: &str) -> Option<&'static Step> {
    STEPS.iter().find(|s| s.name == name)
}

/// One check, ready to run: its SQL still holds psql variables, rendered by `Check::render`.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub description: String,
    pub sql: &'static str,
    /// Template variables of this check besides the run-wide ones.
    pub vars: Vec<(&'static str, String)>,
    /// Steps that establish what the check tests.
    pub repairs: Vec<&'static str>,
}

/// The setup that the behaviour checks exercise (see pgtap/scratch.sql).
pub const SCRATCH_SQL: &str = include_str!("../pgtap/scratch.sql");

fn check(name: &str, sql: &'static str, repairs: &[&'static str]) -> Check {
    Check {
        name: name.to_string(),
        description: description_of(sql),
        sql,
        vars: Vec::new(),
        repairs: repairs.to_vec(),
    }
}

/// The first line of a check file is `-- description: ...`.
fn description_of(sql: &str) -> String {
    sql.lines()
        .next()
        .and_then(|l| l.strip_prefix("-- description:"))
        .map(|d| d.trim().to_string())
        .unwrap_or_default()
}

/// Whether a check is one of the behaviour checks, which need the scratch copy.
pub fn is_behaviour(name: &str) -> bool {
    name.starts_with("behaviour.")
}

/// Every check, in report order: structure first, behaviour last.
pub fn checks() -> Vec<Check> {
    let mut all = vec![
        check(
            "role.owner",
            include_str!("../pgtap/owner_role.sql"),
            &["role.owner"],
        ),
        check(
            "role.app",
            include_str!("../pgtap/app_role.sql"),
            &["role.app"],
        ),
        check(
            "role.app.password",
            include_str!("../pgtap/app_password.sql"),
            &["role.app.password"],
        ),
        check("schema", include_str!("../pgtap/schema.sql"), &["schema"]),
        check(
            "schema.owner",
            include_str!("../pgtap/schema_owner.sql"),
            &["schema"],
        ),
        check("table", include_str!("../pgtap/table.sql"), &["table"]),
        check(
            "column.sess_id",
            include_str!("../pgtap/column_sess_id.sql"),
            &["column.sess_id"],
        ),
        check(
            "column.sess_data",
            include_str!("../pgtap/column_sess_data.sql"),
            &["column.sess_data"],
        ),
        check(
            "column.expiration",
            include_str!("../pgtap/column_expiration.sql"),
            &["column.expiration"],
        ),
        check(
            "column.expiration.default",
            include_str!("../pgtap/expiration_default.sql"),
            &["column.expiration"],
        ),
        check(
            "primary_key",
            include_str!("../pgtap/primary_key.sql"),
            &["primary_key"],
        ),
        check(
            "expire_idx",
            include_str!("../pgtap/expire_idx.sql"),
            &["expire_idx"],
        ),
        check(
            "table.owner",
            include_str!("../pgtap/table_owner.sql"),
            &["table.owner"],
        ),
    ];
    const PER_FUNCTION: &[(&str, &str)] = &[
        ("", include_str!("../pgtap/function.sql")),
        (".definer", include_str!("../pgtap/function_definer.sql")),
        (
            ".search_path",
            include_str!("../pgtap/function_search_path.sql"),
        ),
        (".body", include_str!("../pgtap/function_body.sql")),
        (".owner", include_str!("../pgtap/function_owner.sql")),
        (".public", include_str!("../pgtap/function_public.sql")),
    ];
    for f in FUNCTIONS {
        let args = format!(
            "{{{}}}",
            f.args
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        for (suffix, sql) in PER_FUNCTION {
            let mut c = check(&format!("function.{}{}", f.name, suffix), sql, &[f.step]);
            c.description = c
                .description
                .replace("{function}", f.name)
                .replace("{result}", f.result);
            c.vars = vec![
                ("function", f.name.to_string()),
                ("args", args.clone()),
                ("result", f.result.to_string()),
                (
                    "body",
                    template::function_body(f.step_sql)
                        .unwrap_or_default()
                        .to_string(),
                ),
            ];
            all.push(c);
        }
    }
    all.extend([
        check(
            "trigger",
            include_str!("../pgtap/trigger.sql"),
            &["trigger"],
        ),
        check(
            "absent.all_session_ids",
            include_str!("../pgtap/absent_all_session_ids.sql"),
            &["drop.all_session_ids"],
        ),
        check(
            "legacy.valid_sessions",
            include_str!("../pgtap/legacy_valid_sessions.sql"),
            &["legacy.valid_sessions"],
        ),
        check(
            "history",
            include_str!("../pgtap/history.sql"),
            &["history"],
        ),
        check(
            "grant.schema",
            include_str!("../pgtap/grant_schema.sql"),
            &["grants"],
        ),
        check(
            "grant.table",
            include_str!("../pgtap/grant_table.sql"),
            &["grants"],
        ),
        check(
            "grant.functions",
            include_str!("../pgtap/grant_functions.sql"),
            &["grants"],
        ),
        check(
            "grant.membership",
            include_str!("../pgtap/grant_membership.sql"),
            &["grants"],
        ),
        check(
            "behaviour.set_get",
            include_str!("../pgtap/behaviour_set_get.sql"),
            &["function.set_session_data", "function.get_session_data"],
        ),
        check(
            "behaviour.update",
            include_str!("../pgtap/behaviour_update.sql"),
            &["function.set_session_data"],
        ),
        check(
            "behaviour.expired",
            include_str!("../pgtap/behaviour_expired.sql"),
            &[
                "function.set_session_data",
                "function.get_session_data",
                "function.count_sessions",
                "function.remove_expired",
                "trigger",
            ],
        ),
        check(
            "behaviour.null_expiration",
            include_str!("../pgtap/behaviour_null_expiration.sql"),
            &["function.get_session_data", "function.count_sessions"],
        ),
        check(
            "behaviour.destroy",
            include_str!("../pgtap/behaviour_destroy.sql"),
            &["function.destroy_session"],
        ),
        check(
            "behaviour.count",
            include_str!("../pgtap/behaviour_count.sql"),
            &["function.count_sessions"],
        ),
        check(
            "behaviour.clear",
            include_str!("../pgtap/behaviour_clear.sql"),
            &["function.clear_sessions"],
        ),
    ]);
    all
}

/// The contract's functions as a text[] literal of signatures (`name(type,...)`), for SQL that
/// must find them all, so that no SQL file repeats the list.
pub fn function_signatures() -> String {
    let sigs: Vec<String> = FUNCTIONS
        .iter()
        .map(|f| format!("\"{}({})\"", f.name, f.args.join(",")))
        .collect();
    format!("{{{}}}", sigs.join(","))
}

/// The variables every check and step may use.
pub fn run_vars(names: &Names) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("schema", names.schema.clone()),
        ("role", names.role.clone()),
        ("owner", names.owner.clone()),
    ];
    for f in FUNCTIONS {
        let key: &'static str = match f.name {
            "set_session_data" => "body_set_session_data",
            "get_session_data" => "body_get_session_data",
            "destroy_session" => "body_destroy_session",
            "clear_sessions" => "body_clear_sessions",
            "count_sessions" => "body_count_sessions",
            _ => "body_remove_expired",
        };
        v.push((
            key,
            template::function_body(f.step_sql)
                .unwrap_or_default()
                .to_string(),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_repair_is_a_step() {
        let checks = checks();
        let mut names: Vec<_> = checks.iter().map(|c| c.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), checks.len());
        for c in &checks {
            assert!(!c.description.is_empty(), "{} has no description", c.name);
            assert!(
                !c.description.contains('{'),
                "{} description not filled in",
                c.name
            );
            for r in &c.repairs {
                assert!(step(r).is_some(), "{} names unknown step {r}", c.name);
            }
        }
        for s in STEPS {
            assert!(
                checks.iter().any(|c| c.repairs.contains(&s.name)),
                "step {} repairs nothing",
                s.name
            );
        }
    }

    #[test]
    fn every_file_renders_with_the_run_variables() {
        let names = Names::new("web", "nodepg").unwrap();
        let run = run_vars(&names);
        for c in checks() {
            let mut vars: Vec<(&str, &str)> = run.iter().map(|(k, v)| (*k, v.as_str())).collect();
            vars.extend(c.vars.iter().map(|(k, v)| (*k, v.as_str())));
            vars.push(("description", "d"));
            template::render(c.sql, &vars).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        }
        let vars: Vec<(&str, &str)> = run.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for s in STEPS {
            template::render(s.sql, &vars).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        }
        template::render(SCRATCH_SQL, &vars).unwrap();
    }

    /// docs/checks.md is generated from the catalog; this keeps it from drifting.
    /// `UPDATE_DOCS=1 cargo test docs_checks` rewrites it.
    #[test]
    fn docs_checks_md_is_current() {
        let mut doc = String::from(
            "# Checks and steps\n\nGenerated from `src/catalog.rs` by `UPDATE_DOCS=1 cargo test docs_checks`; \
             a test fails when it is out of date.\n\nEvery check is one pgTAP assertion under `pgtap/`; \
             its name appears in `verify` and `install` output. When it fails, `install` runs its repair steps.\n\n\
             | check | what it proves | repaired by |\n|---|---|---|\n",
        );
        for c in checks() {
            doc.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.name,
                c.description,
                c.repairs
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        doc.push_str(
            "\n## Steps, in the order they run\n\nEach is one idempotent SQL file under `sql/`; \
                      `install --dry-run` prints them rendered. A step marked *table lock* may lock the \
                      session table in ACCESS EXCLUSIVE mode, so install takes that lock first, \
                      polling with NOWAIT instead of queueing (docs/design.md, \"Concurrency and locks\").\n\n\
                      | step | file | table lock |\n|---|---|---|\n",
        );
        let files = [
            "owner_role",
            "app_role",
            "app_password",
            "schema",
            "table",
            "column_sess_id",
            "column_sess_data",
            "column_expiration",
            "primary_key",
            "expire_idx",
            "table_owner",
            "drop_all_session_ids",
            "legacy_valid_sessions",
            "function_set_session_data",
            "function_get_session_data",
            "function_destroy_session",
            "function_clear_sessions",
            "function_count_sessions",
            "function_remove_expired",
            "trigger",
            "history",
            "grants",
        ];
        assert_eq!(files.len(), STEPS.len());
        for (s, f) in STEPS.iter().zip(files) {
            let path = format!("{}/sql/{f}.sql", env!("CARGO_MANIFEST_DIR"));
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                s.sql,
                "{path} is not step {}",
                s.name
            );
            doc.push_str(&format!(
                "| `{}` | `sql/{f}.sql` | {} |\n",
                s.name,
                if s.locks_table() { "table lock" } else { "" }
            ));
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/checks.md");
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &doc).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(path).unwrap_or_default(),
            doc,
            "docs/checks.md is stale: run UPDATE_DOCS=1 cargo test docs_checks"
        );
    }

    #[test]
    fn every_function_step_has_a_body() {
        for f in FUNCTIONS {
            let body = template::function_body(f.step_sql).unwrap();
            assert!(body.contains("BEGIN"), "{}", f.name);
            // Bodies must not name the schema: the scratch copy runs them against pg_temp.
            assert!(!body.contains(":\""), "{} body names a variable", f.name);
        }
    }
}
