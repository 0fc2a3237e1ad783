//! Parsing of connection strings in the two forms libpq accepts: `postgres://` URLs and
//! `key=value` lists. Produces libpq keywords and their raw values; checking that a value
//! makes sense (a port is a number, an sslmode exists) is `connect`'s job, because values from
//! the environment need the same checks.
//!
//! Pure and total: every input yields either keywords or an `Error::Usage`, never a panic, and
//! no error message contains a value (a malformed string may well contain a password).
//!
//! References: <https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING>

use super::keywords;
use crate::error::{Error, Result};

const URL_PREFIXES: &[&str] = &["postgresql://", "postgres://"];

/// Parses a connection string into `(keyword, value)` pairs in order of first appearance.
/// A keyword given twice keeps its last value, as in libpq. An empty string yields no pairs.
pub fn parse(s: &str) -> Result<Vec<(String, String)>> {
    // Leading blanks are not libpq's, but a DATABASE_URL pasted into a CI variable often has
    // them, and the key=value parser would give a baffling message.
    let trimmed = s.trim_start_matches(is_space);
    if URL_PREFIXES.iter().any(|p| trimmed.starts_with(p)) {
        parse_url(trimmed)
    } else {
        parse_key_value(s)
    }
}

fn usage(msg: impl std::fmt::Display) -> Error {
    Error::Usage(format!("malformed connection string: {msg}"))
}

/// Adds or replaces a keyword, after checking that we know it. `previous` is the keyword
/// parsed just before this one: if it was `password`, a stray word is probably the rest of a
/// password with an unquoted space or `&`, so the error must not show it.
fn insert(
    pairs: &mut Vec<(String, String)>,
    key: &str,
    value: String,
    previous: Option<&str>,
) -> Result<()> {
    // libpq's conninfo_storeval: requiressl is no keyword of its own but an alias that sets
    // sslmode, in key=value strings and URLs alike.
    let (key, value) = if key == "requiressl" {
        let mode = if value.starts_with('1') {
            "require"
        } else {
            "prefer"
        };
        ("sslmode", mode.to_string())
    } else {
        (key, value)
    };
    if keywords::find(key).is_none() {
        let shown = previous != Some("password")
            && !key.is_empty()
            && key.len() <= 40
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        return Err(if key.is_empty() {
            usage("a \"=\" has no keyword before it")
        } else if shown {
            usage(format!(
                "unknown connection option \"{key}\"; see docs/connection.md for the libpq keywords"
            ))
        } else if previous == Some("password") {
            usage(
                "unknown connection option after the password; quote a password that contains \
                 spaces (password='...') or percent-encode it in a URL",
            )
        } else {
            usage("an option name is not a known connection option; see docs/connection.md")
        });
    }
    match pairs.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => pairs.push((key.to_string(), value)),
    }
    Ok(())
}

/// libpq uses C `isspace`, which includes vertical tab and form feed.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// libpq's `conninfo_parse`: `key = value` pairs separated by whitespace, values optionally
/// single-quoted, a backslash escaping the next character in either form.
fn parse_key_value(s: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = s.chars().peekable();
    let mut previous: Option<String> = None;
    loop {
        while chars.next_if(|c| is_space(*c)).is_some() {}
        if chars.peek().is_none() {
            break;
        }

        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !is_space(*c)) {
            key.push(c);
        }
        while chars.next_if(|c| is_space(*c)).is_some() {}
        if chars.next() != Some('=') {
            return Err(match previous.as_deref() {
                None => usage(
                    "expected a postgres:// URL or key=value pairs, e.g. \"host=db.example.com dbname=app\"",
                ),
                Some(prev) => usage(format!(
                    "expected key=value after the value of \"{prev}\"; quote values that contain \
                     spaces: {prev}='...'"
                )),
            });
        }
        while chars.next_if(|c| is_space(*c)).is_some() {}

        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(usage(format!(
                            "the quoted value of \"{}\" has no closing quote",
                            shown_key(&key)
                        )))
                    }
                    Some('\\') => {
                        if let Some(c) = chars.next() {
                            value.push(c);
                        }
                    }
                    Some('\'') => break,
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !is_space(*c)) {
                if c == '\\' {
                    if let Some(c) = chars.next() {
                        value.push(c);
                    }
                } else {
                    value.push(c);
                }
            }
        }

        insert(&mut pairs, &key, value, previous.as_deref())?;
        previous = Some(key);
    }
    Ok(pairs)
}

