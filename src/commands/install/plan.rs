//! Turns failing checks into the ordered list of steps that repair them. A step is named by
//! as many checks as it repairs and runs once, in the catalog's order.

use crate::contract::catalog::{self, Flavour, Step};
use crate::contract::checks::CheckResult;

/// The steps for these failing checks, in run order, each once.
pub fn plan(failing: &[&CheckResult], flavour: Flavour) -> Vec<&'static Step> {
    let checks = catalog::checks_for(flavour);
    let wanted: Vec<&str> = failing
        .iter()
        .filter_map(|f| checks.iter().find(|c| c.name == f.name))
        .flat_map(|c| c.repairs.iter().copied())
        .collect();
    catalog::steps_for(flavour)
        .into_iter()
        .filter(|s| wanted.contains(&s.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(name: &str) -> CheckResult {
        CheckResult {
            name: name.into(),
            description: String::new(),
            passed: false,
            diagnostics: vec![],
            skipped: None,
        }
    }

    #[test]
    fn orders_by_catalog_and_deduplicates() {
        let f = [
            failing("grant.table"),
            failing("function.count_sessions.body"),
            failing("grant.schema"),
            failing("role.owner"),
        ];
        let refs: Vec<&CheckResult> = f.iter().collect();
        let names: Vec<_> = plan(&refs, Flavour::Single)
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["role.owner", "function.count_sessions", "grants"]);
    }

    #[test]
    fn nothing_failing_nothing_to_do() {
        assert!(plan(&[], Flavour::Single).is_empty());
    }

    #[test]
    fn a_missing_index_plans_only_the_index() {
        let f = [failing("expire_idx")];
        let refs: Vec<&CheckResult> = f.iter().collect();
        let names: Vec<_> = plan(&refs, Flavour::Single)
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["expire_idx"]);
    }
}
