//! What the contract consists of, as data: every check (a pgTAP file under pgtap/, with the
//! stable name it is reported under and the steps that repair it) and every step (a SQL file
//! under sql/, in the order they must run). The SQL is compiled into the binary.

use std::sync::OnceLock;

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

/// A check of its own file, pgtap/<name>.sql: the name is written once.
macro_rules! check_file {
    ($name:literal, $repairs:expr) => {
        check($name, check_sql!($name), $repairs)
    };
}

/// A step of its own file, sql/steps/<name>.sql.
macro_rules! step_file {
    ($name:literal) => {
        Step {
            name: $name,
            sql: step_sql!($name).to_string(),
        }
    };
}

/// A column step: sql/tool/column_step.sql for this column and type, around
/// sql/steps/column.<name>.sql (its header comments, then what runs once the type is right).
macro_rules! column_step {
    ($column:literal, $type:literal) => {
        Step {
            name: concat!("column.", $column),
            sql: column_step_sql(
                $column,
                $type,
                include_str!(concat!("../../sql/steps/column.", $column, ".sql")),
            ),
        }
    };
}

pub(super) use {check_file, check_sql, step_file, step_sql};

const COLUMN_STEP_SQL: &str = tool_sql!("column_step");

fn column_step_sql(column: &str, type_: &str, file: &str) -> String {
    let header_len: usize = file
        .lines()
        .take_while(|l| l.starts_with("--"))
        .map(|l| l.len() + 1)
        .sum();
    let (header, then) = file.split_at(header_len.min(file.len()));
    COLUMN_STEP_SQL
        .replace("{column}", column)
        .replace("{type}", type_)
        .replace("{header}", header)
        // Last, so that nothing in the file is taken for a placeholder.
        .replace("{then}", then)
}

/// A function of the contract: the one place its facts live. Its step
/// (sql/tool/function_step.sql), the grants, the grant check and the behaviour checks'
/// scratch copy are all rendered from this list.
pub struct Function {
    pub name: &'static str,
    /// Arguments: name, and type as PostgreSQL prints it (for to_regprocedure and pgTAP).
    pub args: &'static [(&'static str, &'static str)],
    /// The result type, as pgTAP's function_returns and (lower-cased)
    /// pg_get_function_result print it.
    pub result: &'static str,
    pub volatility: Volatility,
    pub security_definer: bool,
    /// Whether the application role may execute it (else it is revoked from the role).
    pub granted_to_app: bool,
    pub step: &'static str,
    /// sql/steps/function.<name>.sql: comments saying why, then the body between `$body$`
    /// quotes, exactly as pg_proc.prosrc holds it.
    pub body_sql: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    Volatile,
    Stable,
}

impl Function {
    pub fn arg_types(&self) -> Vec<&'static str> {
        self.args.iter().map(|(_, t)| *t).collect()
    }

    /// `name(type,...)`, as to_regprocedure reads it once the schema is put in front.
    pub fn signature(&self) -> String {
        format!("{}({})", self.name, self.arg_types().join(","))
    }

    /// The body as pg_proc.prosrc holds it (what the body check hashes).
    pub fn body(&self) -> &'static str {
        template::function_body(self.body_sql).unwrap_or_default()
    }

    /// sql/tool/function_mismatch.sql for this function: still holding `:'schema'`.
    pub fn mismatch_sql(&self) -> String {
        let names: Vec<&str> = self.args.iter().map(|(n, _)| *n).collect();
        MISMATCH_SQL
            .replace("{signature}", &template::quote_literal(&self.signature()))
            .replace("{result_text}", &template::quote_literal(self.result))
            .replace(
                "{argnames}",
                &template::quote_literal(&format!("{{{}}}", names.join(","))),
            )
    }

    /// The step's SQL: the template filled in from these facts and the body file. What is
    /// pasted is this static list's own text; the run's names stay psql variables.
    pub(super) fn step_sql(&self) -> String {
        let params: Vec<String> = self.args.iter().map(|(n, t)| format!("{n} {t}")).collect();
        let (privilege, to_or_from) = if self.granted_to_app {
            ("GRANT EXECUTE", "TO")
        } else {
            ("REVOKE ALL", "FROM")
        };
        let body = self.body_sql;
        let body = &body[body.find("$body$").unwrap_or(0)..];
        FUNCTION_STEP_SQL
            .replace("{mismatch}", self.mismatch_sql().trim_end())
            .replace("{name}", self.name)
            .replace("{params}", &params.join(", "))
            .replace("{types}", &self.arg_types().join(", "))
            .replace("{result}", self.result)
            .replace(
                "{volatility}",
                match self.volatility {
                    Volatility::Volatile => "VOLATILE",
                    Volatility::Stable => "STABLE",
                },
            )
            .replace(
                "{security}",
                if self.security_definer {
                    "SECURITY DEFINER"
                } else {
                    "SECURITY INVOKER"
                },
            )
            .replace("{app_privilege}", privilege)
            .replace("{to_or_from}", to_or_from)
            // Last, so that nothing in a body is taken for a placeholder.
            .replace("{body}", body.trim_end())
    }
}

