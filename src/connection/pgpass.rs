//! The password file (`~/.pgpass`, or PGPASSFILE / passfile=) as libpq reads it: lines of
//! `host:port:database:user:password`, `*` matching anything in the first four fields, `\`
//! escaping `:` and `\`, `#` starting a comment line, the first matching line winning.
//!
//! Only pure functions over the file's text live here; reading the file and checking its
//! permissions belongs to `connect`.
//!
//! Reference: <https://www.postgresql.org/docs/current/libpq-pgpass.html> and
//! `passwordFromFile` in libpq's fe-connect.c.

/// One field of the first four: `*` alone matches anything, otherwise the (unescaped) text
/// must match exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Any,
    Exact(String),
}

impl Pattern {
    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(s) => s == value,
        }
    }
}

/// A parsed password-file line.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub host: Pattern,
    pub port: Pattern,
    pub dbname: Pattern,
    pub user: Pattern,
    pub password: String,
}

// A derived Debug would print the password, and entries end up in test failure output.
impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// Parses one line. Comments, blank lines and lines with fewer than four unescaped colons
/// (which libpq can never match) give `None`. Like libpq, the password ends at the next
/// unescaped colon, and trailing CR/LF are not part of it.
pub fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields: Vec<(String, bool)> = Vec::with_capacity(5);
    let mut current = String::new();
    let mut escaped_anything = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                // A trailing backslash stands for itself, as in libpq.
                current.push(chars.next().unwrap_or('\\'));
                escaped_anything = true;
            }
            ':' => {
                fields.push((std::mem::take(&mut current), escaped_anything));
                escaped_anything = false;
                if fields.len() == 5 {
                    break;
                }
            }
            c => current.push(c),
        }
    }
    if fields.len() < 5 {
        fields.push((current, escaped_anything));
    }
    if fields.len() < 5 {
        return None;
    }
    let mut it = fields.into_iter();
    let mut pattern = || match it.next() {
        // `\*` is a literal star; only a bare `*` is the wildcard.
        Some((s, false)) if s == "*" => Pattern::Any,
        Some((s, _)) => Pattern::Exact(s),
        None => Pattern::Exact(String::new()),
    };
    let host = pattern();
    let port = pattern();
    let dbname = pattern();
    let user = pattern();
    let password = match it.next() {
        Some((s, _)) => s,
        None => String::new(),
    };
    Some(Entry {
        host,
        port,
        dbname,
        user,
        password,
    })
}

/// The password of the first line matching the connection. `hosts` lists the names the host
/// field may match: for a Unix socket, libpq matches `localhost` (and we also accept the
/// socket directory itself); for TCP, the host name or address as given.
pub fn lookup(
    contents: &str,
    hosts: &[&str],
    port: &str,
    dbname: &str,
    user: &str,
) -> Option<String> {
    contents
        .lines()
        .filter_map(parse_line)
        .find(|e| {
            hosts.iter().any(|h| e.host.matches(h))
                && e.port.matches(port)
                && e.dbname.matches(dbname)
                && e.user.matches(user)
        })
        .map(|e| e.password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(s: &str) -> Pattern {
        Pattern::Exact(s.into())
    }

    #[test]
    fn parses_fields_and_wildcards() {
        let e = parse_line("db.example.com:*:app:bob:s3cret").expect("a valid line");
        assert_eq!(e.host, exact("db.example.com"));
        assert_eq!(e.port, Pattern::Any);
        assert_eq!(e.dbname, exact("app"));
        assert_eq!(e.user, exact("bob"));
        assert_eq!(e.password, "s3cret");
    }

    #[test]
    fn escapes() {
        let e = parse_line(r"h\:x:5432:d\\b:u:pa\:ss\\w\rd").expect("a valid line");
        assert_eq!(e.host, exact("h:x"));
        assert_eq!(e.dbname, exact(r"d\b"));
        assert_eq!(e.password, r"pa:ss\wrd");
        // An escaped star is a literal star, not a wildcard.
        let e = parse_line(r"\*:*:*:*:p").expect("a valid line");
        assert_eq!(e.host, exact("*"));
        // A star inside a field is literal too.
        let e = parse_line("a*:*:*:*:p").expect("a valid line");
        assert_eq!(e.host, exact("a*"));
    }

    #[test]
    fn password_stops_at_unescaped_colon_and_line_end() {
        assert_eq!(
            parse_line("*:*:*:*:ab:cd").map(|e| e.password),
            Some("ab".into())
        );
        assert_eq!(
            parse_line("*:*:*:*:ab\r\n").map(|e| e.password),
            Some("ab".into())
        );
        assert_eq!(
            parse_line("*:*:*:*:").map(|e| e.password),
            Some(String::new())
        );
        assert_eq!(
            parse_line(r"*:*:*:*:ab\").map(|e| e.password),
            Some(r"ab\".into())
        );
    }

    #[test]
    fn comments_blank_and_short_lines() {
        assert!(parse_line("").is_none());
        assert!(parse_line("# h:p:d:u:pw").is_none());
        assert!(parse_line("h:p:d:u").is_none());
        assert!(parse_line(r"h:p:d:u\:pw").is_none());
    }

    #[test]
    fn first_match_wins() {
        let file = "\
# comment
other:*:*:*:nope
localhost:5432:app:bob:first
*:*:*:bob:second
*:*:*:*:third
";
        assert_eq!(
            lookup(file, &["localhost"], "5432", "app", "bob").as_deref(),
            Some("first")
        );
        assert_eq!(
            lookup(file, &["localhost"], "5433", "app", "bob").as_deref(),
            Some("second")
        );
        assert_eq!(
            lookup(file, &["db"], "5432", "app", "alice").as_deref(),
            Some("third")
        );
        assert_eq!(lookup("other:*:*:*:x\n", &["db"], "1", "d", "u"), None);
    }

    #[test]
    fn socket_connections_match_localhost_or_the_directory() {
        let file = "/tmp/pg:*:*:*:bydir\nlocalhost:*:*:*:bylocalhost\n";
        assert_eq!(
            lookup(file, &["localhost", "/tmp/pg"], "5432", "d", "u").as_deref(),
            Some("bydir")
        );
        assert_eq!(
            lookup(
                file,
                &["localhost", "/var/run/postgresql"],
                "5432",
                "d",
                "u"
            )
            .as_deref(),
            Some("bylocalhost")
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let e = parse_line("*:*:*:*:hunter2").expect("a valid line");
        assert!(!format!("{e:?}").contains("hunter2"));
    }

    #[test]
    fn never_panics() {
        for s in [
            "\\",
            ":::::",
            "\\:\\:\\:\\:",
            "*:*:*:*:\\",
            "\u{1F600}:\u{0}:::",
            "\r",
        ] {
            let _ = parse_line(s);
            let _ = lookup(s, &["x"], "1", "d", "u");
        }
    }
}