/// A keyword for an error message, or a placeholder if it does not look like one.
fn shown_key(key: &str) -> &str {
    if keywords::find(key).is_some() {
        key
    } else {
        "an option"
    }
}

/// libpq's URI form: `postgres://[user[:password]@][host][:port][/dbname][?key=value&...]`.
/// Every component is percent-decoded; `+` stays a plus (libpq does not treat it as a space).
fn parse_url(s: &str) -> Result<Vec<(String, String)>> {
    let (single, host_list) = split_host_list(s)?;
    let (filled, host_was_empty) = fill_empty_host(&single);
    let url = url::Url::parse(&filled).map_err(|e| usage(format!("invalid URL ({e})")))?;
    if url.fragment().is_some() {
        return Err(usage(
            "the URL contains \"#\"; percent-encode it as %23 (in a password, for example)",
        ));
    }
    let mut pairs = Vec::new();

    let user = decode(url.username(), "user name")?;
    if !user.is_empty() {
        insert(&mut pairs, "user", user, None)?;
    }
    if let Some(pw) = url.password() {
        let pw = decode(pw, "password")?;
        if !pw.is_empty() {
            insert(&mut pairs, "password", pw, None)?;
        }
    }

    match url.host() {
        _ if host_was_empty => {}
        Some(url::Host::Domain(d)) => {
            let host = decode(d, "host")?;
            if !host.is_empty() {
                insert(&mut pairs, "host", host, None)?;
            }
        }
        Some(url::Host::Ipv4(a)) => insert(&mut pairs, "host", a.to_string(), None)?,
        // Without brackets: "::1" is what libpq and the TCP connect expect.
        Some(url::Host::Ipv6(a)) => insert(&mut pairs, "host", a.to_string(), None)?,
        None => {}
    }
    if let Some(port) = url.port() {
        insert(&mut pairs, "port", port.to_string(), None)?;
    }
    if let Some((hosts, ports)) = host_list {
        insert(&mut pairs, "host", hosts, None)?;
        if ports.split(',').any(|p| !p.is_empty()) {
            insert(&mut pairs, "port", ports, None)?;
        }
    }

    // The path as written, not url.path(): the WHATWG parser drops "." and ".." segments,
    // also percent-encoded ones, so "/%2E" would silently connect to the default database.
    let path = raw_path(s);
    let path = path.as_str();
    let db = path.strip_prefix('/').unwrap_or(path);
    if db.contains('/') {
        return Err(usage(
            "the URL path has more than one segment; the path is the database name (percent-encode a \"/\" in it as %2F)",
        ));
    }
    let db = decode(db, "database name")?;
    if !db.is_empty() {
        insert(&mut pairs, "dbname", db, None)?;
    }

    let mut previous: Option<String> = None;
    if let Some(query) = url.query() {
        for (n, param) in query.split('&').enumerate() {
            if param.is_empty() {
                continue;
            }
            let Some((k, v)) = param.split_once('=') else {
                return Err(match previous.as_deref() {
                    Some("password") => usage(
                        "a URL parameter after the password has no \"=\"; percent-encode \"&\" in a password as %26",
                    ),
                    _ => usage(format!(
                        "URL parameter number {} has no \"=\"; write ?key=value&key=value",
                        n + 1
                    )),
                });
            };
            let k = decode(k, "parameter name")?;
            let v = decode(v, "parameter value")?;
            if k == "ssl" {
                // JDBC's `ssl=true`, which libpq accepts in URLs for compatibility.
                if v != "true" {
                    return Err(usage(
                        "the URL parameter ssl only accepts \"true\"; use sslmode=... instead",
                    ));
                }
                insert(&mut pairs, "sslmode", "require".into(), None)?;
            } else {
                insert(&mut pairs, &k, v, previous.as_deref())?;
            }
            previous = Some(k);
        }
    }
    Ok(pairs)
}