const MISMATCH_SQL: &str = tool_sql!("function_mismatch");
const FUNCTION_STEP_SQL: &str = tool_sql!("function_step");

/// A function's body file is the file named after its step, `sql/steps/function.<name>.sql`.
macro_rules! function {
    ($name:literal, [$(($arg:literal, $ty:literal)),*], $result:literal, $vol:ident,
     definer: $definer:literal, granted: $granted:literal) => {
        Function {
            name: $name,
            args: &[$(($arg, $ty)),*],
            result: $result,
            volatility: Volatility::$vol,
            security_definer: $definer,
            granted_to_app: $granted,
            step: concat!("function.", $name),
            body_sql: include_str!(concat!("../../sql/steps/function.", $name, ".sql")),
        }
    };
}

pub const FUNCTIONS: &[Function] = &[
    function!(
        "set_session_data",
        [
            ("sessid", "text"),
            ("sessdata", "text"),
            ("expire", "timestamp with time zone")
        ],
        "void",
        Volatile,
        definer: true,
        granted: true
    ),
    function!("get_session_data", [("sessid", "text")], "setof text", Stable, definer: true, granted: true),
    function!("destroy_session", [("sessid", "text")], "void", Volatile, definer: true, granted: true),
    function!("clear_sessions", [], "void", Volatile, definer: true, granted: true),
    function!("count_sessions", [], "integer", Stable, definer: true, granted: true),
    function!("remove_expired", [], "trigger", Volatile, definer: true, granted: false),
];

pub struct Step {
    pub name: &'static str,
    pub sql: String,
}

/// The line by which a step file says that its statements may lock the session table in
/// ACCESS EXCLUSIVE mode; apply.rs then takes that lock first, without queueing for it.
pub const TABLE_LOCK_MARKER: &str = "-- lock: session table";

/// The line by which a step file says that it runs as the store's owner role, not as the
/// connected superuser: a step that alters or rewrites the session table evaluates what is
/// attached to it (CHECK constraints, index expressions and predicates), which whoever holds
/// the owner role may have written (docs/security.md, "Which role runs each step").
pub const OWNER_MARKER: &str = "-- runs as: the owner role";

impl Step {
    /// Whether the step's statements may need the session table in ACCESS EXCLUSIVE mode.
    pub fn locks_table(&self) -> bool {
        self.sql.lines().any(|l| l.starts_with(TABLE_LOCK_MARKER))
    }

    /// Whether apply.rs runs the step as the owner role (db::as_owner).
    pub fn as_owner(&self) -> bool {
        self.sql.lines().any(|l| l.starts_with(OWNER_MARKER))
    }
}

