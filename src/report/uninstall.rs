//! What uninstall reports: what it dropped or would drop, what it keeps and why, what would
//! make it refuse; and the question it asks at a terminal.

use serde::Serialize;

use super::term::{self, Paint};
use super::{out, Context, Machine};
use crate::cli::Format;
use crate::commands::uninstall::Plan;

/// The `uninstall` object of the JSON document (docs/commands.md, "uninstall").
#[derive(Serialize)]
struct UninstallDoc<'a> {
    schema_exists: bool,
    sessions: Option<i64>,
    objects: Vec<ObjectDoc<'a>>,
    roles: Vec<RoleDoc<'a>>,
    blockers: Vec<String>,
}

#[derive(Serialize)]
struct ObjectDoc<'a> {
    object: &'a str,
    tool: bool,
}

#[derive(Serialize)]
struct RoleDoc<'a> {
    name: &'a str,
    exists: bool,
    drop: bool,
    kept_because: Option<&'a str>,
    blockers: &'a [String],
}

/// The question uninstall asks at a terminal.
pub fn uninstall_question(plan: &Plan) -> String {
    let roles: Vec<&str> = plan
        .roles
        .iter()
        .filter(|r| r.drop)
        .map(|r| r.name.as_str())
        .collect();
    format!(
        "This drops schema {}{}{}. Type the schema name ({}) to confirm: ",
        plan.schema,
        plan.sessions
            .map(|n| format!(" and its {n} session(s)"))
            .unwrap_or_default(),
        if roles.is_empty() {
            String::new()
        } else {
            format!(", and role(s) {}", roles.join(", "))
        },
        plan.schema
    )
}

/// What uninstall did (`done`), or would do (dry run).
impl Context {
    pub fn uninstall(&self, plan: &Plan, done: bool) {
        let style = self.style;
        let outcome = if plan.nothing_to_do() {
            "nothing_to_do"
        } else if done {
            "uninstalled"
        } else {
            "dry_run"
        };
        match style.format {
            Format::Json | Format::Junit | Format::Github => {
                let doc = UninstallDoc {
                    schema_exists: plan.schema_exists,
                    sessions: plan.sessions,
                    objects: plan
                        .objects
                        .iter()
                        .map(|o| ObjectDoc {
                            object: &o.description,
                            tool: o.tool,
                        })
                        .collect(),
                    roles: plan
                        .roles
                        .iter()
                        .map(|r| RoleDoc {
                            name: &r.name,
                            exists: r.exists,
                            drop: r.drop,
                            kept_because: r.kept_because.as_deref(),
                            blockers: &r.blockers,
                        })
                        .collect(),
                    blockers: plan.blockers(),
                };
                out(&self.machine(Machine {
                    outcome,
                    extra: Some(("uninstall", serde_json::to_value(doc).unwrap_or_default())),
                    ..Machine::default()
                }));
            }
            Format::Human | Format::Tap => {
                if style.quiet && done {
                    return;
                }
                let mut s = String::new();
                if plan.nothing_to_do() {
                    s.push_str(&format!(
                    "Nothing to uninstall: no schema {} and no role created by connect-pg-admin.\n",
                    plan.schema
                ));
                    out(&s);
                    return;
                }
                let verb = if done { "Dropped" } else { "Would drop" };
                if plan.schema_exists {
                    s.push_str(&format!(
                        "{verb} schema {}{}:\n",
                        plan.schema,
                        plan.sessions
                            .map(|n| format!(" with {n} session(s)"))
                            .unwrap_or_default()
                    ));
                    for o in plan.objects.iter().filter(|o| o.shown) {
                        let mark = if o.tool {
                            String::new()
                        } else {
                            format!("  {}", term::out("(not connect-pg-admin's)", Paint::Red))
                        };
                        s.push_str(&format!("  {}{mark}\n", o.description));
                    }
                }
                for r in &plan.roles {
                    if r.drop {
                        s.push_str(&format!("{verb} role {}\n", r.name));
                    } else if let Some(why) = &r.kept_because {
                        s.push_str(&format!("Keeping role {}: {why}\n", r.name));
                    }
                }
                if !done {
                    let blockers = plan.blockers();
                    if !blockers.is_empty() {
                        s.push_str(&format!(
                            "{}\n",
                            term::out("Uninstall would refuse:", Paint::Red)
                        ));
                        for b in blockers {
                            s.push_str(&format!("  {b}\n"));
                        }
                    }
                    s.push_str("Dry run: nothing was changed.\n");
                } else {
                    s.push_str("Uninstalled; committed.\n");
                }
                out(&s);
            }
        }
    }
}
