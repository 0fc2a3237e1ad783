//! Settings and precedence: what the connection string, the service file, the libpq
//! environment and the defaults say, merged in libpq's order (connection string, then service,
//! then environment variable, then default) and checked the way libpq's `connectOptions2`
//! checks them, before any file but the service file is read and before anything connects.
//!
//! A keyword present with an empty value blocks the ones after it and means "the default",
//! as in libpq, except for the enumerated settings (sslmode, target_session_attrs, ...), where
//! libpq rejects the empty value.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::precedence::{invalid, merge, refuse, Merged};
use crate::error::{Error, Result};

pub const DEFAULT_PORT: u16 = 5432;
pub const DEFAULT_APPLICATION_NAME: &str = "connect-pg-admin";
/// libpq waits forever when connect_timeout is unset; this tool mostly runs in CI, where a
/// hung job is worse than a clear timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Debian's DEFAULT_PGSOCKET_DIR, the only directory its psql uses when no host is given.
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// Where a server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A directory holding the server's `.s.PGSQL.<port>` socket.
    Socket(PathBuf),
    /// `host` is the name for TLS checks, pgpass and messages; `hostaddr`, when given, is
    /// where we actually connect, as in libpq.
    Tcp {
        host: String,
        hostaddr: Option<IpAddr>,
    },
}

/// One entry of the host list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    pub target: Target,
    pub port: u16,
    /// What the host field of a password-file line must match: libpq's key, from host= as
    /// written (even a socket directory used with hostaddr=), else hostaddr= (pgpass::host_name).
    pub pgpass_host: String,
}

impl HostSpec {
    pub fn is_socket(&self) -> bool {
        matches!(self.target, Target::Socket(_))
    }
}

/// A keyword's value and where it came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    ConnectionString,
    Service(PathBuf),
    Env(&'static str),
}

impl Source {
    pub fn describe(&self, key: &str) -> String {
        match self {
            Source::ConnectionString => format!("{key}= in the connection string"),
            Source::Service(f) => format!("{key}= in the service file \"{}\"", f.display()),
            Source::Env(var) => var.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslModeSetting {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslModeSetting {
    pub fn name(self) -> &'static str {
        match self {
            SslModeSetting::Disable => "disable",
            SslModeSetting::Allow => "allow",
            SslModeSetting::Prefer => "prefer",
            SslModeSetting::Require => "require",
            SslModeSetting::VerifyCa => "verify-ca",
            SslModeSetting::VerifyFull => "verify-full",
        }
    }
}

/// libpq's target_session_attrs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl SessionAttrs {
    /// The values libpq accepts, in the order its error message lists them.
    const NAMES: &'static [(&'static str, SessionAttrs)] = &[
        ("any", SessionAttrs::Any),
        ("read-write", SessionAttrs::ReadWrite),
        ("read-only", SessionAttrs::ReadOnly),
        ("primary", SessionAttrs::Primary),
        ("standby", SessionAttrs::Standby),
        ("prefer-standby", SessionAttrs::PreferStandby),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// A passphrase that Debug output (test failures included) must never show.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// TLS settings before any file is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsParams {
    pub sslmode: SslModeSetting,
    /// sslrootcert=system implies verify-full only when sslmode was not given.
    pub sslmode_given: bool,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<PathBuf>,
    pub sslkey: Option<PathBuf>,
    /// sslcertmode=disable: never send a client certificate.
    pub send_cert: bool,
    pub sslpassword: Option<Secret>,
    pub min_version: Option<openssl::ssl::SslVersion>,
    pub max_version: Option<openssl::ssl::SslVersion>,
    pub sni: bool,
    pub compression: bool,
    pub direct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keepalives {
    pub on: bool,
    pub idle: Option<Duration>,
    pub interval: Option<Duration>,
    pub count: Option<u32>,
}

/// Everything the connection string, service file and environment say, checked and
/// defaulted.
pub struct Params {
    pub hosts: Vec<HostSpec>,
    pub user: String,
    pub dbname: String,
    pub password: Option<(String, Source)>,
    pub passfile: Option<PathBuf>,
    pub tls: TlsParams,
    pub channel_binding: ChannelBinding,
    pub connect_timeout: Option<Duration>,
    pub application_name: String,
    pub options: Option<String>,
    pub keepalives: Keepalives,
    pub tcp_user_timeout: Option<Duration>,
    pub session_attrs: SessionAttrs,
    pub load_balance: bool,
}

/// Facts about the machine that the defaults depend on, separated so resolution can be tested
/// without touching the real environment.
pub struct Defaults {
    pub os_user: Option<String>,
    pub home: Option<PathBuf>,
    /// Whether the process's locale uses UTF-8 (client_encoding=auto).
    pub utf8_locale: bool,
    pub read_file: fn(&Path) -> Option<String>,
}

/// Picks one of `names` for an enumerated keyword; empty is invalid, as in libpq.
pub(super) fn choice<T: Copy>(m: &Merged, key: &str, default: T, names: &[(&str, T)]) -> Result<T> {
    let Some((v, src)) = m.raw(key) else {
        return Ok(default);
    };
    names
        .iter()
        .find(|(n, _)| *n == v)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
            invalid(key, v, src, &format!("use {}", list.join(", ")))
        })
}