/// Every step, in the order a plan runs them: roles before what they own, the table before
/// its columns, functions before the trigger and the grants that name them.
pub fn steps() -> &'static [Step] {
    static STEPS: OnceLock<Vec<Step>> = OnceLock::new();
    STEPS.get_or_init(|| {
        let mut all = vec![
            step_file!("role.owner"),
            step_file!("role.app"),
            step_file!("role.app.password"),
            step_file!("role.owner.members"),
            step_file!("database.connect"),
            step_file!("schema"),
            step_file!("table"),
            // Before every step that runs as the owner role, which must own the table for them.
            step_file!("table.owner"),
            // Before the column steps: what it drops can stop a column's type from changing.
            step_file!("table.constraints"),
            column_step!("sess_id", "text"),
            column_step!("sess_data", "text"),
            column_step!("expiration", "timestamptz"),
            step_file!("primary_key"),
            step_file!("expire_idx"),
            step_file!("table.attached"),
            step_file!("drop.all_session_ids"),
            step_file!("legacy.valid_sessions"),
        ];
        all.extend(FUNCTIONS.iter().map(|f| Step {
            name: f.step,
            sql: f.step_sql(),
        }));
        all.extend([
            step_file!("trigger"),
            step_file!("history"),
            step_file!("grants"),
        ]);
        all
    })
}

#[cfg(test)]
pub fn step(name: &str) -> Option<&'static Step> {
    steps().iter().find(|s| s.name == name)
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

/// Whether a check is one that install reports and leaves to the operator: it has no step,
/// since what it finds is someone's decision (a role's expiry date, a publication).
pub fn reported_only(name: &str) -> bool {
    checks()
        .iter()
        .any(|c| c.name == name && c.repairs.is_empty())
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
        Flavour::Single => steps().iter().collect(),
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
        check_file!("role.owner", &["role.owner"]),
        check_file!("role.owner.members", &["role.owner.members"]),
        check_file!("role.app", &["role.app"]),
        check_file!("role.app.password", &["role.app.password"]),
        // Whether the role may log in until a date is the operator's decision: install
        // reports it, set-password --valid-until changes it.
        check_file!("role.app.valid_until", &[]),
        check_file!("database.connect", &["database.connect"]),
        check_file!("schema", &["schema"]),
        check_file!("schema.owner", &["schema"]),
        check_file!("table", &["table"]),
        check_file!("column.sess_id", &["column.sess_id"]),
        check_file!("column.sess_data", &["column.sess_data"]),
        check_file!("column.expiration", &["column.expiration"]),
        check_file!("column.expiration.default", &["column.expiration"]),
        check_file!("primary_key", &["primary_key"]),
        check_file!("expire_idx", &["expire_idx"]),
        check_file!("table.owner", &["table.owner"]),
        check_file!("table.rls", &["table.attached"]),
        check_file!("table.rules", &["table.attached"]),
        check_file!("table.triggers", &["table.attached"]),
        check_file!("table.constraints", &["table.constraints"]),
        check_file!("table.columns", &["table.constraints"]),
        check_file!("table.indexes", &["table.constraints"]),
        // A publication is someone's replication setup: install reports it, never drops it.
        check_file!("table.publications", &[]),
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
        let args = text_array(&f.arg_types());
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
                ("body", f.body().to_string()),
            ];
            all.push(c);
        }
    }
    all.extend([
        check_file!("trigger", &["trigger"]),
        check_file!("absent.all_session_ids", &["drop.all_session_ids"]),
        check_file!("legacy.valid_sessions", &["legacy.valid_sessions"]),
        check_file!("history", &["history"]),
        check_file!("grant.schema", &["grants"]),
        check_file!("grant.table", &["grants"]),
        check_file!("grant.functions", &["grants"]),
        check_file!("grant.membership", &["role.owner.members", "grants"]),
        check_file!(
            "behaviour.set_get",
            &["function.set_session_data", "function.get_session_data"]
        ),
        check_file!("behaviour.update", &["function.set_session_data"]),
        check_file!(
            "behaviour.expired",
            &[
                "function.set_session_data",
                "function.get_session_data",
                "function.count_sessions",
                "function.remove_expired",
                "trigger"
            ]
        ),
        check_file!(
            "behaviour.null_expiration",
            &["function.get_session_data", "function.count_sessions"]
        ),
        check_file!("behaviour.destroy", &["function.destroy_session"]),
        check_file!("behaviour.count", &["function.count_sessions"]),
        check_file!("behaviour.clear", &["function.clear_sessions"]),
    ]);
    all
}

