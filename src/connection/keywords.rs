//! Every connection keyword and environment variable libpq 18 documents, and what
//! connect-pg-admin does with each: honour it as libpq does, or refuse it before connecting
//! with one line that names it and says what to do. Nothing is left out and ignored: a keyword
//! or variable missing here is an unknown option, and docs/connection.md is checked against
//! this list by a test.
//!
//! Reference: <https://www.postgresql.org/docs/18/libpq-connect.html#LIBPQ-PARAMKEYWORDS>,
//! <https://www.postgresql.org/docs/18/libpq-envars.html>.

/// What the tool does with a keyword or variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Honoured,
    /// Refused whenever it is set (to a non-empty value); the text says what to do instead.
    Refused(&'static str),
}

pub struct Keyword {
    pub name: &'static str,
    pub env: Option<&'static str>,
    pub handling: Handling,
}

const fn honoured(name: &'static str, env: Option<&'static str>) -> Keyword {
    Keyword {
        name,
        env,
        handling: Handling::Honoured,
    }
}

const fn refused(name: &'static str, env: Option<&'static str>, why: &'static str) -> Keyword {
    Keyword {
        name,
        env,
        handling: Handling::Refused(why),
    }
}

const NO_GSS: &str = "connect-pg-admin has no GSSAPI support (like a libpq built without it); remove it and use password or certificate authentication";
const NO_OAUTH: &str = "connect-pg-admin has no OAuth support; remove it and use password or certificate authentication";

/// In libpq's order (PQconninfoOptions in fe-connect.c). `requiressl` is not one: libpq
/// knows it only as an alias for sslmode in connection strings (conninfo.rs), so a service
/// file that sets it is refused like any unknown keyword.
pub const KEYWORDS: &[Keyword] = &[
    honoured("service", Some("PGSERVICE")),
    honoured("servicefile", Some("PGSERVICEFILE")),
    honoured("user", Some("PGUSER")),
    honoured("password", Some("PGPASSWORD")),
    honoured("passfile", Some("PGPASSFILE")),
    honoured("channel_binding", Some("PGCHANNELBINDING")),
    honoured("connect_timeout", Some("PGCONNECT_TIMEOUT")),
    honoured("dbname", Some("PGDATABASE")),
    honoured("host", Some("PGHOST")),
    honoured("hostaddr", Some("PGHOSTADDR")),
    honoured("port", Some("PGPORT")),
    honoured("client_encoding", Some("PGCLIENTENCODING")),
    honoured("options", Some("PGOPTIONS")),
    honoured("application_name", Some("PGAPPNAME")),
    honoured("fallback_application_name", None),
    honoured("keepalives", None),
    honoured("keepalives_idle", None),
    honoured("keepalives_interval", None),
    honoured("keepalives_count", None),
    honoured("tcp_user_timeout", None),
    honoured("sslmode", Some("PGSSLMODE")),
    honoured("sslnegotiation", Some("PGSSLNEGOTIATION")),
    honoured("sslcompression", Some("PGSSLCOMPRESSION")),
    honoured("sslcert", Some("PGSSLCERT")),
    honoured("sslkey", Some("PGSSLKEY")),
    honoured("sslcertmode", Some("PGSSLCERTMODE")),
    honoured("sslpassword", None),
    refused(
        "sslkeylogfile",
        None,
        "connect-pg-admin does not write TLS key logs; remove it (capture keys with another client)",
    ),
    honoured("sslrootcert", Some("PGSSLROOTCERT")),
    refused(
        "sslcrl",
        Some("PGSSLCRL"),
        "certificate revocation lists are not supported; remove it, or revoke by replacing the server's certificate and CA",
    ),
    refused(
        "sslcrldir",
        Some("PGSSLCRLDIR"),
        "certificate revocation lists are not supported; remove it, or revoke by replacing the server's certificate and CA",
    ),
    honoured("sslsni", Some("PGSSLSNI")),
    refused(
        "requirepeer",
        Some("PGREQUIREPEER"),
        "the server process's user cannot be checked by this client; remove it and rely on the socket directory's permissions",
    ),
    refused(
        "require_auth",
        Some("PGREQUIREAUTH"),
        "allowed authentication methods cannot be restricted by this client; remove it (channel_binding=require still forces SCRAM with channel binding)",
    ),
    honoured("ssl_min_protocol_version", Some("PGSSLMINPROTOCOLVERSION")),
    honoured("ssl_max_protocol_version", Some("PGSSLMAXPROTOCOLVERSION")),
    honoured("min_protocol_version", Some("PGMINPROTOCOLVERSION")),
    honoured("max_protocol_version", Some("PGMAXPROTOCOLVERSION")),
    honoured("gssencmode", Some("PGGSSENCMODE")),
    refused("krbsrvname", Some("PGKRBSRVNAME"), NO_GSS),
    refused("gsslib", Some("PGGSSLIB"), NO_GSS),
    refused("gssdelegation", Some("PGGSSDELEGATION"), NO_GSS),
    honoured("replication", None),
    honoured("target_session_attrs", Some("PGTARGETSESSIONATTRS")),
    honoured("load_balance_hosts", Some("PGLOADBALANCEHOSTS")),
    refused(
        "scram_client_key",
        None,
        "SCRAM pass-through keys are for postgres_fdw and dblink; remove it and give password=",
    ),
    refused(
        "scram_server_key",
        None,
        "SCRAM pass-through keys are for postgres_fdw and dblink; remove it and give password=",
    ),
    refused("oauth_issuer", None, NO_OAUTH),
    refused("oauth_client_id", None, NO_OAUTH),
    refused("oauth_client_secret", None, NO_OAUTH),
    refused("oauth_scope", None, NO_OAUTH),
];