/// libpq's parse_int_param: an integer with optional surrounding blanks.
fn int(m: &Merged, key: &str) -> Result<Option<i64>> {
    match m.get(key) {
        None => Ok(None),
        Some((v, src)) => v
            .trim()
            .parse::<i32>()
            .map(|n| Some(i64::from(n)))
            .map_err(|_| invalid(key, v, src, "give a whole number")),
    }
}

fn secs(n: Option<i64>) -> Option<Duration> {
    n.map(|n| Duration::from_secs(n.max(0).unsigned_abs()))
}

pub fn resolve(
    dsn: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    defaults: &Defaults,
) -> Result<Params> {
    let m = merge(dsn, env, defaults)?;
    refuse(&m, env)?;

    let hosts = host_list(&m)?;
    let user = match m.get("user") {
        Some((u, _)) => u.to_string(),
        None => defaults.os_user.clone().ok_or_else(|| {
            Error::Usage(
                "could not determine the user name to connect as; give user= in --dsn or set PGUSER"
                    .into(),
            )
        })?,
    };
    let dbname = m
        .get("dbname")
        .map_or_else(|| user.clone(), |(d, _)| d.to_string());

    let tls = super::tls::params(&m)?;
    let channel_binding = choice(
        &m,
        "channel_binding",
        ChannelBinding::Prefer,
        &[
            ("disable", ChannelBinding::Disable),
            ("prefer", ChannelBinding::Prefer),
            ("require", ChannelBinding::Require),
        ],
    )?;
    if channel_binding == ChannelBinding::Require && tls.sslmode == SslModeSetting::Disable {
        return Err(Error::Usage(
            "channel_binding=require needs TLS, but sslmode is disable; use sslmode=require (or stronger), or drop channel_binding=require".into(),
        ));
    }
    // Without GSSAPI, libpq accepts disable and prefer (which then never uses it) and refuses
    // require.
    let gss = choice(
        &m,
        "gssencmode",
        true,
        &[("disable", true), ("prefer", true), ("require", false)],
    )?;
    if !gss {
        return Err(Error::Usage(
            "gssencmode=require needs GSSAPI encryption, which connect-pg-admin does not have (like a libpq built without GSSAPI); use gssencmode=disable and sslmode for encryption".into(),
        ));
    }
    let session_attrs = choice(
        &m,
        "target_session_attrs",
        SessionAttrs::Any,
        SessionAttrs::NAMES,
    )?;
    let load_balance = choice(
        &m,
        "load_balance_hosts",
        false,
        &[("disable", false), ("random", true)],
    )?;
    protocol_range(&m)?;
    client_encoding(&m, defaults.utf8_locale)?;
    if let Some((v, src)) = m.get("replication") {
        if !matches!(
            v.to_ascii_lowercase().as_str(),
            "0" | "false" | "off" | "no"
        ) {
            return Err(Error::Usage(format!(
                "{} asks for a replication connection; connect-pg-admin needs a normal session, so remove it",
                src.describe("replication")
            )));
        }
    }

    let connect_timeout = match int(&m, "connect_timeout")? {
        None => Some(DEFAULT_CONNECT_TIMEOUT),
        Some(s) if s <= 0 => None,
        // libpq: "The minimum allowed timeout is 2 seconds, therefore a value of 1 is
        // interpreted as 2."
        Some(s) => secs(Some(s.max(2))),
    };
    // libpq reads the TCP settings only when it opens a TCP socket (PQconnectPoll), never
    // for a Unix socket; and with keepalives=0 it reads none of the others, tcp_user_timeout
    // included.
    let tcp = hosts.iter().any(|h| !h.is_socket());
    let on = !tcp || int(&m, "keepalives")?.is_none_or(|n| n != 0);
    let tcp_int = |key: &str| if tcp && on { int(&m, key) } else { Ok(None) };
    let keepalives = Keepalives {
        on,
        idle: secs(tcp_int("keepalives_idle")?),
        interval: secs(tcp_int("keepalives_interval")?),
        count: tcp_int("keepalives_count")?.map(|n| n.max(0).unsigned_abs() as u32),
    };
    let tcp_user_timeout =
        tcp_int("tcp_user_timeout")?.map(|ms| Duration::from_millis(ms.max(0).unsigned_abs()));

    let passfile = m
        .get("passfile")
        .map(|(v, _)| PathBuf::from(v))
        .or_else(|| defaults.home.as_ref().map(|h| h.join(".pgpass")));
    let application_name = m
        .get("application_name")
        .or_else(|| m.get("fallback_application_name"))
        .map_or(DEFAULT_APPLICATION_NAME, |(v, _)| v)
        .to_string();

    Ok(Params {
        hosts,
        user,
        dbname,
        password: m.get("password").map(|(v, s)| (v.to_string(), s.clone())),
        passfile,
        tls,
        channel_binding,
        connect_timeout,
        application_name,
        options: m.get("options").map(|(v, _)| v.to_string()),
        keepalives,
        tcp_user_timeout,
        session_attrs,
        load_balance,
    })
}

