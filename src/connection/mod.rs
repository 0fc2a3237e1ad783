//! Connection settings resolved the way psql resolves them (flags, URL or key=value
//! connection string, DATABASE_URL, the libpq environment, ~/.pgpass), TLS per sslmode, the
//! redacted description of the target that messages may show, and the translation of a failed
//! connection attempt into one sentence that says what to do.
//!
//! Resolution order for every libpq keyword: the connection string (`--dsn`, else
//! DATABASE_URL), then its libpq environment variable, then psql's default. A keyword present
//! in the connection string with an empty value blocks the environment variable and means "use
//! the default", exactly as in libpq.
//!
//! Reference: <https://www.postgresql.org/docs/current/libpq-connect.html>,
//! <https://www.postgresql.org/docs/current/libpq-envars.html>,
//! <https://www.postgresql.org/docs/current/libpq-ssl.html>.

pub mod conninfo;
pub mod pgpass;

use std::error::Error as StdError;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use postgres::config::SslMode;
use postgres::error::SqlState;
use postgres_openssl::MakeTlsConnector;

use crate::error::{one_line, Error, Result};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnectOpts {
    /// Connection string: a postgres:// URL or libpq key=value pairs. Unset parts come from
    /// the libpq environment (PGHOST, PGHOSTADDR, PGPORT, PGUSER, PGDATABASE, PGPASSWORD,
    /// PGPASSFILE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGCONNECT_TIMEOUT, PGAPPNAME,
    /// PGOPTIONS) and ~/.pgpass, as in psql.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "DSN"
    )]
    pub dsn: Option<String>,
}

const DEFAULT_PORT: u16 = 5432;
const DEFAULT_APPLICATION_NAME: &str = "connect-pg-admin";
/// libpq waits forever when connect_timeout is unset; this tool mostly runs in CI, where a
/// hung job is worse than a clear timeout.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Where Debian/Ubuntu, Red Hat and upstream builds put the server's socket, in the order we
/// probe them; the first is also the default when none has a socket yet.
const SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH (x509_vfy.h);
/// the openssl crate has no named constants for them.
const X509_V_ERR_HOSTNAME_MISMATCH: i32 = 62;
const X509_V_ERR_IP_ADDRESS_MISMATCH: i32 = 64;

