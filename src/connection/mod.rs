//! Connecting exactly where psql connects, or refusing: the connection string (`--dsn`, else
//! DATABASE_URL), service files, the libpq environment and ~/.pgpass resolved as libpq 18 does,
//! TLS per sslmode, several hosts with target_session_attrs, the redacted description of the
//! target that messages may show, and one sentence for a failed attempt.
//!
//! One concern per file: `keywords` (every libpq keyword and variable: honoured or refused),
//! `conninfo` (parsing), `service` (pg_service.conf), `precedence` (connection string, service, environment), `params` (checks and defaults),
//! `pgpass`, `tls`, `attempt` (hosts, fallbacks, session attributes), `explain` (messages).
//!
//! Reference: <https://www.postgresql.org/docs/current/libpq-connect.html>,
//! <https://www.postgresql.org/docs/current/libpq-envars.html>,
//! <https://www.postgresql.org/docs/current/libpq-ssl.html>.

mod attempt;
pub mod conninfo;
mod explain;
pub mod keywords;
mod params;
pub mod pgpass;
mod precedence;
mod service;
mod tls;

use std::path::Path;
use std::sync::OnceLock;

use crate::error::Result;
use params::{Defaults, HostSpec, Params, Source, Target};
use tls::TlsPlan;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectOpts {
    /// Connection string: a postgres:// URL or libpq key=value pairs. Unset parts come from
    /// a service file (service=, PGSERVICE) and the libpq environment (PGHOST, PGPORT, PGUSER,
    /// PGDATABASE, PGPASSWORD, PGSSLMODE, PGTARGETSESSIONATTRS, ...) and ~/.pgpass, as in
    /// psql; docs/connection.md lists every keyword and variable.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "DSN"
    )]
    pub dsn: Option<String>,
}

/// Fully resolved connection settings. connect_timeout follows libpq (seconds; 0 or negative
/// waits indefinitely; 1 means 2) except that unset means 10 seconds instead of forever.
pub struct Settings {
    params: Params,
    tls: TlsPlan,
    /// The host that gave the first session; later sessions (connect_as) go there too.
    reached: OnceLock<usize>,
    redacted: String,
}

// Params holds the password: Debug shows only the redacted target.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("target", &self.redacted)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn resolve(opts: &ConnectOpts) -> Result<Settings> {
        let env = |name: &str| std::env::var(name).ok();
        // libpq 18 (pqGetHomeDirectory) and std agree: $HOME, else the passwd entry.
        let home = std::env::home_dir().filter(|h| !h.as_os_str().is_empty());
        let defaults = Defaults {
            os_user: whoami::username().ok().filter(|u| !u.is_empty()),
            home: home.clone(),
            utf8_locale: utf8_locale(&env),
            read_file: |p: &Path| std::fs::read_to_string(p).ok(),
        };
        let params = params::resolve(opts.dsn.as_deref(), &env, &defaults)?;
        Settings::from_params(params, home.as_deref(), &|p: &Path| p.exists())
    }

    /// Whether the password came from the connection string (--dsn or DATABASE_URL).
    pub fn password_in_connection_string(&self) -> bool {
        matches!(self.params.password, Some((_, Source::ConnectionString)))
    }

    fn from_params(
        params: Params,
        home: Option<&Path>,
        exists: &dyn Fn(&Path) -> bool,
    ) -> Result<Settings> {
        let tls = if params.hosts.iter().all(HostSpec::is_socket) {
            // libpq never starts TLS over a Unix socket, so it never opens a certificate, key
            // or root file there: only the checks it makes on the settings themselves apply.
            tls::mode(&params.tls)?;
            TlsPlan::Off
        } else {
            let tls = tls::plan(&params.tls, home, exists)?;
            if let TlsPlan::On(on) = &tls {
                // Only to report unreadable certificate files now rather than at connect time.
                tls::connector(on, Default::default())?;
            }
            tls
        };
        let redacted = describe(&params.hosts, &params.user, &params.dbname);
        Ok(Settings {
            params,
            tls,
            reached: OnceLock::new(),
            redacted,
        })
    }

    /// Connects as the resolved user.
    pub fn connect(&self) -> Result<postgres::Client> {
        self.open(&self.params.user, None)
    }

    /// The server `connect` reached, another role and password.
    pub fn connect_as(&self, user: &str, password: &str) -> Result<postgres::Client> {
        self.open(user, Some(password))
    }

    /// Whether the connection's options (`options=`, PGOPTIONS) set `role` themselves, as
    /// `-c role=NAME`, `-crole=NAME` or `--role=NAME`.
    pub fn options_set_role(&self) -> bool {
        options_set_role(self.params.options.as_deref().unwrap_or_default())
    }

    /// The target as a URL without the password, e.g. `postgres://bob@db:5432/app`; safe
    /// for any message or log.
    pub fn redacted(&self) -> String {
        self.redacted.clone()
    }

    /// Where a session landed (sql/tool/print_target.sql): port|standby|user|database|tls.
    pub fn print_target(client: &mut postgres::Client) -> Result<String> {
        client
            .query_one(tool_sql!("print_target"), &[])
            .and_then(|row| row.try_get::<_, String>(0))
            .map_err(|e| crate::error::Error::from_db("reading where the session landed", &e))
    }
}

