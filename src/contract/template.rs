//! Renders the SQL files under sql/ and pgtap/ for one run. They use psql's variable syntax,
//! `:"name"` for an identifier and `:'name'` for a literal, so they read like the psql scripts
//! they are; the values are quoted here, never pasted.

use crate::error::{Error, Result};

/// Variables of one rendering: name, value.
pub type Vars<'a> = [(&'a str, &'a str)];

pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A literal for a session with standard_conforming_strings on (the connection sets it), so a
/// backslash is an ordinary character and only the quote needs doubling.
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Replaces every `:"var"` and `:'var'` whose name is in `vars`. A `::` cast is left alone.
/// An unknown variable is an error: it is a typo in a shipped file, caught by the tests.
pub fn render(sql: &str, vars: &Vars) -> Result<String> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 64);
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let is_var_start = bytes[i] == b':'
            && (i == 0 || bytes[i - 1] != b':')
            && i + 1 < bytes.len()
            && (bytes[i + 1] == b'"' || bytes[i + 1] == b'\'');
        if is_var_start {
            let quote = bytes[i + 1];
            let name_start = i + 2;
            let mut j = name_start;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > name_start && j < bytes.len() && bytes[j] == quote {
                let name = &sql[name_start..j];
                let value = vars
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| Error::Internal(format!("SQL variable :{name} has no value")))?;
                out.push_str(&sql[copied..i]);
                out.push_str(&if quote == b'"' {
                    quote_ident(value)
                } else {
                    quote_literal(value)
                });
                i = j + 1;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&sql[copied..]);
    Ok(out)
}

/// The body of the function a step file creates: the text between its `$body$` quotes,
/// exactly as PostgreSQL stores it in pg_proc.prosrc.
pub fn function_body(step_sql: &str) -> Option<&str> {
    let start = step_sql.find("$body$")? + "$body$".len();
    let len = step_sql[start..].find("$body$")?;
    Some(&step_sql[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers_and_literals() {
        let sql = "CREATE SCHEMA :\"schema\"; SELECT :'schema', x::text, :'role'::name";
        let out = render(sql, &[("schema", "we\"b"), ("role", "it's")]).unwrap();
        assert_eq!(
            out,
            "CREATE SCHEMA \"we\"\"b\"; SELECT 'we\"b', x::text, 'it''s'::name"
        );
    }

    #[test]
    fn unknown_variable_is_an_error() {
        assert!(render("SELECT :'nope'", &[("schema", "web")]).is_err());
    }

    #[test]
    fn leaves_casts_and_unterminated_text_alone() {
        let sql = "SELECT '{}'::text[], a::\"char\", ':' || x, :'";
        assert_eq!(render(sql, &[]).unwrap(), sql);
    }

    #[test]
    fn extracts_function_body() {
        let sql = "CREATE FUNCTION f() AS $body$\nBEGIN\nEND\n$body$;\n";
        assert_eq!(function_body(sql), Some("\nBEGIN\nEND\n"));
    }
}