/// libpq's host, hostaddr and port lists: one port for all hosts or one per host, a hostaddr
/// per host when given, empty entries meaning the default.
fn host_list(m: &Merged) -> Result<Vec<HostSpec>> {
    // libpq splits host, hostaddr and port lists without trimming; a port is then read as a
    // number, which allows blanks around it (see the port parsing below).
    let split = |key: &str| -> Vec<String> {
        m.get(key)
            .map(|(v, _)| v.split(',').map(str::to_string).collect())
            .unwrap_or_default()
    };
    let hosts = split("host");
    let addrs = split("hostaddr");
    let ports = split("port");
    let n = hosts.len().max(addrs.len()).max(1);
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        return Err(Error::Usage(format!(
            "could not match {} host names to {} hostaddr values; give one hostaddr per host",
            hosts.len(),
            addrs.len()
        )));
    }
    if ports.len() > 1 && ports.len() != n {
        return Err(Error::Usage(format!(
            "could not match {} port numbers to {n} hosts; give one port, or one per host",
            ports.len()
        )));
    }
    let src = |key: &str| {
        m.get(key)
            .map(|(_, s)| s.clone())
            .unwrap_or(Source::ConnectionString)
    };
    (0..n)
        .map(|i| {
            let port = match ports
                .get(if ports.len() == 1 { 0 } else { i })
                .map(String::as_str)
            {
                None | Some("") => DEFAULT_PORT,
                Some(v) => match v.trim().parse::<u16>() {
                    Ok(p) if p != 0 => p,
                    _ => {
                        return Err(invalid(
                            "port",
                            v,
                            &src("port"),
                            "give a number from 1 to 65535",
                        ))
                    }
                },
            };
            let addr = match addrs.get(i).map(String::as_str) {
                None | Some("") => None,
                Some(v) => Some(v.parse::<IpAddr>().map_err(|_| {
                    invalid(
                        "hostaddr",
                        v,
                        &src("hostaddr"),
                        "give a numeric IPv4 or IPv6 address (use host= for names)",
                    )
                })?),
            };
            let host = hosts.get(i).map(String::as_str).unwrap_or("");
            let pgpass_host =
                super::pgpass::host_name(host, addrs.get(i).map_or("", String::as_str));
            let target = match (host, addr) {
                // hostaddr wins over a socket directory, as in libpq.
                (h, Some(a)) if !h.is_empty() && !h.starts_with('/') => Target::Tcp {
                    host: h.to_string(),
                    hostaddr: Some(a),
                },
                (_, Some(a)) => Target::Tcp {
                    host: a.to_string(),
                    hostaddr: Some(a),
                },
                ("", None) => Target::Socket(PathBuf::from(DEFAULT_SOCKET_DIR)),
                (h, None) if h.starts_with('/') => Target::Socket(PathBuf::from(h)),
                (h, None) => Target::Tcp {
                    host: h.to_string(),
                    hostaddr: None,
                },
            };
            Ok(HostSpec {
                target,
                port,
                pgpass_host,
            })
        })
        .collect()
}

/// libpq 18's protocol version range; the driver speaks 3.0 only, so the range must allow it.
fn protocol_range(m: &Merged) -> Result<()> {
    for (key, ok) in [
        ("min_protocol_version", &["3.0"][..]),
        ("max_protocol_version", &["3.0", "3.2", "latest"][..]),
    ] {
        if let Some((v, src)) = m.get(key) {
            if !ok.contains(&v) {
                let known = ["3.0", "3.2", "latest"].contains(&v);
                return Err(if known {
                    Error::Usage(format!(
                        "{} asks for protocol {v}, but connect-pg-admin speaks protocol 3.0 only; remove it or allow 3.0",
                        src.describe(key)
                    ))
                } else {
                    invalid(key, v, src, "use 3.0, 3.2 or latest")
                });
            }
        }
    }
    Ok(())
}

/// The driver always sets client_encoding to UTF8; any other encoding is refused rather than
/// silently replaced.
fn client_encoding(m: &Merged, utf8_locale: bool) -> Result<()> {
    let Some((v, src)) = m.get("client_encoding") else {
        return Ok(());
    };
    let norm: String = v
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if norm == "utf8" || norm == "unicode" || (norm == "auto" && utf8_locale) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} is \"{v}\", but connect-pg-admin always talks UTF8 to the server; set it to UTF8 or remove it",
        src.describe("client_encoding")
    )))
}

#[cfg(test)]
mod tests;
