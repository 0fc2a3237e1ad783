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

/// A literal for a one-line message that offers it to be pasted as SQL: like `quote_literal`,
/// but a value holding a character that would break the line or change what the terminal
/// shows (a newline, an escape sequence, a Unicode line separator or bidirectional override)
/// is written as an escape string, `E'...'`, with each such character as `\xHH` or `\uHHHH`:
/// the same value, on one line and readable.
pub fn quote_literal_printable(s: &str) -> String {
    if !s.chars().any(unprintable) {
        return quote_literal(s);
    }
    let mut out = String::from("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c if unprintable(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02X}", c as u32))
            }
            c if unprintable(c) && (c as u32) <= 0xFFFF => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c if unprintable(c) => out.push_str(&format!("\\U{:08X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
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
    fn printable_literals_stay_on_one_line_and_mean_the_same_value() {
        assert_eq!(quote_literal_printable("it's"), "'it''s'");
        assert_eq!(quote_literal_printable(r"a\b"), r"'a\b'");
        assert_eq!(
            quote_literal_printable("a'\\b\nc\r\x1b[31md\u{85}e\u{2028}f\u{202E}g"),
            r"E'a''\\b\x0Ac\x0D\x1B[31md\u0085e\u2028f\u202Eg'"
        );
        let shown = quote_literal_printable("x\ty\u{7f}");
        assert_eq!(shown, r"E'x\x09y\x7F'");
        assert!(!shown.chars().any(char::is_control));
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