/// libpq's `postgres://h1:p1,[::1]:p2/db`: the URL crate knows one host only, so a list of
/// host specifications is taken out here (decoded, as `host=` and `port=` lists with empty
/// entries for the defaults) and the URL continues with an empty host.
fn split_host_list(s: &str) -> Result<(String, Option<(String, String)>)> {
    let Some(scheme_end) = s.find("://").map(|i| i + 3) else {
        return Ok((s.to_string(), None));
    };
    let rest = &s[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let list = &authority[host_start..];
    if !list.contains(',') {
        return Ok((s.to_string(), None));
    }
    let (mut hosts, mut ports) = (Vec::new(), Vec::new());
    for spec in list.split(',') {
        let (host, port) = if let Some(v6) = spec.strip_prefix('[') {
            let Some((addr, after)) = v6.split_once(']') else {
                return Err(usage(
                    "a bracketed IPv6 host in the URL has no closing \"]\"",
                ));
            };
            let port = match after {
                "" => "",
                p => p.strip_prefix(':').ok_or_else(|| {
                    usage("unexpected text after an IPv6 host in the URL; write [address]:port")
                })?,
            };
            (addr.to_string(), port)
        } else {
            match spec.split_once(':') {
                Some((h, p)) => (decode(h, "host")?, p),
                None => (decode(spec, "host")?, ""),
            }
        };
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(usage("a port in the URL's host list is not a number"));
        }
        hosts.push(host);
        ports.push(port.to_string());
    }
    let at = scheme_end + host_start;
    let single = format!("{}{}", &s[..at], &s[at + list.len()..]);
    Ok((single, Some((hosts.join(","), ports.join(",")))))
}