/// libpq's client_encoding=auto takes the locale's codeset, as setlocale(LC_ALL, "") sees it.
fn utf8_locale(env: &dyn Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| env(v).filter(|s| !s.is_empty()))
        .is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        })
}

/// Where one host is, as libpq's messages put it.
fn where_(spec: &HostSpec) -> String {
    match &spec.target {
        Target::Socket(dir) => format!(
            "socket \"{}\"",
            dir.join(format!(".s.PGSQL.{}", spec.port)).display()
        ),
        Target::Tcp { host, hostaddr } => {
            let h = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            match hostaddr {
                Some(a) if a.to_string() != *host => format!("{h} ({a}) port {}", spec.port),
                _ => format!("{h}:{}", spec.port),
            }
        }
    }
}

/// A connection URL without the password, valid for libpq except that it is a description.
fn describe(hosts: &[HostSpec], user: &str, dbname: &str) -> String {
    let user = encode(user, false);
    let db = encode(dbname, false);
    let mut authority = Vec::new();
    let mut query = Vec::new();
    for spec in hosts {
        match &spec.target {
            Target::Socket(dir) => {
                query.push(format!("host={}", encode(&dir.to_string_lossy(), true)));
                query.push(format!("port={}", spec.port));
            }
            Target::Tcp { host, hostaddr } => {
                let h = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    encode(host, false)
                };
                authority.push(format!("{h}:{}", spec.port));
                if let Some(a) = hostaddr.filter(|a| a.to_string() != *host) {
                    query.push(format!("hostaddr={a}"));
                }
            }
        }
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("postgres://{user}@{}/{db}{query}", authority.join(","))
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` in paths).
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn redacted(dsn: &str, vars: &[(&str, &str)]) -> String {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let defaults = Defaults {
            os_user: Some("u".into()),
            home: None,
            utf8_locale: true,
            read_file: |_| None,
        };
        let p = params::resolve(Some(dsn), &env, &defaults).expect("resolves");
        let s = Settings::from_params(p, None, &|_| false).expect("settings");
        assert!(!format!("{s:?}").contains("hunter2"), "{s:?}");
        s.redacted()
    }

    #[test]
    fn redaction_never_contains_the_password() {
        for (dsn, vars) in [
            ("postgres://bob:hunter2@db.example.com/app", vec![]),
            ("user=bob password='hunter2' host=/tmp dbname=app", vec![]),
            ("host=db.example.com", vec![("PGPASSWORD", "hunter2")]),
            (
                "postgres://bob:hunter2@[::1]:5433,h2/app?hostaddr=::1,10.0.0.1",
                vec![],
            ),
        ] {
            assert!(!redacted(dsn, &vars).contains("hunter2"));
        }
    }

    #[test]
    fn redacted_form() {
        for (dsn, want) in [
            (
                "postgres://bob:pw@db.example.com/app",
                "postgres://bob@db.example.com:5432/app",
            ),
            (
                "host=/var/run/postgresql user=postgres",
                "postgres://postgres@/postgres?host=/var/run/postgresql&port=5432",
            ),
            (
                "host=::1 port=5433 user='a b' dbname=x/y",
                "postgres://a%20b@[::1]:5433/x%2Fy",
            ),
            (
                "host=db hostaddr=10.0.0.1 user=u dbname=d",
                "postgres://u@db:5432/d?hostaddr=10.0.0.1",
            ),
            (
                "host=a,b port=1,2 user=u dbname=d",
                "postgres://u@a:1,b:2/d",
            ),
        ] {
            assert_eq!(redacted(dsn, &[]), want, "{dsn}");
        }
    }

    fn settings(dsn: &str) -> Result<Settings> {
        let defaults = Defaults {
            os_user: Some("u".into()),
            home: Some(PathBuf::from("/home/u")),
            utf8_locale: true,
            read_file: |_| None,
        };
        let p = params::resolve(Some(dsn), &|_: &str| None, &defaults)?;
        Settings::from_params(p, defaults.home.as_deref(), &|_| false)
    }

    #[test]
    fn certificate_files_matter_only_when_a_host_uses_tcp() {
        let files = "sslmode=verify-full sslrootcert=/missing/root.crt sslcert=/missing/c.crt";
        for hosts in ["host=/tmp", "host=/tmp,/var/run/postgresql", ""] {
            let s = settings(&format!("{hosts} {files}")).expect("a socket never uses TLS");
            assert_eq!(s.tls, TlsPlan::Off, "{hosts}");
        }
        for hosts in ["host=db", "host=/tmp,db", "host=/tmp hostaddr=127.0.0.1"] {
            match settings(&format!("{hosts} {files}")) {
                Err(crate::error::Error::Usage(m)) => assert!(m.contains("root.crt"), "{m}"),
                other => panic!("{hosts}: {other:?}"),
            }
        }
        // What libpq checks before connecting holds for sockets too.
        assert!(settings("host=/tmp sslrootcert=system sslmode=require").is_err());
        assert!(settings("host=/tmp sslmode=verify").is_err());
    }

    #[test]
    fn where_names_sockets_and_addresses() {
        let spec = HostSpec {
            target: Target::Socket(PathBuf::from("/s")),
            port: 5433,
            pgpass_host: "/s".into(),
        };
        assert_eq!(where_(&spec), "socket \"/s/.s.PGSQL.5433\"");
        let spec = HostSpec {
            target: Target::Tcp {
                host: "db".into(),
                hostaddr: Some("10.0.0.1".parse().expect("address")),
            },
            port: 1,
            pgpass_host: "db".into(),
        };
        assert_eq!(where_(&spec), "db (10.0.0.1) port 1");
    }

    #[test]
    fn locale_codeset() {
        let env = |v: &'static [(&'static str, &'static str)]| {
            move |k: &str| v.iter().find(|(n, _)| *n == k).map(|(_, x)| x.to_string())
        };
        assert!(utf8_locale(&env(&[("LANG", "en_US.UTF-8")])));
        assert!(!utf8_locale(&env(&[
            ("LC_ALL", "C"),
            ("LANG", "en_US.UTF-8")
        ])));
        assert!(!utf8_locale(&env(&[])));
    }

    #[test]
    fn encode_keeps_unreserved_only() {
        assert_eq!(encode("a-b_c.d~e", false), "a-b_c.d~e");
        assert_eq!(encode("a b@c/d", false), "a%20b%40c%2Fd");
        assert_eq!(encode("/var/run", true), "/var/run");
        assert_eq!(encode("é", false), "%C3%A9");
    }
}

fn options_set_role(options: &str) -> bool {
    let words: Vec<&str> = options.split_whitespace().collect();
    words.iter().enumerate().any(|(i, w)| {
        w.starts_with("-crole=")
            || w.starts_with("--role=")
            || (*w == "-c" && words.get(i + 1).is_some_and(|n| n.starts_with("role=")))
    })
}

#[cfg(test)]
mod role_option_tests {
    #[test]
    fn a_role_in_the_options_is_recognized_in_each_spelling() {
        for yes in [
            "-c role=app",
            "-crole=app",
            "--role=app",
            "-c search_path=x -c role=a",
        ] {
            assert!(super::options_set_role(yes), "{yes}");
        }
        for no in [
            "",
            "-c search_path=role",
            "-c rolex=1",
            "-c application_name=role=x",
        ] {
            assert!(!super::options_set_role(no), "{no}");
        }
    }
}
