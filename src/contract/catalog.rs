//! What the contract consists of, as data: every check (a pgTAP file under pgtap/, with the
//! stable name it is reported under and the steps that repair it) and every step (a SQL file
//! under sql/, in the order they must run). The SQL is compiled into the binary.

use crate::contract::{citus, template};
use crate::names::Names;

/// A step's SQL is the file named after the step, `sql/steps/<name>.sql`.
macro_rules! step_sql {
    ($name:literal) => {
        include_str!(concat!("../../sql/steps/", $name, ".sql"))
    };
}

/// A check's SQL is the file named after the check, `pgtap/<name>.sql`.
macro_rules! check_sql {
    ($name:literal) => {
        include_str!(concat!("../../pgtap/", $name, ".sql"))
    };
}

pub(super) use {check_sql, step_sql};

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
        step_sql: step_sql!("function.set_session_data"),
    },
    Function {
        name: "get_session_data",
        args: &["text"],
        result: "setof text",
        step: "function.get_session_data",
        step_sql: step_sql!("function.get_session_data"),
    },
    Function {
        name: "destroy_session",
        args: &["text"],
        result: "void",
        step: "function.destroy_session",
        step_sql: step_sql!("function.destroy_session"),
    },
    Function {
        name: "clear_sessions",
        args: &[],
        result: "void",
        step: "function.clear_sessions",
        step_sql: step_sql!("function.clear_sessions"),
    },
    Function {
        name: "count_sessions",
        args: &[],
        result: "integer",
        step: "function.count_sessions",
        step_sql: step_sql!("function.count_sessions"),
    },
    Function {
        name: "remove_expired",
        args: &[],
        result: "trigger",
        step: "function.remove_expired",
        step_sql: step_sql!("function.remove_expired"),
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
        sql: step_sql!("role.owner"),
    },
    Step {
        name: "role.app",
        sql: step_sql!("role.app"),
    },
    Step {
        name: "role.app.password",
        sql: step_sql!("role.app.password"),
    },
    Step {
        name: "schema",
        sql: step_sql!("schema"),
    },
    Step {
        name: "table",
        sql: step_sql!("table"),
    },
    Step {
        name: "column.sess_id",
        sql: step_sql!("column.sess_id"),
    },
    Step {
        name: "column.sess_data",
        sql: step_sql!("column.sess_data"),
    },
    Step {
        name: "column.expiration",
        sql: step_sql!("column.expiration"),
    },
    Step {
        name: "primary_key",
        sql: step_sql!("primary_key"),
    },
    Step {
        name: "expire_idx",
        sql: step_sql!("expire_idx"),
    },
    Step {
        name: "table.owner",
        sql: step_sql!("table.owner"),
    },
    Step {
        name: "drop.all_session_ids",
        sql: step_sql!("drop.all_session_ids"),
    },
    Step {
        name: "legacy.valid_sessions",
        sql: step_sql!("legacy.valid_sessions"),
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
        sql: step_sql!("trigger"),
    },
    Step {
        name: "history",
        sql: step_sql!("history"),
    },
    Step {
        name: "grants",
        sql: step_sql!("grants"),
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
pub const SCRATCH_SQL: &str = include_str!("../../pgtap/scratch.sql");

pub(super) fn check(name: &str, sql: &'static str, repairs: &[&'static str]) -> Check {
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

/// Which contract a database gets: the single-node one, or its Citus variant when the
/// database has the citus extension (src/contract/citus.rs; docs/contract.md, "On Citus").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavour {
    #[default]
    Single,
    Citus,
}

/// The checks of `flavour`, in report order.
pub fn checks_for(flavour: Flavour) -> Vec<Check> {
    match flavour {
        Flavour::Single => checks(),
        Flavour::Citus => citus::checks(),
    }
}

/// The steps of `flavour`, in the order a plan runs them.
pub fn steps_for(flavour: Flavour) -> Vec<&'static Step> {
    match flavour {
        Flavour::Single => STEPS.iter().collect(),
        Flavour::Citus => citus::steps(),
    }
}

/// The functions of `flavour`.
pub fn functions_for(flavour: Flavour) -> Vec<&'static Function> {
    match flavour {
        Flavour::Single => FUNCTIONS.iter().collect(),
        Flavour::Citus => citus::functions(),
    }
}

/// Every check of the single-node contract, in report order: structure first, behaviour last.
pub fn checks() -> Vec<Check> {
    checks_of(&FUNCTIONS.iter().collect::<Vec<_>>())
}