/// Environment variables libpq reads that belong to no keyword.
pub const OTHER_ENV: &[(&str, Handling)] = &[
    // sslmode=require when set to a value starting with 1 and sslmode is set nowhere else.
    ("PGREQUIRESSL", Handling::Honoured),
    // Where the system-wide service file lives.
    ("PGSYSCONFDIR", Handling::Honoured),
    (
        "PGDATESTYLE",
        Handling::Refused("connect-pg-admin pins its session's DateStyle; unset it"),
    ),
    (
        "PGTZ",
        Handling::Refused("connect-pg-admin pins its session's TimeZone to UTC; unset it"),
    ),
    (
        "PGGEQO",
        Handling::Refused("connect-pg-admin runs with the server's geqo setting; unset it"),
    ),
    (
        "PGLOCALEDIR",
        Handling::Refused("connect-pg-admin's messages are not translated; unset it"),
    ),
];

pub fn find(name: &str) -> Option<&'static Keyword> {
    KEYWORDS.iter().find(|k| k.name == name)
}

/// Every environment variable libpq reads, with what the tool does with it.
#[cfg(test)]
fn all_env() -> impl Iterator<Item = (&'static str, Handling)> {
    KEYWORDS
        .iter()
        .filter_map(|k| k.env.map(|e| (e, k.handling)))
        .chain(OTHER_ENV.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_variables_are_unique() {
        let mut names: Vec<&str> = KEYWORDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KEYWORDS.len());
        let mut vars: Vec<&str> = all_env().map(|(v, _)| v).collect();
        let n = vars.len();
        vars.sort_unstable();
        vars.dedup();
        assert_eq!(vars.len(), n);
    }

    /// The rows of docs/connection.md's table: keyword, variable, handling.
    fn doc_rows() -> Vec<(String, String, String)> {
        let doc = include_str!("../../docs/connection.md");
        crate::doc_section(
            doc,
            "<!-- keyword table: begin -->",
            "<!-- keyword table: end -->",
        )
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| keyword") && !l.starts_with("| ---"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
    }

    #[test]
    fn the_docs_table_lists_every_keyword_and_variable_as_handled() {
        let handling = |h: Handling| match h {
            Handling::Honoured => "honoured",
            Handling::Refused(_) => "refused",
        };
        let mut code: Vec<(String, String, String)> = KEYWORDS
            .iter()
            .map(|k| {
                (
                    k.name.to_string(),
                    k.env.unwrap_or("").to_string(),
                    handling(k.handling).to_string(),
                )
            })
            .chain(
                OTHER_ENV
                    .iter()
                    .map(|(v, h)| (String::new(), v.to_string(), handling(*h).to_string())),
            )
            .collect();
        let mut doc = doc_rows();
        code.sort();
        doc.sort();
        assert_eq!(
            doc, code,
            "docs/connection.md's table differs from keywords.rs"
        );
    }

    #[test]
    fn lookups() {
        assert_eq!(find("sslmode").and_then(|k| k.env), Some("PGSSLMODE"));
        assert!(find("bogus").is_none());
        assert!(matches!(
            find("gsslib").map(|k| k.handling),
            Some(Handling::Refused(_))
        ));
    }
}