/// WHATWG URLs, which the url crate implements, have no empty host after `user@` or before
/// `:port`, but libpq's do (`postgres://bob@/app?host=/var/run/postgresql`). Puts a
/// placeholder host in, and says so, so the caller can drop it again.
fn fill_empty_host(s: &str) -> (std::borrow::Cow<'_, str>, bool) {
    let Some(scheme_end) = s.find("://").map(|i| i + 3) else {
        return (s.into(), false);
    };
    let rest = &s[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    if !host_port.is_empty() && !host_port.starts_with(':') {
        return (s.into(), false);
    }
    let at = scheme_end + host_start;
    (format!("{}placeholder{}", &s[..at], &s[at..]).into(), true)
}

/// The part of a URL between its authority and `?` or `#`, as written (libpq's dbname), after
/// the clean-up the URL parser applies to the whole string too: leading and trailing controls
/// and spaces go, tabs and newlines anywhere.
fn raw_path(s: &str) -> String {
    let s: String = s
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some(rest) = s.find("://").map(|i| &s[i + 3..]) else {
        return String::new();
    };
    let Some(start) = rest.find(['/', '?', '#']) else {
        return String::new();
    };
    let path = &rest[start..];
    path[..path.find(['?', '#']).unwrap_or(path.len())].to_string()
}

/// Percent-decodes one URL component. Invalid escapes or bytes that are not UTF-8 are errors
/// that name the component but not its content.
fn decode(s: &str, what: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex(*b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => {
                    return Err(usage(format!(
                        "invalid percent-encoding in the URL's {what}; write a literal \"%\" as %25"
                    )))
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    if out.contains(&0) {
        return Err(usage(format!("the URL's {what} contains %00")));
    }
    String::from_utf8(out).map_err(|_| {
        usage(format!(
            "the URL's {what} is not valid UTF-8 after percent-decoding"
        ))
    })
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<(String, String)> {
        match parse(s) {
            Ok(v) => v,
            Err(e) => panic!("parse({s:?}) failed: {e}"),
        }
    }

    /// Found by the fuzzer (src/fuzz.rs): the URL parser removed dot segments.
    #[test]
    fn a_database_named_dot_is_kept() {
        for (url, db) in [
            ("postgres://h/%2E", "."),
            ("postgres://h/%2e%2E", ".."),
            ("postgres://h/..", ".."),
        ] {
            assert_eq!(
                p(url),
                [
                    ("host".to_string(), "h".to_string()),
                    ("dbname".to_string(), db.to_string())
                ]
            );
        }
        assert_eq!(
            p("postgres://h?dbname=x"),
            [
                ("host".to_string(), "h".to_string()),
                ("dbname".to_string(), "x".to_string())
            ]
        );
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn err(s: &str) -> String {
        match parse(s) {
            Ok(v) => panic!("parse({s:?}) succeeded: {v:?}"),
            Err(Error::Usage(m)) => m,
            Err(e) => panic!("parse({s:?}) gave a non-usage error: {e}"),
        }
    }

    #[test]
    fn empty_string_gives_nothing() {
        assert!(p("").is_empty());
        assert!(p("   \t\n").is_empty());
    }

    #[test]
    fn key_value_basic_and_spaces_around_equals() {
        assert_eq!(
            p("host=db.example.com  port = 5433\tdbname= app user =bob"),
            kv(&[
                ("host", "db.example.com"),
                ("port", "5433"),
                ("dbname", "app"),
                ("user", "bob")
            ])
        );
    }

    #[test]
    fn key_value_quoting_and_escapes() {
        assert_eq!(
            p(r"password='it\'s a \\ test' user='a b'"),
            kv(&[("password", r"it's a \ test"), ("user", "a b")])
        );
        assert_eq!(p(r"password=a\ b"), kv(&[("password", "a b")]));
        assert_eq!(p("dbname=''"), kv(&[("dbname", "")]));
        assert_eq!(p("host='x'port=1"), kv(&[("host", "x"), ("port", "1")]));
        assert_eq!(p(r"user=trailing\"), kv(&[("user", "trailing")]));
    }

    #[test]
    fn key_value_last_duplicate_wins_in_first_position() {
        assert_eq!(
            p("port=1 host=h port=2"),
            kv(&[("port", "2"), ("host", "h")])
        );
    }

    #[test]
    fn key_value_errors_name_the_problem() {
        assert!(err("host").contains("key=value"));
        assert!(err("mydb").contains("postgres:// URL or key=value"));
        assert!(err("hots=x").contains("unknown connection option \"hots\""));
        assert_eq!(
            p("service=x requiressl=1"),
            kv(&[("service", "x"), ("sslmode", "require")])
        );
        assert_eq!(p("requiressl=0"), kv(&[("sslmode", "prefer")]));
        assert_eq!(
            p("postgresql:///d?requiressl=1"),
            kv(&[("dbname", "d"), ("sslmode", "require")])
        );
        // The alias is not a keyword of its own: what comes last sets sslmode.
        assert_eq!(
            p("requiressl=1 sslmode=disable"),
            kv(&[("sslmode", "disable")])
        );
        assert!(err("=x").contains("no keyword"));
        assert!(err("ssl=true").contains("unknown connection option \"ssl\""));
        assert!(!err("ho$t=x").contains("ho$t"));
        assert!(err("password='abc").contains("no closing quote"));
        assert!(err("host=x port").contains("after the value of \"host\""));
    }

    #[test]
    fn key_value_errors_never_show_password_fragments() {
        // An unquoted space inside a password splits it into a stray word.
        let m = err("user=bob password=hunter two=x");
        assert!(!m.contains("two"), "{m}");
        let m = err("password=hunter two");
        assert!(!m.contains("two") && !m.contains("hunter"), "{m}");
        let m = err("password='hunter2");
        assert!(!m.contains("hunter2"), "{m}");
        let m = err("hunter2");
        assert!(!m.contains("hunter2"), "{m}");
    }

    #[test]
    fn url_basic() {
        assert_eq!(
            p("postgres://bob:secret@db.example.com:5433/app?sslmode=verify-full&application_name=x"),
            kv(&[
                ("user", "bob"),
                ("password", "secret"),
                ("host", "db.example.com"),
                ("port", "5433"),
                ("dbname", "app"),
                ("sslmode", "verify-full"),
                ("application_name", "x"),
            ])
        );
        assert_eq!(p("postgresql://"), kv(&[]));
        assert_eq!(
            p(" \tpostgres://h/d \n"),
            kv(&[("host", "h"), ("dbname", "d")])
        );
        assert_eq!(p("postgres:///app"), kv(&[("dbname", "app")]));
        assert_eq!(p("postgres://h"), kv(&[("host", "h")]));
        assert_eq!(
            p("postgres://u:p@ss@h/d"),
            kv(&[
                ("user", "u"),
                ("password", "p@ss"),
                ("host", "h"),
                ("dbname", "d")
            ])
        );
    }

    #[test]
    fn url_empty_host_like_libpq() {
        assert_eq!(
            p("postgres://bob@/app?host=/var/run/postgresql"),
            kv(&[
                ("user", "bob"),
                ("dbname", "app"),
                ("host", "/var/run/postgresql")
            ])
        );
        assert_eq!(
            p("postgres://bob:pw@:5433/app"),
            kv(&[
                ("user", "bob"),
                ("password", "pw"),
                ("port", "5433"),
                ("dbname", "app")
            ])
        );
        assert_eq!(p("postgresql://:5433"), kv(&[("port", "5433")]));
        assert_eq!(p("postgresql://@"), kv(&[]));
    }

    #[test]
    fn url_percent_decoding() {
        assert_eq!(
            p("postgres://b%40b:p%40ss%3Aw%2Fo%25rd+x@h/my%20db?options=-c%20search_path%3Dx"),
            kv(&[
                ("user", "b@b"),
                ("password", "p@ss:w/o%rd+x"),
                ("host", "h"),
                ("dbname", "my db"),
                ("options", "-c search_path=x"),
            ])
        );
    }

    #[test]
    fn url_socket_directories() {
        assert_eq!(
            p("postgresql:///app?host=/var/run/postgresql&port=5433"),
            kv(&[
                ("dbname", "app"),
                ("host", "/var/run/postgresql"),
                ("port", "5433")
            ])
        );
        assert_eq!(
            p("postgresql://%2Ftmp%2Fpg/app"),
            kv(&[("host", "/tmp/pg"), ("dbname", "app")])
        );
    }

    #[test]
    fn url_ipv6() {
        assert_eq!(
            p("postgres://u@[::1]:5433/d"),
            kv(&[
                ("user", "u"),
                ("host", "::1"),
                ("port", "5433"),
                ("dbname", "d")
            ])
        );
        assert_eq!(
            p("postgres://[2001:db8::1]/d"),
            kv(&[("host", "2001:db8::1"), ("dbname", "d")])
        );
    }

    #[test]
    fn url_ssl_true_means_require() {
        assert_eq!(
            p("postgres://h/?ssl=true"),
            kv(&[("host", "h"), ("sslmode", "require")])
        );
    }

    #[test]
    fn url_errors() {
        for (url, says) in [
            ("postgres://h:notaport/d", "invalid URL"),
            ("postgres://[::1/d", "invalid URL"),
            (
                "postgres://h/d?bogus=1",
                "unknown connection option \"bogus\"",
            ),
            ("postgres://h/d?sslmode", "has no \"=\""),
            ("postgres://h/a/b", "more than one segment"),
            ("postgres://h/d%zz", "percent-encoding"),
            ("postgres://h1,h2:x/d", "not a number"),
            ("postgres://h1,[::1/d", "closing"),
        ] {
            assert!(err(url).contains(says), "{url}: {}", err(url));
        }
    }

    #[test]
    fn url_host_lists() {
        assert_eq!(
            p("postgres://u@h1:5433,[::1],h3:7/d?target_session_attrs=read-write"),
            kv(&[
                ("user", "u"),
                ("host", "h1,::1,h3"),
                ("port", "5433,,7"),
                ("dbname", "d"),
                ("target_session_attrs", "read-write"),
            ])
        );
        assert_eq!(p("postgres://a,b"), kv(&[("host", "a,b")]));
    }

    #[test]
    fn url_errors_never_show_the_password() {
        for s in [
            "postgres://u:s3cr%zzZq7@h/d",
            "postgres://u:s3cr#Zq7@h/d",
            "postgres://u:s3crZq7@h:x/d",
            "postgres://h/d?password=s3cr&Zq7",
            "postgres://h/d?password=s3cr&Zq7=1",
            "postgres://u:s3cr%ffZq7@h/d",
        ] {
            let m = err(s);
            assert!(!m.contains("s3cr") && !m.contains("Zq7"), "{s}: {m}");
        }
    }

    #[test]
    fn never_panics_on_awkward_input() {
        for s in [
            "'",
            "\\",
            "=",
            "==",
            "a=",
            "a='",
            "a='\\",
            "postgres://",
            "postgres://@",
            "postgres://:@:/?&=&",
            "postgres://%",
            "postgres://[",
            "postgres://h/%e2%82",
            "postgres://h/?=",
            "host=\u{0}",
            "postgres://h/\u{1F600}",
            "\u{0b}host=x",
        ] {
            let _ = parse(s);
        }
    }
}