/// The environment variable libpq reads for each keyword.
const ENV_VARS: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("dbname", "PGDATABASE"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("passfile", "PGPASSFILE"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("options", "PGOPTIONS"),
    ("application_name", "PGAPPNAME"),
    ("sslmode", "PGSSLMODE"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
    ("sslrootcert", "PGSSLROOTCERT"),
];

/// Fully resolved connection settings.
///
/// `config` carries host, port, user, database, password and timeouts, but TLS certificate
/// checks live outside it: connect through [`Settings::connect`], not `config.connect`.
///
/// connect_timeout follows libpq (seconds; 0 or negative waits indefinitely; 1 means 2) except
/// that unset means 10 seconds instead of forever. It bounds the TCP or socket connection to
/// each address; the whole attempt, TLS and authentication included, gets the same time plus
/// two seconds.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: postgres::Config,
    target: Target,
    port: u16,
    user: String,
    dbname: String,
    password: PasswordSource,
    connect_timeout: Option<Duration>,
    tls: TlsPlan,
    redacted: String,
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A directory holding the server's `.s.PGSQL.<port>` socket.
    Socket(PathBuf),
    /// `host` is the name for TLS checks and messages; `hostaddr`, when given, is where we
    /// actually connect, as in libpq.
    Tcp {
        host: String,
        hostaddr: Option<IpAddr>,
    },
}

/// Where the password came from, so an authentication failure can say which one to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasswordSource {
    ConnectionString,
    Environment,
    File(PathBuf),
    /// Passed to `connect_as` by the caller.
    Explicit,
    /// No password; `note` says why the password file did not supply one, if it was looked at.
    None {
        note: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SslModeSetting {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslModeSetting {
    fn parse(s: &str) -> Option<SslModeSetting> {
        Some(match s {
            "disable" => SslModeSetting::Disable,
            "allow" => SslModeSetting::Allow,
            "prefer" => SslModeSetting::Prefer,
            "require" => SslModeSetting::Require,
            "verify-ca" => SslModeSetting::VerifyCa,
            "verify-full" => SslModeSetting::VerifyFull,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
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

#[derive(Debug, Clone, PartialEq, Eq)]
enum TlsPlan {
    /// sslmode=disable, or a Unix socket (libpq never uses TLS over sockets, whatever sslmode).
    Off,
    On {
        mode: SslModeSetting,
        verify: Verify,
        client_cert: Option<(PathBuf, PathBuf)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verify {
    /// Encrypt, trust any certificate.
    Nothing,
    /// Check the chain against `roots`, and the host name if `hostname`. `implied` is set when
    /// sslmode=require verifies only because a root certificate file exists (libpq's
    /// backwards-compatible rule), so messages can explain why.
    Chain {
        roots: Roots,
        hostname: bool,
        implied: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    File(PathBuf),
    System,
}

impl Roots {
    fn describe(&self) -> String {
        match self {
            Roots::File(p) => format!("the root certificate file \"{}\"", p.display()),
            Roots::System => "the system's trusted CAs".into(),
        }
    }
}

/// The first certificate check OpenSSL failed, recorded by our verify callback because the
/// error that reaches us from postgres-openssl only carries it as text.
#[derive(Debug, Clone)]
struct VerifyFailure {
    code: i32,
    text: &'static str,
}

/// A keyword's value and where it came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    ConnectionString,
    Env(&'static str),
}

impl Source {
    fn describe(self, key: &str) -> String {
        match self {
            Source::ConnectionString => format!("{key}= in the connection string"),
            Source::Env(var) => var.to_string(),
        }
    }
}

/// Facts about the machine that the defaults depend on, separated so resolution can be tested
/// without touching the real environment.
struct Defaults<'a> {
    os_user: Option<String>,
    home: Option<PathBuf>,
    socket_dir: &'a dyn Fn(u16) -> PathBuf,
}

/// Everything the connection string and environment say, checked and defaulted, before any
/// file is read.
struct Params {
    target: Target,
    port: u16,
    user: String,
    dbname: String,
    password: Option<(String, Source)>,
    passfile: Option<PathBuf>,
    sslmode: SslModeSetting,
    sslmode_given: bool,
    sslrootcert: Option<String>,
    sslcert: Option<PathBuf>,
    sslkey: Option<PathBuf>,
    connect_timeout: Option<Duration>,
    application_name: String,
    options: Option<String>,
}

impl Settings {
    pub fn resolve(opts: &ConnectOpts) -> Result<Settings> {
        let env = |name: &str| std::env::var(name).ok();
        let (pw_name, pw_dir) = passwd_entry();
        // libpq also prefers $HOME to the passwd entry for ~/.pgpass and ~/.postgresql.
        let home = env("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or(pw_dir);
        let defaults = Defaults {
            os_user: pw_name.or_else(|| env("USER").filter(|u| !u.is_empty())),
            home: home.clone(),
            socket_dir: &find_socket_dir,
        };
        let params = resolve_params(opts.dsn.as_deref(), &env, &defaults)?;
        Settings::from_params(params, home.as_deref(), &|p: &Path| p.exists())
    }

    /// Whether the password came from the connection string (--dsn or DATABASE_URL).
    pub fn password_in_connection_string(&self) -> bool {
        self.password == PasswordSource::ConnectionString
    }

    /// Connects as the resolved user.
    pub fn connect(&self) -> Result<postgres::Client> {
        self.open(&self.config, &self.user, &self.password, &self.redacted)
    }

    /// Same host, port, database and TLS settings, another role and password.
    pub fn connect_as(&self, user: &str, password: &str) -> Result<postgres::Client> {
        let mut config = self.config.clone();
        config.user(user).password(password);
        let redacted = describe(&self.target, self.port, user, &self.dbname);
        self.open(&config, user, &PasswordSource::Explicit, &redacted)
    }

    /// The target as a URL without the password, e.g. `postgres://bob@db:5432/app`; safe
    /// for any message or log.
    pub fn redacted(&self) -> String {
        self.redacted.clone()
    }

    fn from_params(
        p: Params,
        home: Option<&Path>,
        exists: &dyn Fn(&Path) -> bool,
    ) -> Result<Settings> {
        let tls = tls_plan(&p, home, exists)?;
        if let TlsPlan::On { .. } = tls {
            // Only to report unreadable certificate files now rather than at connect time.
            make_connector(&tls, Arc::new(Mutex::new(None)))?;
        }

        let (password, file_password) = match &p.password {
            Some((_, Source::ConnectionString)) => (PasswordSource::ConnectionString, None),
            Some((_, Source::Env(_))) => (PasswordSource::Environment, None),
            None => match &p.passfile {
                Some(file) => {
                    let hosts = pgpass_hosts(&p.target);
                    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
                    password_from_file(file, &hosts, &p.port.to_string(), &p.dbname, &p.user)
                }
                None => (PasswordSource::None { note: None }, None),
            },
        };

        let mut config = postgres::Config::new();
        match &p.target {
            Target::Socket(dir) => {
                config.host_path(dir);
            }
            Target::Tcp { host, hostaddr } => {
                config.host(host);
                if let Some(addr) = hostaddr {
                    config.hostaddr(*addr);
                }
            }
        }
        config
            .port(p.port)
            .user(&p.user)
            .dbname(&p.dbname)
            .application_name(&p.application_name);
        if let Some(options) = &p.options {
            config.options(options);
        }
        if let Some(timeout) = p.connect_timeout {
            config.connect_timeout(timeout);
        }
        if let Some(pw) = p
            .password
            .as_ref()
            .map(|(pw, _)| pw)
            .or(file_password.as_ref())
        {
            config.password(pw);
        }
        config.ssl_mode(match &tls {
            TlsPlan::Off => SslMode::Disable,
            TlsPlan::On {
                mode: SslModeSetting::Allow | SslModeSetting::Prefer,
                ..
            } => SslMode::Prefer,
            // verify-ca and verify-full are Require at the protocol level; the certificate
            // checks happen in the OpenSSL connector.
            TlsPlan::On { .. } => SslMode::Require,
        });

        let redacted = describe(&p.target, p.port, &p.user, &p.dbname);
        Ok(Settings {
            config,
            target: p.target,
            port: p.port,
            user: p.user,
            dbname: p.dbname,
            password,
            connect_timeout: p.connect_timeout,
            tls,
            redacted,
        })
    }

    fn open(
        &self,
        config: &postgres::Config,
        user: &str,
        password: &PasswordSource,
        redacted: &str,
    ) -> Result<postgres::Client> {
        let fail = |reason: String| Error::Connection {
            target: redacted.to_string(),
            reason,
        };
        let failure = Arc::new(Mutex::new(None));
        let attempt = match &self.tls {
            TlsPlan::Off => connect_within(config.clone(), postgres::NoTls, self.connect_timeout),
            TlsPlan::On { .. } => {
                let tls = make_connector(&self.tls, failure.clone())?;
                connect_within(config.clone(), tls, self.connect_timeout)
            }
        };
        match attempt {
            Ok(client) => Ok(client),
            Err(Attempt::Failed(e)) => {
                let verify = failure.lock().ok().and_then(|f| f.clone());
                Err(fail(self.explain(&e, user, password, verify.as_ref())))
            }
            Err(Attempt::Stalled(after)) => Err(fail(format!(
                "{} accepted the connection but did not finish the startup (TLS, authentication) within {} s; check the server's log and load, or raise connect_timeout (PGCONNECT_TIMEOUT)",
                self.where_(),
                after.as_secs()
            ))),
            Err(Attempt::Vanished) => Err(fail(
                "the connection attempt ended without a result (internal error); run the command again".into(),
            )),
        }
    }

    /// One sentence for a failed connection attempt: what went wrong and what to try.
    fn explain(
        &self,
        e: &postgres::Error,
        user: &str,
        password: &PasswordSource,
        verify: Option<&VerifyFailure>,
    ) -> String {
        if let Some(db) = e.as_db_error() {
            let msg = one_line(db.message());
            let code = db.code();
            return if *code == SqlState::INVALID_PASSWORD {
                format!(
                    "password authentication failed for user \"{user}\"; {}",
                    password_advice(password)
                )
            } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
                format!(
                    "the server refused user \"{user}\" ({msg}); check the user name (user= in --dsn, or PGUSER) and the server's pg_hba.conf"
                )
            } else if *code == SqlState::INVALID_CATALOG_NAME {
                format!(
                    "database \"{}\" does not exist; create it (createdb) or name an existing one with dbname= in --dsn or PGDATABASE",
                    self.dbname
                )
            } else if *code == SqlState::CANNOT_CONNECT_NOW {
                format!("the server is starting up or shutting down ({msg}); try again in a moment")
            } else if *code == SqlState::TOO_MANY_CONNECTIONS {
                format!("the server has no free connection slots ({msg}); try again later or raise max_connections")
            } else {
                format!("the server refused the connection: {msg}")
            };
        }

        let chain = error_chain(e);
        let mode = match &self.tls {
            TlsPlan::On { mode, .. } => mode.name(),
            TlsPlan::Off => "disable",
        };

        if let (
            Some(v),
            TlsPlan::On {
                verify: Verify::Chain { roots, implied, .. },
                ..
            },
        ) = (verify, &self.tls)
        {
            if v.code == X509_V_ERR_HOSTNAME_MISMATCH || v.code == X509_V_ERR_IP_ADDRESS_MISMATCH {
                return format!(
                    "the server's certificate does not match the host name \"{}\" (sslmode={mode}); connect using a name the certificate lists, or use sslmode=verify-ca to check only that a trusted CA signed it",
                    self.tls_host()
                );
            }
            let advice = if *implied {
                "; sslmode=require checks the certificate whenever a root certificate file is configured or ~/.postgresql/root.crt exists, as libpq does: point sslrootcert (PGSSLROOTCERT) at the CA that signed the server's certificate, or remove that file".to_string()
            } else {
                format!(" (sslmode={mode}); set sslrootcert or PGSSLROOTCERT to the CA certificate that signed the server's certificate")
            };
            return format!(
                "the server's certificate could not be verified against {}: {}{advice}",
                roots.describe(),
                v.text
            );
        }

        if chain
            .iter()
            .any(|m| m.contains("server does not support TLS"))
        {
            return format!(
                "the server at {} does not support TLS, but sslmode={mode} requires it; enable ssl on the server, or use sslmode=prefer (or disable) if an unencrypted connection is acceptable",
                self.where_()
            );
        }
        if e.to_string().starts_with("error performing TLS handshake") {
            return format!(
                "the TLS handshake with {} failed ({}); check the server's ssl settings and certificates (sslmode={mode})",
                self.where_(),
                chain.join(": ")
            );
        }
        if chain.iter().any(|m| m == "password missing") {
            return format!(
                "the server asks for a password for user \"{user}\"; {}",
                password_advice(password)
            );
        }

        if let Some(io) = io_error(e) {
            use std::io::ErrorKind;
            let text = io.to_string();
            if io.kind() == ErrorKind::TimedOut {
                let after = match self.connect_timeout {
                    Some(t) => format!(" after {} s", t.as_secs()),
                    None => String::new(),
                };
                return format!(
                    "timed out{after} connecting to {}; check the host, port and firewalls, or raise connect_timeout (PGCONNECT_TIMEOUT)",
                    self.where_()
                );
            }
            if text.contains("lookup address") || text.contains("Name or service not known") {
                return format!(
                    "cannot resolve the host name \"{}\" ({}); check the spelling in host= (--dsn) or PGHOST",
                    self.tls_host(),
                    one_line(&text)
                );
            }
            if e.to_string().starts_with("error connecting to server") {
                return match &self.target {
                    Target::Socket(_) => format!(
                        "no server is listening on {} ({}); check that PostgreSQL is running on this machine, or set host= and port= in --dsn (or PGHOST and PGPORT)",
                        self.where_(),
                        one_line(&text)
                    ),
                    Target::Tcp { .. } => format!(
                        "cannot reach the server at {} ({}); check that PostgreSQL is running and accepts TCP connections there, or set host= and port= in --dsn (or PGHOST and PGPORT)",
                        self.where_(),
                        one_line(&text)
                    ),
                };
            }
            return format!(
                "the connection to {} broke during startup ({}); check the server's log",
                self.where_(),
                one_line(&text)
            );
        }

        one_line(&chain.join(": "))
    }

    /// The host name as TLS checks and DNS see it.
    fn tls_host(&self) -> String {
        match &self.target {
            Target::Tcp { host, .. } => host.clone(),
            Target::Socket(dir) => dir.display().to_string(),
        }
    }

    /// Where we tried to connect, as libpq's messages put it.
    fn where_(&self) -> String {
        match &self.target {
            Target::Socket(dir) => format!(
                "socket \"{}\"",
                dir.join(format!(".s.PGSQL.{}", self.port)).display()
            ),
            Target::Tcp { host, hostaddr } => {
                let h = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                match hostaddr {
                    Some(a) if a.to_string() != *host => format!("{h} ({a}) port {}", self.port),
                    _ => format!("{h}:{}", self.port),
                }
            }
        }
    }
}

fn password_advice(password: &PasswordSource) -> String {
    match password {
        PasswordSource::ConnectionString => {
            "the password in the connection string was refused; correct it".into()
        }
        PasswordSource::Environment => "the password in PGPASSWORD was refused; correct it".into(),
        PasswordSource::File(f) => format!(
            "the password from the matching line of \"{}\" was refused; correct that line",
            f.display()
        ),
        PasswordSource::Explicit => "the password given for this role was refused".into(),
        PasswordSource::None { note } => {
            let mut s = String::from(
                "no password was given: set PGPASSWORD, or add a host:port:database:user:password line to ~/.pgpass (or the file PGPASSFILE names)",
            );
            if let Some(note) = note {
                s.push_str(" (");
                s.push_str(note);
                s.push(')');
            }
            s
        }
    }
}

enum Attempt {
    Failed(postgres::Error),
    /// The watchdog fired; carries the time waited.
    Stalled(Duration),
    /// The connecting thread died without answering.
    Vanished,
}

/// Extra time the watchdog allows beyond connect_timeout, so that a socket-level timeout,
/// whose message is more precise, reports first when both would fire.
const WATCHDOG_GRACE: Duration = Duration::from_secs(2);

/// `config.connect`, but giving up when `timeout` (plus grace) has passed. tokio-postgres
/// applies connect_timeout to the socket connection only, while libpq bounds the whole
/// attempt; a server that accepts and then stalls would otherwise hang a CI job forever. The
/// blocking client cannot be cancelled, so the abandoned attempt's thread is left to die with
/// the process.
fn connect_within<T>(
    config: postgres::Config,
    tls: T,
    timeout: Option<Duration>,
) -> std::result::Result<postgres::Client, Attempt>
where
    T: postgres::tls::MakeTlsConnect<postgres::Socket> + 'static + Send,
    T::TlsConnect: Send,
    T::Stream: Send,
    <T::TlsConnect as postgres::tls::TlsConnect<postgres::Socket>>::Future: Send,
{
    let Some(timeout) = timeout else {
        return config.connect(tls).map_err(Attempt::Failed);
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pg-connect".into())
        .spawn(move || {
            // The receiver is gone only if we already gave up; nothing left to tell.
            let _ = tx.send(config.connect(tls));
        })
        .map_err(|_| Attempt::Vanished)?;
    let limit = timeout + WATCHDOG_GRACE;
    match rx.recv_timeout(limit) {
        Ok(result) => result.map_err(Attempt::Failed),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Attempt::Stalled(limit)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Attempt::Vanished),
    }
}

/// The messages of an error and its causes, outermost first.
fn error_chain(e: &postgres::Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push(one_line(&c.to_string()));
        cur = c.source();
    }
    out
}

fn io_error(e: &postgres::Error) -> Option<&std::io::Error> {
    let mut cur = e.source();
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = c.source();
    }
    None
}

/// The connection string's keywords, then the environment's for the rest. Values stay raw;
/// an empty value is kept so it can block the environment variable.
fn merge(
    dsn: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String, Source)>> {
    let mut out: Vec<(String, String, Source)> = conninfo::parse(dsn.unwrap_or(""))?
        .into_iter()
        .map(|(k, v)| (k, v, Source::ConnectionString))
        .collect();
    for (key, var) in ENV_VARS {
        if out.iter().any(|(k, _, _)| k == key) {
            continue;
        }
        if let Some(v) = env(var) {
            out.push((key.to_string(), v, Source::Env(var)));
        }
    }
    Ok(out)
}

fn resolve_params(
    dsn: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    defaults: &Defaults,
) -> Result<Params> {
    let merged = merge(dsn, env)?;
    let get = |key: &str| -> Option<(&str, Source)> {
        merged
            .iter()
            .find(|(k, _, _)| k == key)
            .filter(|(_, v, _)| !v.is_empty())
            .map(|(_, v, s)| (v.as_str(), *s))
    };

    let port = match get("port") {
        None => DEFAULT_PORT,
        Some((v, src)) => match v.trim().parse::<u16>() {
            Ok(p) if p != 0 => p,
            _ => {
                return Err(Error::Usage(format!(
                    "invalid port \"{v}\" in {}; give a number from 1 to 65535",
                    src.describe("port")
                )))
            }
        },
    };

    let hostaddr = match get("hostaddr") {
        None => None,
        Some((v, src)) => Some(v.trim().parse::<IpAddr>().map_err(|_| {
            Error::Usage(format!(
                "invalid hostaddr \"{v}\" in {}; give a numeric IPv4 or IPv6 address (use host= for names)",
                src.describe("hostaddr")
            ))
        })?),
    };

    let host = get("host");
    if let Some((h, src)) = host {
        if h.contains(',') {
            return Err(Error::Usage(format!(
                "{} lists several hosts; connect-pg-admin connects to one, so give a single host",
                src.describe("host")
            )));
        }
    }
    let target = match (host, hostaddr) {
        // hostaddr wins over a socket directory, as in libpq; TLS then checks the address.
        (Some((h, _)), Some(addr)) if !h.starts_with('/') => Target::Tcp {
            host: h.to_string(),
            hostaddr: Some(addr),
        },
        (_, Some(addr)) => Target::Tcp {
            host: addr.to_string(),
            hostaddr: Some(addr),
        },
        (Some((h, _)), None) if h.starts_with('/') => Target::Socket(PathBuf::from(h)),
        (Some((h, _)), None) => Target::Tcp {
            host: h.to_string(),
            hostaddr: None,
        },
        (None, None) => Target::Socket((defaults.socket_dir)(port)),
    };

    let user = match get("user") {
        Some((u, _)) => u.to_string(),
        None => defaults.os_user.clone().ok_or_else(|| {
            Error::Usage(
                "could not determine the user name to connect as; give user= in --dsn or set PGUSER"
                    .into(),
            )
        })?,
    };
    let dbname = get("dbname").map_or_else(|| user.clone(), |(d, _)| d.to_string());

    let sslmode_value = get("sslmode");
    let sslmode = match sslmode_value {
        None => SslModeSetting::Prefer,
        Some((v, src)) => SslModeSetting::parse(v).ok_or_else(|| {
            Error::Usage(format!(
                "invalid sslmode \"{v}\" in {}; use disable, allow, prefer, require, verify-ca or verify-full",
                src.describe("sslmode")
            ))
        })?,
    };

    let connect_timeout = match get("connect_timeout") {
        None => Some(DEFAULT_CONNECT_TIMEOUT),
        Some((v, src)) => match v.trim().parse::<i64>() {
            Ok(s) if s <= 0 => None,
            // libpq: "The minimum allowed timeout is 2 seconds, therefore a value of 1 is
            // interpreted as 2."
            Ok(s) => Some(Duration::from_secs(s.max(2).unsigned_abs())),
            Err(_) => {
                return Err(Error::Usage(format!(
                    "invalid connect_timeout \"{v}\" in {}; give a whole number of seconds (0 waits indefinitely)",
                    src.describe("connect_timeout")
                )))
            }
        },
    };

    let path_of = |key: &str| get(key).map(|(v, _)| PathBuf::from(v));
    let passfile =
        path_of("passfile").or_else(|| defaults.home.as_ref().map(|h| h.join(".pgpass")));

    Ok(Params {
        target,
        port,
        user,
        dbname,
        password: get("password").map(|(v, s)| (v.to_string(), s)),
        passfile,
        sslmode,
        sslmode_given: sslmode_value.is_some(),
        sslrootcert: get("sslrootcert").map(|(v, _)| v.to_string()),
        sslcert: path_of("sslcert"),
        sslkey: path_of("sslkey"),
        connect_timeout,
        application_name: get("application_name")
            .map_or(DEFAULT_APPLICATION_NAME, |(v, _)| v)
            .to_string(),
        options: get("options").map(|(v, _)| v.to_string()),
    })
}

/// libpq's defaults for the certificate files, under ~/.postgresql.
fn tls_plan(p: &Params, home: Option<&Path>, exists: &dyn Fn(&Path) -> bool) -> Result<TlsPlan> {
    let system = p.sslrootcert.as_deref() == Some("system");
    // libpq 16+: sslrootcert=system makes verify-full the default and forbids weaker modes,
    // since the system store trusts any public CA and only the host name check means much.
    let mode = if system && !p.sslmode_given {
        SslModeSetting::VerifyFull
    } else {
        p.sslmode
    };
    if mode == SslModeSetting::Disable || matches!(p.target, Target::Socket(_)) {
        return Ok(TlsPlan::Off);
    }
    if system && mode != SslModeSetting::VerifyFull {
        return Err(Error::Usage(format!(
            "sslrootcert=system needs sslmode=verify-full (got sslmode={}), as in libpq; set sslmode=verify-full",
            mode.name()
        )));
    }

    let dot_postgresql = home.map(|h| h.join(".postgresql"));
    let default_in_home = |name: &str| dot_postgresql.as_ref().map(|d| d.join(name));
    let root_path: Option<PathBuf> = match p.sslrootcert.as_deref() {
        Some("system") => None,
        Some(path) => Some(PathBuf::from(path)),
        None => default_in_home("root.crt"),
    };
    let roots = if system {
        Some(Roots::System)
    } else {
        root_path
            .as_ref()
            .filter(|p| exists(p))
            .map(|p| Roots::File(p.clone()))
    };

    let missing_root = || {
        let shown = match &root_path {
            Some(p) => format!("\"{}\"", p.display()),
            None => "~/.postgresql/root.crt".into(),
        };
        Error::Usage(format!(
            "sslmode={} needs the CA certificate that signed the server's certificate, but {shown} does not exist; set sslrootcert (or PGSSLROOTCERT) to that file, or sslrootcert=system for the system's trusted CAs",
            mode.name()
        ))
    };
    let verify = match mode {
        SslModeSetting::Allow | SslModeSetting::Prefer | SslModeSetting::Disable => Verify::Nothing,
        SslModeSetting::Require => match roots {
            // libpq: "if a root CA file exists, the behavior of sslmode=require will be the
            // same as that of verify-ca".
            Some(roots) => Verify::Chain {
                roots,
                hostname: false,
                implied: true,
            },
            None => Verify::Nothing,
        },
        SslModeSetting::VerifyCa => Verify::Chain {
            roots: roots.ok_or_else(missing_root)?,
            hostname: false,
            implied: false,
        },
        SslModeSetting::VerifyFull => Verify::Chain {
            roots: roots.ok_or_else(missing_root)?,
            hostname: true,
            implied: false,
        },
    };

    // libpq sends a client certificate only if the file exists, even when named explicitly.
    let cert = p
        .sslcert
        .clone()
        .or_else(|| default_in_home("postgresql.crt"));
    let client_cert = match cert.filter(|c| exists(c)) {
        None => None,
        Some(cert) => {
            let key = p
                .sslkey
                .clone()
                .or_else(|| default_in_home("postgresql.key"))
                .filter(|k| exists(k))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "the client certificate \"{}\" has no private key file; set sslkey (or PGSSLKEY) to it",
                        cert.display()
                    ))
                })?;
            Some((cert, key))
        }
    };

    Ok(TlsPlan::On {
        mode,
        verify,
        client_cert,
    })
}

/// Builds the OpenSSL connector for a plan. `failure` receives the first certificate check
/// that failed. Problems with local files are usage errors: the user must fix a path.
fn make_connector(
    plan: &TlsPlan,
    failure: Arc<Mutex<Option<VerifyFailure>>>,
) -> Result<MakeTlsConnector> {
    let TlsPlan::On {
        verify,
        client_cert,
        ..
    } = plan
    else {
        return Err(Error::Usage(
            "internal error: TLS connector for a plan without TLS".into(),
        ));
    };
    let ssl_err = |what: &str, e: openssl::error::ErrorStack| {
        Error::Usage(format!(
            "could not set up TLS: {what}: {}",
            one_line(&e.to_string())
        ))
    };

    let mut b = SslConnector::builder(SslMethod::tls_client())
        .map_err(|e| ssl_err("creating the OpenSSL context", e))?;
    // libpq's default ssl_min_protocol_version.
    b.set_min_proto_version(Some(SslVersion::TLS1_2))
        .map_err(|e| ssl_err("setting the minimum TLS version", e))?;

    let check_hostname = match verify {
        Verify::Nothing => {
            b.set_verify(SslVerifyMode::NONE);
            false
        }
        Verify::Chain {
            roots, hostname, ..
        } => {
            if let Roots::File(path) = roots {
                // A fresh store, so the CA file is the only trust anchor: the builder has
                // already loaded the system CAs, and libpq does not trust them here.
                let pem = std::fs::read(path).map_err(|e| {
                    Error::Usage(format!(
                        "cannot read the root certificate file \"{}\" ({e}); check sslrootcert or PGSSLROOTCERT",
                        path.display()
                    ))
                })?;
                let certs = X509::stack_from_pem(&pem).unwrap_or_default();
                if certs.is_empty() {
                    return Err(Error::Usage(format!(
                        "the root certificate file \"{}\" holds no PEM certificate; check sslrootcert or PGSSLROOTCERT",
                        path.display()
                    )));
                }
                let mut store = X509StoreBuilder::new()
                    .map_err(|e| ssl_err("creating a certificate store", e))?;
                for cert in certs {
                    store
                        .add_cert(cert)
                        .map_err(|e| ssl_err("adding a root certificate", e))?;
                }
                b.set_cert_store(store.build());
            }
            b.set_verify_callback(SslVerifyMode::PEER, move |ok, ctx| {
                if !ok {
                    if let Ok(mut slot) = failure.lock() {
                        if slot.is_none() {
                            let err = ctx.error();
                            *slot = Some(VerifyFailure {
                                code: err.as_raw(),
                                text: err.error_string(),
                            });
                        }
                    }
                }
                ok
            });
            *hostname
        }
    };

    if let Some((cert, key)) = client_cert {
        check_key_permissions(key)?;
        let file_err = |what: &str, path: &Path, e: openssl::error::ErrorStack| {
            Error::Usage(format!(
                "cannot use the {what} \"{}\" ({}); check sslcert/sslkey (PGSSLCERT/PGSSLKEY)",
                path.display(),
                one_line(&e.to_string())
            ))
        };
        b.set_certificate_chain_file(cert)
            .map_err(|e| file_err("client certificate", cert, e))?;
        b.set_private_key_file(key, SslFiletype::PEM)
            .map_err(|e| file_err("private key", key, e))?;
        b.check_private_key()
            .map_err(|e| file_err("private key", key, e))?;
    }

    let mut connector = MakeTlsConnector::new(b.build());
    connector.set_callback(move |cfg, _| {
        cfg.set_verify_hostname(check_hostname);
        Ok(())
    });
    Ok(connector)
}

/// libpq refuses a private key others can read, except a root-owned one readable by its group
/// (for keys shared with a service group).
fn check_key_permissions(key: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(key).map_err(|e| {
        Error::Usage(format!(
            "cannot read the private key file \"{}\" ({e}); check sslkey or PGSSLKEY",
            key.display()
        ))
    })?;
    let mode = meta.mode();
    let too_open = if meta.uid() == 0 {
        mode & 0o037 != 0
    } else {
        mode & 0o077 != 0
    };
    if too_open {
        return Err(Error::Usage(format!(
            "the private key file \"{}\" is accessible by group or others; chmod 0600 it",
            key.display()
        )));
    }
    Ok(())
}

fn pgpass_hosts(target: &Target) -> Vec<String> {
    match target {
        Target::Socket(dir) => vec!["localhost".into(), dir.to_string_lossy().into_owned()],
        Target::Tcp { host, .. } => vec![host.clone()],
    }
}

/// Looks the password up in the password file. Returns where the password came from (or why
/// the file gave none, for the authentication failure message) and the password itself.
fn password_from_file(
    path: &Path,
    hosts: &[&str],
    port: &str,
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
    match pgpass::lookup(&text, hosts, port, dbname, user) {
        // libpq treats an empty password like none.
        Some(pw) if !pw.is_empty() => (PasswordSource::File(path.to_path_buf()), Some(pw)),
        _ => none(Some(format!(
            "no line of \"{shown}\" matches {}:{port}:{dbname}:{user}",
            hosts.first().copied().unwrap_or("")
        ))),
    }
}

/// The first standard directory that holds the server's socket for `port`.
fn find_socket_dir(port: u16) -> PathBuf {
    use std::os::unix::fs::FileTypeExt;
    let name = format!(".s.PGSQL.{port}");
    SOCKET_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|dir| {
            std::fs::symlink_metadata(dir.join(&name))
                .map(|m| m.file_type().is_socket())
                .unwrap_or(false)
        })
        .unwrap_or_else(|| PathBuf::from(SOCKET_DIRS[0]))
}

/// The effective user's login name and home directory from the passwd database.
fn passwd_entry() -> (Option<String>, Option<PathBuf>) {
    use std::ffi::{CStr, OsStr};
    use std::os::unix::ffi::OsStrExt;

    let mut buf: Vec<libc::c_char> = vec![0; 4096];
    loop {
        // SAFETY: `pwd` and `result` are plain out-parameters; `buf` outlives every use of the
        // pointers getpwuid_r stores in `pwd`, which we copy out before returning.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(
                libc::geteuid(),
                &mut pwd,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            );
            if rc == libc::ERANGE && buf.len() < (1 << 20) {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc != 0 || result.is_null() {
                return (None, None);
            }
            let name = (!pwd.pw_name.is_null())
                .then(|| CStr::from_ptr(pwd.pw_name).to_str().ok().map(String::from))
                .flatten()
                .filter(|n| !n.is_empty());
            let dir = (!pwd.pw_dir.is_null())
                .then(|| PathBuf::from(OsStr::from_bytes(CStr::from_ptr(pwd.pw_dir).to_bytes())))
                .filter(|d| !d.as_os_str().is_empty());
            return (name, dir);
        }
    }
}

/// A connection URL without the password, valid for libpq except that it is a description.
fn describe(target: &Target, port: u16, user: &str, dbname: &str) -> String {
    let user = encode(user, false);
    let db = encode(dbname, false);
    match target {
        Target::Socket(dir) => format!(
            "postgres://{user}@/{db}?host={}&port={port}",
            encode(&dir.to_string_lossy(), true)
        ),
        Target::Tcp { host, hostaddr } => {
            let h = if host.contains(':') {
                format!("[{host}]")
            } else {
                encode(host, false)
            };
            let addr = match hostaddr {
                Some(a) if a.to_string() != *host => format!("?hostaddr={a}"),
                _ => String::new(),
            };
            format!("postgres://{user}@{h}:{port}/{db}{addr}")
        }
    }
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
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn defaults() -> Defaults<'static> {
        Defaults {
            os_user: Some("osuser".into()),
            home: Some(PathBuf::from("/home/osuser")),
            socket_dir: &|port| PathBuf::from(format!("/sock{port}")),
        }
    }

    fn params(dsn: Option<&str>, vars: &[(&str, &str)]) -> Params {
        match resolve_params(dsn, &env_of(vars), &defaults()) {
            Ok(p) => p,
            Err(e) => panic!("resolve failed: {e}"),
        }
    }

    fn usage_error(dsn: Option<&str>, vars: &[(&str, &str)]) -> String {
        match resolve_params(dsn, &env_of(vars), &defaults()) {
            Ok(_) => panic!("resolve succeeded"),
            Err(Error::Usage(m)) => m,
            Err(e) => panic!("not a usage error: {e}"),
        }
    }

    #[test]
    fn psql_defaults() {
        let p = params(None, &[]);
        assert_eq!(p.target, Target::Socket(PathBuf::from("/sock5432")));
        assert_eq!(p.port, 5432);
        assert_eq!(p.user, "osuser");
        assert_eq!(p.dbname, "osuser");
        assert!(p.password.is_none());
        assert_eq!(p.passfile, Some(PathBuf::from("/home/osuser/.pgpass")));
        assert_eq!(p.sslmode, SslModeSetting::Prefer);
        assert_eq!(p.connect_timeout, Some(Duration::from_secs(10)));
        assert_eq!(p.application_name, "connect-pg-admin");
        assert!(p.options.is_none());
    }

    #[test]
    fn socket_directory_probe_uses_the_resolved_port() {
        let p = params(None, &[("PGPORT", "5433")]);
        assert_eq!(p.target, Target::Socket(PathBuf::from("/sock5433")));
    }

    #[test]
    fn environment_fills_what_the_dsn_leaves_out() {
        let vars = [
            ("PGHOST", "envhost"),
            ("PGPORT", "6000"),
            ("PGUSER", "envuser"),
            ("PGDATABASE", "envdb"),
            ("PGPASSWORD", "envpw"),
            ("PGSSLMODE", "require"),
            ("PGAPPNAME", "envapp"),
            ("PGOPTIONS", "-c work_mem=1MB"),
            ("PGCONNECT_TIMEOUT", "5"),
            ("PGPASSFILE", "/etc/pgpass"),
        ];
        let p = params(None, &vars);
        assert_eq!(
            p.target,
            Target::Tcp {
                host: "envhost".into(),
                hostaddr: None
            }
        );
        assert_eq!(p.port, 6000);
        assert_eq!(p.user, "envuser");
        assert_eq!(p.dbname, "envdb");
        assert_eq!(
            p.password,
            Some(("envpw".into(), Source::Env("PGPASSWORD")))
        );
        assert_eq!(p.sslmode, SslModeSetting::Require);
        assert_eq!(p.application_name, "envapp");
        assert_eq!(p.options.as_deref(), Some("-c work_mem=1MB"));
        assert_eq!(p.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(p.passfile, Some(PathBuf::from("/etc/pgpass")));

        let p = params(
            Some("postgres://dsnuser:dsnpw@dsnhost:7000/dsndb?sslmode=disable"),
            &vars,
        );
        assert_eq!(
            p.target,
            Target::Tcp {
                host: "dsnhost".into(),
                hostaddr: None
            }
        );
        assert_eq!(p.port, 7000);
        assert_eq!(p.user, "dsnuser");
        assert_eq!(p.dbname, "dsndb");
        assert_eq!(p.password, Some(("dsnpw".into(), Source::ConnectionString)));
        assert_eq!(p.sslmode, SslModeSetting::Disable);
        // Not in the DSN, so still from the environment.
        assert_eq!(p.application_name, "envapp");
    }

    #[test]
    fn empty_dsn_value_blocks_the_environment_and_means_default() {
        let p = params(
            Some("host='' port=''"),
            &[("PGHOST", "envhost"), ("PGPORT", "1")],
        );
        assert_eq!(p.target, Target::Socket(PathBuf::from("/sock5432")));
        assert_eq!(p.port, 5432);
    }

    #[test]
    fn dbname_defaults_to_the_resolved_user() {
        assert_eq!(params(Some("user=alice"), &[]).dbname, "alice");
        assert_eq!(params(None, &[("PGUSER", "bob")]).dbname, "bob");
    }

    #[test]
    fn hosts_sockets_and_hostaddr() {
        let p = params(Some("host=/tmp/pg port=5439"), &[]);
        assert_eq!(p.target, Target::Socket(PathBuf::from("/tmp/pg")));
        let p = params(Some("postgres://[::1]:5433/d"), &[]);
        assert_eq!(
            p.target,
            Target::Tcp {
                host: "::1".into(),
                hostaddr: None
            }
        );
        let p = params(Some("host=db.example.com hostaddr=10.0.0.7"), &[]);
        assert_eq!(
            p.target,
            Target::Tcp {
                host: "db.example.com".into(),
                hostaddr: Some("10.0.0.7".parse().expect("an address"))
            }
        );
        let p = params(None, &[("PGHOSTADDR", "::1")]);
        assert_eq!(
            p.target,
            Target::Tcp {
                host: "::1".into(),
                hostaddr: Some("::1".parse().expect("an address"))
            }
        );
    }

    #[test]
    fn connect_timeout_follows_libpq() {
        let t = |v: &str| params(Some(&format!("connect_timeout={v}")), &[]).connect_timeout;
        assert_eq!(t("0"), None);
        assert_eq!(t("-3"), None);
        assert_eq!(t("1"), Some(Duration::from_secs(2)));
        assert_eq!(t("30"), Some(Duration::from_secs(30)));
    }

    #[test]
    fn bad_values_are_usage_errors_naming_the_source() {
        let m = usage_error(None, &[("PGPORT", "abc")]);
        assert!(m.contains("invalid port \"abc\" in PGPORT"), "{m}");
        let m = usage_error(Some("port=0"), &[]);
        assert!(m.contains("port= in the connection string"), "{m}");
        let m = usage_error(Some("sslmode=verify"), &[]);
        assert!(m.contains("invalid sslmode \"verify\""), "{m}");
        let m = usage_error(None, &[("PGCONNECT_TIMEOUT", "ten")]);
        assert!(m.contains("PGCONNECT_TIMEOUT"), "{m}");
        let m = usage_error(Some("hostaddr=db.example.com"), &[]);
        assert!(m.contains("invalid hostaddr"), "{m}");
        let m = usage_error(Some("host=a,b"), &[]);
        assert!(m.contains("several hosts"), "{m}");
        let m = usage_error(Some("bogus=1"), &[]);
        assert!(m.contains("unknown connection option \"bogus\""), "{m}");
    }

    #[test]
    fn missing_user_is_a_usage_error() {
        let d = Defaults {
            os_user: None,
            home: None,
            socket_dir: &|_| PathBuf::from("/s"),
        };
        match resolve_params(None, &env_of(&[]), &d) {
            Err(Error::Usage(m)) => assert!(m.contains("PGUSER"), "{m}"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("resolved without a user"),
        }
    }

    fn plan(dsn: &str, existing: &[&str]) -> Result<TlsPlan> {
        let p = params(Some(dsn), &[]);
        let existing: Vec<PathBuf> = existing.iter().map(PathBuf::from).collect();
        tls_plan(&p, Some(Path::new("/home/u")), &|path: &Path| {
            existing.iter().any(|e| e == path)
        })
    }

    fn plan_ok(dsn: &str, existing: &[&str]) -> TlsPlan {
        match plan(dsn, existing) {
            Ok(p) => p,
            Err(e) => panic!("{dsn}: {e}"),
        }
    }

    const HOME_ROOT: &str = "/home/u/.postgresql/root.crt";

    #[test]
    fn tls_off_for_sockets_and_disable() {
        assert_eq!(plan_ok("host=/tmp sslmode=verify-full", &[]), TlsPlan::Off);
        assert_eq!(
            plan_ok("host=db sslmode=disable", &[HOME_ROOT]),
            TlsPlan::Off
        );
    }

    #[test]
    fn prefer_and_require_do_not_verify_without_a_root_file() {
        for dsn in [
            "host=db",
            "host=db sslmode=allow",
            "host=db sslmode=require",
        ] {
            match plan_ok(dsn, &[]) {
                TlsPlan::On { verify, .. } => assert_eq!(verify, Verify::Nothing, "{dsn}"),
                TlsPlan::Off => panic!("{dsn}: TLS off"),
            }
        }
        // prefer never verifies, even with a root file.
        match plan_ok("host=db sslmode=prefer", &[HOME_ROOT]) {
            TlsPlan::On { verify, .. } => assert_eq!(verify, Verify::Nothing),
            TlsPlan::Off => panic!("TLS off"),
        }
    }

    #[test]
    fn require_with_a_root_file_behaves_like_verify_ca() {
        let expect = Verify::Chain {
            roots: Roots::File(PathBuf::from(HOME_ROOT)),
            hostname: false,
            implied: true,
        };
        match plan_ok("host=db sslmode=require", &[HOME_ROOT]) {
            TlsPlan::On { verify, .. } => assert_eq!(verify, expect),
            TlsPlan::Off => panic!("TLS off"),
        }
        match plan_ok("host=db sslmode=require sslrootcert=/ca.pem", &["/ca.pem"]) {
            TlsPlan::On { verify, .. } => assert_eq!(
                verify,
                Verify::Chain {
                    roots: Roots::File(PathBuf::from("/ca.pem")),
                    hostname: false,
                    implied: true
                }
            ),
            TlsPlan::Off => panic!("TLS off"),
        }
    }

    #[test]
    fn verify_modes() {
        match plan_ok(
            "host=db sslmode=verify-ca sslrootcert=/ca.pem",
            &["/ca.pem"],
        ) {
            TlsPlan::On { verify, .. } => assert_eq!(
                verify,
                Verify::Chain {
                    roots: Roots::File(PathBuf::from("/ca.pem")),
                    hostname: false,
                    implied: false
                }
            ),
            TlsPlan::Off => panic!("TLS off"),
        }
        match plan_ok("host=db sslmode=verify-full", &[HOME_ROOT]) {
            TlsPlan::On { verify, .. } => assert_eq!(
                verify,
                Verify::Chain {
                    roots: Roots::File(PathBuf::from(HOME_ROOT)),
                    hostname: true,
                    implied: false
                }
            ),
            TlsPlan::Off => panic!("TLS off"),
        }
        match plan_ok("host=db sslrootcert=system", &[]) {
            TlsPlan::On { mode, verify, .. } => {
                assert_eq!(mode, SslModeSetting::VerifyFull);
                assert_eq!(
                    verify,
                    Verify::Chain {
                        roots: Roots::System,
                        hostname: true,
                        implied: false
                    }
                );
            }
            TlsPlan::Off => panic!("TLS off"),
        }
    }

    #[test]
    fn verify_without_a_root_file_says_how_to_fix_it() {
        for dsn in [
            "host=db sslmode=verify-ca",
            "host=db sslmode=verify-full sslrootcert=/missing.pem",
        ] {
            match plan(dsn, &[]) {
                Err(Error::Usage(m)) => {
                    assert!(
                        m.contains("PGSSLROOTCERT") && m.contains("does not exist"),
                        "{m}"
                    )
                }
                other => panic!("{dsn}: {other:?}"),
            }
        }
        match plan("host=db sslmode=require sslrootcert=system", &[]) {
            Err(Error::Usage(m)) => assert!(m.contains("verify-full"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn client_certificate_needs_its_key() {
        match plan_ok(
            "host=db",
            &[
                "/home/u/.postgresql/postgresql.crt",
                "/home/u/.postgresql/postgresql.key",
            ],
        ) {
            TlsPlan::On { client_cert, .. } => assert_eq!(
                client_cert,
                Some((
                    PathBuf::from("/home/u/.postgresql/postgresql.crt"),
                    PathBuf::from("/home/u/.postgresql/postgresql.key")
                ))
            ),
            TlsPlan::Off => panic!("TLS off"),
        }
        assert!(matches!(
            plan("host=db sslcert=/c.pem", &["/c.pem"]),
            Err(Error::Usage(_))
        ));
        // A named certificate that does not exist is skipped, as libpq does.
        match plan_ok("host=db sslcert=/nope.pem", &[]) {
            TlsPlan::On { client_cert, .. } => assert_eq!(client_cert, None),
            TlsPlan::Off => panic!("TLS off"),
        }
    }

    fn settings(dsn: &str, vars: &[(&str, &str)]) -> Settings {
        let p = params(Some(dsn), vars);
        match Settings::from_params(p, None, &|_| false) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn redaction_never_contains_the_password() {
        for (dsn, vars) in [
            ("postgres://bob:hunter2@db.example.com/app", vec![]),
            ("user=bob password='hunter2' host=/tmp dbname=app", vec![]),
            ("host=db.example.com", vec![("PGPASSWORD", "hunter2")]),
            ("postgres://bob:hunter2@[::1]:5433/app?hostaddr=::1", vec![]),
        ] {
            let s = settings(dsn, &vars);
            assert!(!s.redacted().contains("hunter2"), "{}", s.redacted());
            assert!(!format!("{s:?}").contains("hunter2"), "{s:?}");
            let e = Error::Connection {
                target: s.redacted(),
                reason: password_advice(&s.password),
            };
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn redacted_form() {
        assert_eq!(
            settings("postgres://bob:pw@db.example.com/app", &[]).redacted(),
            "postgres://bob@db.example.com:5432/app"
        );
        assert_eq!(
            settings("host=/var/run/postgresql user=postgres", &[]).redacted(),
            "postgres://postgres@/postgres?host=/var/run/postgresql&port=5432"
        );
        assert_eq!(
            settings("host=::1 port=5433 user='a b' dbname=x/y", &[]).redacted(),
            "postgres://a%20b@[::1]:5433/x%2Fy"
        );
        assert_eq!(
            settings("host=db hostaddr=10.0.0.1 user=u dbname=d", &[]).redacted(),
            "postgres://u@db:5432/d?hostaddr=10.0.0.1"
        );
    }

    #[test]
    fn protocol_ssl_mode_and_config() {
        let s = settings("host=db sslmode=prefer", &[]);
        assert_eq!(s.config.get_ssl_mode(), SslMode::Prefer);
        let s = settings("host=db sslmode=require user=u password=p", &[]);
        assert_eq!(s.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(s.config.get_password(), Some(&b"p"[..]));
        assert_eq!(s.config.get_user(), Some("u"));
        let s = settings("host=/tmp sslmode=require", &[]);
        assert_eq!(s.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(s.config.get_application_name(), Some("connect-pg-admin"));
        assert_eq!(
            s.config.get_connect_timeout(),
            Some(&Duration::from_secs(10))
        );
    }

    #[test]
    fn password_file_lookup_and_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let path = dir.path().join("pgpass");
        let write = |mode: u32| {
            std::fs::write(&path, "localhost:5432:app:bob:fromfile\n").expect("write pgpass");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .expect("chmod pgpass");
        };
        let passfile = format!("passfile={}", path.display());

        write(0o600);
        let s = settings(&format!("host=/tmp user=bob dbname=app {passfile}"), &[]);
        assert_eq!(s.password, PasswordSource::File(path.clone()));
        assert_eq!(s.config.get_password(), Some(&b"fromfile"[..]));
        assert!(!format!("{s:?}").contains("fromfile"));

        // PGPASSWORD wins over the file.
        let s = settings(
            &format!("host=/tmp user=bob dbname=app {passfile}"),
            &[("PGPASSWORD", "fromenv")],
        );
        assert_eq!(s.config.get_password(), Some(&b"fromenv"[..]));

        // No match: no password, and the message says which line was looked for.
        let s = settings(&format!("host=db user=bob dbname=app {passfile}"), &[]);
        assert_eq!(s.config.get_password(), None);
        let advice = password_advice(&s.password);
        assert!(advice.contains("no line of"), "{advice}");

        write(0o644);
        let s = settings(&format!("host=/tmp user=bob dbname=app {passfile}"), &[]);
        assert_eq!(s.config.get_password(), None);
        let advice = password_advice(&s.password);
        assert!(advice.contains("chmod 0600"), "{advice}");
        assert!(!advice.contains("fromfile"));
    }

    #[test]
    fn encode_keeps_unreserved_only() {
        assert_eq!(encode("a-b_c.d~e", false), "a-b_c.d~e");
        assert_eq!(encode("a b@c/d", false), "a%20b%40c%2Fd");
        assert_eq!(encode("/var/run", true), "/var/run");
        assert_eq!(encode("é", false), "%C3%A9");
    }
}
