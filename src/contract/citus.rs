//! The contract's Citus variant, as a change of the single-node catalog: what a database with
//! the citus extension gets instead (docs/contract.md, "On Citus"). The session table is
//! hash-distributed on `sess_id`; set, get and destroy are distributed by `sessid` and
//! colocated with it; there is no trigger (Citus distributes no table with one), so
//! set_session_data removes a session written already expired itself; and the owner role
//! may log in, because Citus reaches the workers as the owner of count and clear.
//! Without the extension none of this is registered: the single-node catalog is untouched.

use std::sync::OnceLock;

use crate::contract::catalog::FUNCTIONS;
use crate::contract::catalog::{
    self, check, check_file, check_sql, checks_of, step_file, step_sql, Check, Function, Step,
};

/// set_session_data on Citus: the single-node function's facts (FUNCTIONS[0]), its own step
/// and body file.
static SET_SESSION_DATA: Function = Function {
    step: "citus.function.set_session_data",
    body_sql: step_sql!("citus.function.set_session_data"),
    ..FUNCTIONS[0]
};

/// The functions distributed by their `sessid` argument (the others run on the coordinator).
pub const DISTRIBUTED: &[&str] = &["set_session_data", "get_session_data", "destroy_session"];

/// Steps of the variant only.
fn own_steps() -> &'static [Step] {
    static STEPS: OnceLock<Vec<Step>> = OnceLock::new();
    STEPS.get_or_init(|| {
        vec![
            step_file!("citus.role.owner"),
            step_file!("citus.trigger"),
            Step {
                name: SET_SESSION_DATA.step,
                sql: SET_SESSION_DATA.step_sql(),
            },
            step_file!("citus.table"),
            step_file!("citus.functions"),
        ]
    })
}

fn own(name: &str) -> &'static Step {
    own_steps()
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| unreachable!("no Citus step {name}"))
}

/// A single-node step the variant replaces, drops (None), or keeps.
fn replace(name: &'static str) -> Option<&'static str> {
    match name {
        "function.set_session_data" => Some("citus.function.set_session_data"),
        "function.remove_expired" | "trigger" => None,
        other => Some(other),
    }
}

pub fn functions() -> Vec<&'static Function> {
    FUNCTIONS
        .iter()
        .filter(|f| replace(f.step).is_some())
        .map(|f| {
            if f.step == "function.set_session_data" {
                &SET_SESSION_DATA
            } else {
                f
            }
        })
        .collect()
}

/// The single-node steps with the variant's replaced, and its own where they must run: the
/// owner's login right after the owner, the trigger's removal before the functions, and the
/// distribution after the table and the functions exist, before the grants.
pub fn steps() -> Vec<&'static Step> {
    let mut out = Vec::new();
    for s in catalog::steps() {
        let Some(name) = replace(s.name) else {
            continue;
        };
        if name == "history" {
            out.push(own("citus.table"));
            out.push(own("citus.functions"));
        }
        out.push(if name == s.name { s } else { own(name) });
        match name {
            "role.owner" => out.push(own("citus.role.owner")),
            "table.owner" => out.push(own("citus.trigger")),
            _ => {}
        }
    }
    out
}

pub fn checks() -> Vec<Check> {
    let mut out = Vec::new();
    for mut c in checks_of(&functions()) {
        c.repairs = c.repairs.iter().filter_map(|r| replace(r)).collect();
        match c.name.as_str() {
            "role.owner" => out.push(check_file!(
                "citus.role.owner",
                &["role.owner", "citus.role.owner"]
            )),
            "trigger" => {
                out.push(check_file!("citus.trigger", &["citus.trigger"]));
                out.push(check_file!("citus.table", &["citus.table"]));
                for f in DISTRIBUTED {
                    let mut d = check(
                        &format!("citus.function.{f}"),
                        check_sql!("citus.function"),
                        &["citus.functions"],
                    );
                    d.description = d.description.replace("{function}", f);
                    let args = FUNCTIONS
                        .iter()
                        .find(|x| x.name == *f)
                        .map(|x| x.arg_types())
                        .unwrap_or_default();
                    d.vars = vec![
                        ("function", f.to_string()),
                        ("args", super::catalog::text_array(&args)),
                    ];
                    out.push(d);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::catalog::{self, Flavour};

    fn names(checks: &[Check]) -> Vec<String> {
        checks.iter().map(|c| c.name.clone()).collect()
    }

    #[test]
    fn the_variant_replaces_the_trigger_and_adds_the_distribution() {
        let single = names(&catalog::checks_for(Flavour::Single));
        let citus = names(&checks());
        assert!(single.contains(&"trigger".to_string()));
        assert!(!citus
            .iter()
            .any(|n| n == "trigger" || n.contains("remove_expired")));
        assert!(!citus.contains(&"role.owner".to_string()));
        for n in [
            "citus.trigger",
            "citus.table",
            "citus.role.owner",
            "citus.function.set_session_data",
            "citus.function.get_session_data",
            "citus.function.destroy_session",
        ] {
            assert!(citus.contains(&n.to_string()), "{n} missing");
            assert!(
                !single.contains(&n.to_string()),
                "{n} leaked into the single-node catalog"
            );
        }
    }

    #[test]
    fn steps_run_in_dependency_order() {
        let order: Vec<&str> = steps().iter().map(|s| s.name).collect();
        let at = |n: &str| {
            order
                .iter()
                .position(|s| *s == n)
                .unwrap_or_else(|| panic!("{n}"))
        };
        assert!(at("role.owner") < at("citus.role.owner"));
        assert!(at("citus.trigger") < at("citus.table"));
        assert!(at("function.destroy_session") < at("citus.functions"));
        assert!(at("citus.function.set_session_data") < at("citus.functions"));
        assert!(at("citus.table") < at("citus.functions"));
        assert!(at("citus.functions") < at("grants"));
        assert!(!order.contains(&"trigger") && !order.contains(&"function.remove_expired"));
    }

    #[test]
    fn only_set_session_data_differs_in_body() {
        let f = functions();
        assert_eq!(f.len(), 5);
        let set = f.iter().find(|f| f.name == "set_session_data").unwrap();
        assert_eq!(set.step, "citus.function.set_session_data");
        assert_eq!(set.name, "set_session_data");
        let body = set.body();
        assert!(
            body.contains("expire < now()") && body.contains("DELETE"),
            "{body}"
        );
        let single = &FUNCTIONS[0];
        assert_ne!(body, single.body());
        assert_eq!(
            set.step_sql().replacen(body, single.body(), 1),
            single.step_sql(),
            "the Citus step differs from the single-node one in more than the body"
        );
    }
}