/// The checks, with the per-function ones for `functions`.
pub(super) fn checks_of(functions: &[&Function]) -> Vec<Check> {
    let mut all = vec![
        check("role.owner", check_sql!("role.owner"), &["role.owner"]),
        check("role.app", check_sql!("role.app"), &["role.app"]),
        check(
            "role.app.password",
            check_sql!("role.app.password"),
            &["role.app.password"],
        ),
        check("schema", check_sql!("schema"), &["schema"]),
        check("schema.owner", check_sql!("schema.owner"), &["schema"]),
        check("table", check_sql!("table"), &["table"]),
        check(
            "column.sess_id",
            check_sql!("column.sess_id"),
            &["column.sess_id"],
        ),
        check(
            "column.sess_data",
            check_sql!("column.sess_data"),
            &["column.sess_data"],
        ),
        check(
            "column.expiration",
            check_sql!("column.expiration"),
            &["column.expiration"],
        ),
        check(
            "column.expiration.default",
            check_sql!("column.expiration.default"),
            &["column.expiration"],
        ),
        check("primary_key", check_sql!("primary_key"), &["primary_key"]),
        check("expire_idx", check_sql!("expire_idx"), &["expire_idx"]),
        check("table.owner", check_sql!("table.owner"), &["table.owner"]),
    ];
    const PER_FUNCTION: &[(&str, &str)] = &[
        ("", check_sql!("function")),
        (".definer", check_sql!("function.definer")),
        (".search_path", check_sql!("function.search_path")),
        (".body", check_sql!("function.body")),
        (".owner", check_sql!("function.owner")),
        (".public", check_sql!("function.public")),
    ];
    for f in functions {
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
        check("trigger", check_sql!("trigger"), &["trigger"]),
        check(
            "absent.all_session_ids",
            check_sql!("absent.all_session_ids"),
            &["drop.all_session_ids"],
        ),
        check(
            "legacy.valid_sessions",
            check_sql!("legacy.valid_sessions"),
            &["legacy.valid_sessions"],
        ),
        check("history", check_sql!("history"), &["history"]),
        check("grant.schema", check_sql!("grant.schema"), &["grants"]),
        check("grant.table", check_sql!("grant.table"), &["grants"]),
        check(
            "grant.functions",
            check_sql!("grant.functions"),
            &["grants"],
        ),
        check(
            "grant.membership",
            check_sql!("grant.membership"),
            &["grants"],
        ),
        check(
            "behaviour.set_get",
            check_sql!("behaviour.set_get"),
            &["function.set_session_data", "function.get_session_data"],
        ),
        check(
            "behaviour.update",
            check_sql!("behaviour.update"),
            &["function.set_session_data"],
        ),
        check(
            "behaviour.expired",
            check_sql!("behaviour.expired"),
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
            check_sql!("behaviour.null_expiration"),
            &["function.get_session_data", "function.count_sessions"],
        ),
        check(
            "behaviour.destroy",
            check_sql!("behaviour.destroy"),
            &["function.destroy_session"],
        ),
        check(
            "behaviour.count",
            check_sql!("behaviour.count"),
            &["function.count_sessions"],
        ),
        check(
            "behaviour.clear",
            check_sql!("behaviour.clear"),
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
pub fn run_vars(names: &Names, flavour: Flavour) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("schema", names.schema.clone()),
        ("role", names.role.clone()),
        ("owner", names.owner.clone()),
    ];
    // remove_expired's body too on Citus, where the function is absent: the scratch copy
    // names every body.
    let mut functions = functions_for(flavour);
    if flavour == Flavour::Citus {
        functions.extend(FUNCTIONS.iter().filter(|f| f.name == "remove_expired"));
    }
    for f in functions {
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
        for flavour in [Flavour::Single, Flavour::Citus] {
            renders_with_the_run_variables(&names, flavour);
        }
    }

    fn renders_with_the_run_variables(names: &Names, flavour: Flavour) {
        let run = run_vars(names, flavour);
        for c in checks_for(flavour) {
            let mut vars: Vec<(&str, &str)> = run.iter().map(|(k, v)| (*k, v.as_str())).collect();
            vars.extend(c.vars.iter().map(|(k, v)| (*k, v.as_str())));
            vars.push(("description", "d"));
            vars.push(("pgtap", "tap"));
            template::render(c.sql, &vars).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        }
        let vars: Vec<(&str, &str)> = run.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for s in steps_for(flavour) {
            template::render(s.sql, &vars).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        }
        template::render(SCRATCH_SQL, &vars).unwrap();
    }

    /// docs/checks.md is generated from the catalog; this keeps it from drifting.
    /// `UPDATE_DOCS=1 cargo test docs_checks` rewrites it.
    #[test]
    fn docs_checks_md_is_current() {
        let mut doc = String::from(
            "# Checks and steps\n\nGenerated from `src/contract/catalog.rs` by `UPDATE_DOCS=1 cargo test docs_checks`; \
             a test fails when it is out of date.\n\nEvery check is one pgTAP assertion under `pgtap/`; \
             its name appears in `verify` and `install` output. When it fails, `install` runs its repair steps.\n\n\
             | check | what it proves | repaired by |\n|---|---|---|\n",
        );
        let row = |c: &Check| {
            format!(
                "| `{}` | {} | {} |\n",
                c.name,
                c.description,
                c.repairs
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        for c in checks() {
            doc.push_str(&row(&c));
        }
        doc.push_str(
            "\n## Steps, in the order they run\n\nEach is one idempotent SQL file under `sql/steps/`, named after the step; \
                      `install --dry-run` prints them rendered. A step marked *table lock* may lock the \
                      session table in ACCESS EXCLUSIVE mode, so install takes that lock first, \
                      polling with NOWAIT instead of queueing (docs/design.md, \"Concurrency and locks\").\n\n\
                      | step | file | table lock |\n|---|---|---|\n",
        );
        for s in STEPS {
            doc.push_str(&format!(
                "| `{}` | `sql/steps/{}.sql` | {} |\n",
                s.name,
                s.name,
                if s.locks_table() { "table lock" } else { "" }
            ));
        }
        doc.push_str(
            "\n## On Citus\n\nRegistered only when the database has the citus extension \
             (docs/contract.md, \"On Citus\"; src/contract/citus.rs). These checks replace \
             `role.owner`, `trigger` and the checks of `remove_expired`:\n\n\
             | check | what it proves | repaired by |\n|---|---|---|\n",
        );
        let single: Vec<String> = checks().into_iter().map(|c| c.name).collect();
        for c in checks_for(Flavour::Citus) {
            if !single.contains(&c.name) {
                doc.push_str(&row(&c));
            }
        }
        doc.push_str("\nThe steps on Citus, in the order they run: ");
        let order: Vec<String> = steps_for(Flavour::Citus)
            .iter()
            .map(|s| format!("`{}`", s.name))
            .collect();
        doc.push_str(&order.join(", "));
        doc.push_str(".\n");
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