/// A text[] literal of these elements, each quoted and escaped as array input wants it.
pub(crate) fn text_array<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            format!(
                "\"{}\"",
                s.as_ref().replace('\\', "\\\\").replace('"', "\\\"")
            )
        })
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// The contract's functions as a text[] literal of signatures (`name(type,...)`), for SQL that
/// must find them all, so that no SQL file repeats the list.
pub fn function_signatures() -> String {
    let sigs: Vec<String> = FUNCTIONS.iter().map(Function::signature).collect();
    text_array(&sigs)
}

/// The variables every check and step may use: the run's names, and the function list as
/// parallel text[] literals (signatures granted to the application role; every name with the
/// body, argument types, parameters and result this version installs), so that no SQL file
/// repeats it.
pub fn run_vars(names: &Names, flavour: Flavour) -> Vec<(&'static str, String)> {
    let functions = functions_for(flavour);
    let granted: Vec<String> = functions
        .iter()
        .filter(|f| f.granted_to_app)
        .map(|f| f.signature())
        .collect();
    let function_names: Vec<&str> = functions.iter().map(|f| f.name).collect();
    let bodies: Vec<&str> = functions.iter().map(|f| f.body()).collect();
    let types: Vec<String> = functions.iter().map(|f| f.arg_types().join(",")).collect();
    let params: Vec<String> = functions
        .iter()
        .map(|f| {
            let p: Vec<String> = f.args.iter().map(|(n, t)| format!("{n} {t}")).collect();
            p.join(", ")
        })
        .collect();
    let results: Vec<&str> = functions.iter().map(|f| f.result).collect();
    vec![
        ("schema", names.schema.clone()),
        ("role", names.role.clone()),
        ("owner", names.owner.clone()),
        ("granted_functions", text_array(&granted)),
        ("function_names", text_array(&function_names)),
        ("function_bodies", text_array(&bodies)),
        ("function_types", text_array(&types)),
        ("function_params", text_array(&params)),
        ("function_results", text_array(&results)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_repair_is_a_step() {
        for flavour in [Flavour::Single, Flavour::Citus] {
            let checks = checks_for(flavour);
            let steps = steps_for(flavour);
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
                    assert!(
                        steps.iter().any(|s| s.name == *r),
                        "{flavour:?}: {} names unknown step {r}",
                        c.name
                    );
                }
            }
            for s in &steps {
                assert!(
                    checks.iter().any(|c| c.repairs.contains(&s.name)),
                    "{flavour:?}: step {} repairs nothing",
                    s.name
                );
            }
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
            template::render(&s.sql, &vars).unwrap_or_else(|e| panic!("{}: {e}", s.name));
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
                if c.repairs.is_empty() {
                    "reported, never repaired".to_string()
                } else {
                    c.repairs
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )
        };
        for c in checks() {
            doc.push_str(&row(&c));
        }
        doc.push_str(
            "\n## Steps, in the order they run\n\nEach is one idempotent SQL file under `sql/steps/`, named after the step; \
                      `install --dry-run` prints them rendered. A step marked *table lock* may lock the \
                      session table in ACCESS EXCLUSIVE mode, so install takes that lock first, \
                      polling with NOWAIT instead of queueing (docs/design.md, \"Concurrency and locks\"). \
                      A step marked *owner role* runs as the store's owner role, the others as the \
                      connected superuser (docs/security.md, \"Which role runs each step\").\n\n\
                      | step | file | table lock | runs as |\n|---|---|---|---|\n",
        );
        for s in steps() {
            doc.push_str(&format!(
                "| `{}` | `sql/steps/{}.sql` | {} | {} |\n",
                s.name,
                s.name,
                if s.locks_table() { "table lock" } else { "" },
                if s.as_owner() { "owner role" } else { "" }
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

    /// A composed function step keeps no placeholder, and passes the lint as a whole (the
    /// template and the body file are linted as files; this judges what actually runs).
    #[test]
    fn function_steps_are_filled_in_and_qualified() {
        for f in FUNCTIONS {
            let sql = &step(f.step).unwrap().sql;
            for p in [
                "{mismatch}",
                "{name}",
                "{params}",
                "{types}",
                "{result}",
                "{volatility}",
                "{security}",
                "{app_privilege}",
                "{to_or_from}",
                "{body}",
                "{signature}",
                "{result_text}",
                "{argnames}",
            ] {
                assert!(!sql.contains(p), "{}: {p} left in\n{sql}", f.step);
            }
            assert!(sql.contains(f.body()), "{}", f.step);
            let code = sql.lines().filter(|l| !l.trim_start().starts_with("--"));
            assert!(
                !code.map(str::to_uppercase).any(|l| l.contains("CASCADE")),
                "{}: nothing is dropped with CASCADE",
                f.step
            );
            let found = crate::contract::sql_lint::violations(sql);
            assert!(found.is_empty(), "{}: {found:?}", f.step);
        }
    }

    /// A composed column step keeps no placeholder, takes the table lock first, and passes
    /// the lint as a whole.
    #[test]
    fn column_steps_are_filled_in_and_qualified() {
        for (name, column, type_) in [
            ("column.sess_id", "sess_id", "text"),
            ("column.sess_data", "sess_data", "text"),
            ("column.expiration", "expiration", "timestamptz"),
        ] {
            let s = step(name).unwrap();
            for p in ["{column}", "{type}", "{header}", "{then}"] {
                assert!(!s.sql.contains(p), "{name}: {p} left in\n{}", s.sql);
            }
            assert!(s.sql.starts_with(&format!("-- step {name}: ")), "{}", s.sql);
            assert!(s.locks_table(), "{name}");
            assert!(s.as_owner(), "{name}");
            assert!(
                s.sql.contains(&format!("ADD COLUMN {column} {type_}', t)")),
                "{}",
                s.sql
            );
            assert!(s.sql.trim_end().ends_with("END\n$step$;"), "{}", s.sql);
            let found = crate::contract::sql_lint::violations(&s.sql);
            assert!(found.is_empty(), "{name}: {found:?}");
        }
        assert!(step("column.expiration")
            .unwrap()
            .sql
            .contains("SET DEFAULT now()"));
    }

    /// Every step that alters the session table runs as the owner role, but the one that
    /// gives the table to that role, which runs before all of them (docs/security.md, "Which
    /// role runs each step").
    #[test]
    fn steps_that_alter_the_table_run_as_its_owner_once_it_has_it() {
        for flavour in [Flavour::Single, Flavour::Citus] {
            let steps = steps_for(flavour);
            let handover = steps.iter().position(|s| s.name == "table.owner").unwrap();
            for (i, s) in steps.iter().enumerate() {
                if s.name == "table.owner" {
                    assert!(!s.as_owner());
                    continue;
                }
                if s.locks_table() && s.name != "citus.table" {
                    assert!(s.as_owner(), "{flavour:?}: {} alters the table", s.name);
                }
                if s.as_owner() {
                    assert!(i > handover, "{flavour:?}: {} before table.owner", s.name);
                }
            }
        }
    }

    #[test]
    fn text_arrays_escape_quotes_and_backslashes() {
        assert_eq!(
            text_array(&["a\"b", "c\\d", "e,f {g}"]),
            r#"{"a\"b","c\\d","e,f {g}"}"#
        );
    }

    #[test]
    fn every_function_step_has_a_body() {
        for f in FUNCTIONS {
            let body = f.body();
            assert!(body.contains("BEGIN"), "{}", f.name);
            // A comment inside the body would be hashed by the body check: comments go above.
            assert!(!body.contains("--"), "{} body holds a comment", f.name);
            // Bodies must not name the schema: the scratch copy runs them against pg_temp.
            assert!(!body.contains(":\""), "{} body names a variable", f.name);
        }
    }
}
