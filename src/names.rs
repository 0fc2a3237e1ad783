//! The names a run works with: the schema, the application role, and the owner role derived
//! from the schema. Validated once, here, so every other module can quote them without doubt.

use crate::error::{Error, Result};

/// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes; a longer name would silently
/// become another name.
const MAX_NAME: usize = 63;
const OWNER_SUFFIX: &str = "_owner";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub schema: String,
    pub role: String,
    pub owner: String,
}

impl Names {
    pub fn new(schema: &str, role: &str) -> Result<Names> {
        validate("--schema", schema, MAX_NAME - OWNER_SUFFIX.len())?;
        validate("--role", role, MAX_NAME)?;
        let owner = format!("{schema}{OWNER_SUFFIX}");
        if role == owner {
            return Err(Error::Usage(format!(
                "--role {role} is the name of the owner role of schema {schema}; choose another application role name"
            )));
        }
        Ok(Names {
            schema: schema.to_string(),
            role: role.to_string(),
            owner,
        })
    }

    /// The names as the SQL files' variables (`:'schema'`, `:"role"`, `:'owner'`).
    pub fn vars(&self) -> [(&'static str, &str); 3] {
        [
            ("schema", &self.schema),
            ("role", &self.role),
            ("owner", &self.owner),
        ]
    }
}

/// Names PostgreSQL or its tools give a meaning of their own (`public`, `none` and the
/// `current_*` keywords cannot even name a role).
pub const RESERVED: &[&str] = &[
    "public",
    "postgres",
    "information_schema",
    "none",
    "current_user",
    "session_user",
    "current_role",
    "all",
];

/// Lower-case letters, digits and underscores, starting with a letter or underscore: the
/// names that mean the same quoted and unquoted, so what the user typed is what psql shows.
pub fn validate(flag: &str, name: &str, max: usize) -> Result<()> {
    let shown: String = name.escape_debug().take(80).collect();
    if name.is_empty() {
        return Err(Error::Usage(format!("{flag} must not be empty")));
    }
    if name.len() > max {
        return Err(Error::Usage(format!(
            "{flag} \"{shown}\" is {} bytes long; use at most {max}",
            name.len()
        )));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !first_ok
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::Usage(format!(
            "{flag} \"{shown}\" is not a plain name; use lower-case letters, digits and underscores, starting with a letter"
        )));
    }
    if name.starts_with("pg_") {
        return Err(Error::Usage(format!(
            "{flag} \"{shown}\": names starting with pg_ are reserved by PostgreSQL; choose another"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(Error::Usage(format!(
            "{flag} \"{shown}\" is reserved; choose a name of your own"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_owner_derives_from_schema() {
        let n = Names::new("web", "nodepg").unwrap();
        assert_eq!(n.owner, "web_owner");
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "",
            "Web",
            "1web",
            "we b",
            "we;b",
            "we\"b",
            "we'b",
            "we\0b",
            "pg_web",
            "public",
            "postgres",
            "web); drop table x; --",
            "é",
        ] {
            let e = Names::new(bad, "nodepg").unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{bad:?} accepted as schema");
            let e = Names::new("web", bad).unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{bad:?} accepted as role");
        }
    }

    #[test]
    fn length_limits_leave_room_for_the_owner_suffix() {
        assert!(Names::new(&"s".repeat(57), "nodepg").is_ok());
        assert!(Names::new(&"s".repeat(58), "nodepg").is_err());
        assert!(Names::new("web", &"r".repeat(63)).is_ok());
        assert!(Names::new("web", &"r".repeat(64)).is_err());
    }

    #[test]
    fn role_may_not_be_the_owner() {
        assert!(Names::new("web", "web_owner").is_err());
    }

    #[test]
    fn error_never_contains_raw_control_characters() {
        let e = Names::new("a\nb", "nodepg").unwrap_err().to_string();
        assert!(!e.contains('\n'));
    }
}
