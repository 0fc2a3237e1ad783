//! The password file (`~/.pgpass`, or PGPASSFILE / passfile=) as libpq reads it: lines of
//! `host:port:database:user:password`, `*` matching anything in the first four fields, `\`
//! escaping `:` and `\`, `#` starting a comment line, the first matching line winning.
//!
//! `from_file` reads the file the way libpq does (ignored when group or others can read it);
//! the rest are pure functions over its text.
//!
//! Reference: <https://www.postgresql.org/docs/current/libpq-pgpass.html> and
//! `passwordFromFile` in libpq's fe-connect.c.

use std::path::{Path, PathBuf};

use super::params::{Secret, DEFAULT_SOCKET_DIR};

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

/// A parsed password-file line. Entries end up in test failure output: the password is a
/// `Secret`, which Debug does not show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub host: Pattern,
    pub port: Pattern,
    pub dbname: Pattern,
    pub user: Pattern,
    pub password: Secret,
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
        password: Secret(password),
    })
}

/// The password of the first line matching the connection; `hosts` lists the names the host
/// field may match (one, from `host_name`, when connecting).
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
        .map(|e| e.password.0)
}

/// Where the password came from, so an authentication failure can say which one to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// password= or PGPASSWORD (or a service file).
    Given(super::params::Source),
    File(PathBuf),
    /// Passed to `connect_as` by the caller.
    Explicit,
    /// No password; `note` says why the password file did not supply one, if it was looked at.
    None {
        note: Option<String>,
    },
}

/// The host field a connection matches, from one entry of the host= and hostaddr= lists as
/// written. libpq's pqConnectOptions2 passes host= when it is not empty (a socket directory
/// too, even when hostaddr= is where it connects), else hostaddr=, else its default socket
/// directory; passwordFromFile then uses "localhost" for an empty name and for the default
/// socket directory, and any other name as it is.
pub fn host_name(host: &str, hostaddr: &str) -> String {
    let name = if host.is_empty() { hostaddr } else { host };
    if name.is_empty() || name == DEFAULT_SOCKET_DIR {
        "localhost".into()
    } else {
        name.into()
    }
}

/// Looks the password up in the password file. Returns where the password came from (or why
/// the file gave none, for the authentication failure message) and the password itself.
pub fn from_file(
    path: &Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> (PasswordSource, Option<String>) {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let none = |note: Option<String>| (PasswordSource::None { note }, None);
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return none(None),
        Err(e) => return none(Some(format!("could not read \"{shown}\": {e}"))),
    };
    if !meta.is_file() {
        return none(Some(format!(
            "\"{shown}\" is not a plain file, so it was ignored"
        )));
    }
    // libpq ignores a password file others can access, so a leaked file fails loudly.
    if meta.permissions().mode() & 0o077 != 0 {
        return none(Some(format!(
            "\"{shown}\" was ignored because group or others can access it; chmod 0600 it"
        )));
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return none(Some(format!("could not read \"{shown}\": {e}"))),
    };
    let port = port.to_string();
    match lookup(&text, &[host], &port, dbname, user) {
        // libpq treats an empty password like none.
        Some(pw) if !pw.is_empty() => (PasswordSource::File(path.to_path_buf()), Some(pw)),
        _ => none(Some(format!(
            "no line of \"{shown}\" matches {host}:{port}:{dbname}:{user}"
        ))),
    }
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
        assert_eq!(e.password.0, "s3cret");
    }

    #[test]
    fn escapes() {
        let e = parse_line(r"h\:x:5432:d\\b:u:pa\:ss\\w\rd").expect("a valid line");
        assert_eq!(e.host, exact("h:x"));
        assert_eq!(e.dbname, exact(r"d\b"));
        assert_eq!(e.password.0, r"pa:ss\wrd");
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
            parse_line("*:*:*:*:ab:cd").map(|e| e.password.0),
            Some("ab".into())
        );
        assert_eq!(
            parse_line("*:*:*:*:ab\r\n").map(|e| e.password.0),
            Some("ab".into())
        );
        assert_eq!(
            parse_line("*:*:*:*:").map(|e| e.password.0),
            Some(String::new())
        );
        assert_eq!(
            parse_line(r"*:*:*:*:ab\").map(|e| e.password.0),
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
    fn the_key_is_the_host_as_written_and_localhost_the_default_socket_directory_only() {
        for (host, hostaddr, key) in [
            ("/var/run/postgresql", "", "localhost"),
            ("", "", "localhost"),
            ("/tmp", "", "/tmp"),
            ("db", "", "db"),
            // A socket directory with hostaddr connects over TCP, but libpq still looks the
            // password up under the directory.
            ("/tmp/pg", "127.0.0.1", "/tmp/pg"),
            ("/var/run/postgresql", "127.0.0.1", "localhost"),
            ("db", "10.0.0.1", "db"),
            // hostaddr alone is the key as written, not normalized.
            ("", "10.0.0.1", "10.0.0.1"),
            ("", "::0001", "::0001"),
        ] {
            assert_eq!(
                host_name(host, hostaddr),
                key,
                "host={host:?} hostaddr={hostaddr:?}"
            );
        }
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
