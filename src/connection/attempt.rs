//! Connecting as libpq's PQconnectPoll does: hosts in order (shuffled with
//! load_balance_hosts=random), every address of a host name, a password per host from the
//! password file, sslmode allow (plaintext first, TLS if the server rejects it) and prefer (TLS
//! first, plaintext if the server rejects the TLS connection), and target_session_attrs checked
//! on each server reached, moving on to the next host when it does not fit.
//!
//! What moves on to the next address or host, as in libpq: a server that cannot be reached,
//! a timeout, "the database system is starting up" (57P03), and a server of the wrong kind. Any
//! other refusal (authentication, unknown database, TLS failure) ends the attempt.

use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{ChannelBinding as PgChannelBinding, SslMode, SslNegotiation};
use postgres::error::SqlState;
use rand::seq::SliceRandom;

use super::explain::{explain, Context};
use super::params::{ChannelBinding, HostSpec, SessionAttrs, SslModeSetting, Target};
use super::pgpass::{self, PasswordSource};
use super::tls::{self, Observed, TlsPlan};
use super::Settings;
use crate::error::{Error, Result};

/// How one connection attempt talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Plain,
    /// TLS if the server offers it (the driver's prefer).
    TlsIfOffered,
    TlsOnly,
}

/// Why a host did not give us a session.
enum HostError {
    /// Try the next host (libpq's try_next_host).
    Next(String),
    /// Give up.
    Stop(String),
    Usage(Error),
}

impl Settings {
    /// Connects as `user`, with `password` if given (else the resolved one or the password
    /// file's). After the first success, later connections go to the same server.
    pub(super) fn open(&self, user: &str, password: Option<&str>) -> Result<postgres::Client> {
        let p = &self.params;
        let mut order: Vec<usize> = match self.reached.get() {
            Some(i) => vec![*i],
            None => (0..p.hosts.len()).collect(),
        };
        if p.load_balance && self.reached.get().is_none() {
            order.shuffle(&mut rand::rng());
        }
        let passes: &[SessionAttrs] = match p.session_attrs {
            // libpq: a first pass that accepts only standbys, then one that accepts any.
            SessionAttrs::PreferStandby => &[SessionAttrs::Standby, SessionAttrs::Any],
            a => std::slice::from_ref(match a {
                SessionAttrs::Any => &SessionAttrs::Any,
                SessionAttrs::ReadWrite => &SessionAttrs::ReadWrite,
                SessionAttrs::ReadOnly => &SessionAttrs::ReadOnly,
                SessionAttrs::Primary => &SessionAttrs::Primary,
                _ => &SessionAttrs::Standby,
            }),
        };
        let mut failures: Vec<(usize, String)> = Vec::new();
        for attrs in passes {
            for &i in &order {
                match self.try_host(&p.hosts[i], user, password, *attrs) {
                    Ok(client) => {
                        let _ = self.reached.set(i);
                        return Ok(client);
                    }
                    Err(HostError::Usage(e)) => return Err(e),
                    Err(HostError::Next(reason)) => failures.push((i, reason)),
                    Err(HostError::Stop(reason)) => {
                        failures.push((i, reason));
                        return Err(self.failed(user, &failures));
                    }
                }
            }
        }
        Err(self.failed(user, &failures))
    }

    fn failed(&self, user: &str, failures: &[(usize, String)]) -> Error {
        let target = super::describe(&self.params.hosts, user, &self.params.dbname);
        let reason = match failures {
            [(_, only)] if self.params.hosts.len() == 1 => only.clone(),
            _ => {
                let each: Vec<String> = failures
                    .iter()
                    .map(|(i, r)| format!("{}: {r}", super::where_(&self.params.hosts[*i])))
                    .collect();
                format!(
                    "no host of the list gave a usable session ({})",
                    each.join("; ")
                )
            }
        };
        Error::Connection { target, reason }
    }

    fn try_host(
        &self,
        spec: &HostSpec,
        user: &str,
        password: Option<&str>,
        attrs: SessionAttrs,
    ) -> std::result::Result<postgres::Client, HostError> {
        let p = &self.params;
        let (source, pw) = match (password, &p.password) {
            (Some(pw), _) => (PasswordSource::Explicit, Some(pw.to_string())),
            (None, Some((pw, src))) => (PasswordSource::Given(src.clone()), Some(pw.clone())),
            (None, None) => match &p.passfile {
                Some(file) => {
                    pgpass::from_file(file, &spec.pgpass_host, spec.port, &p.dbname, user)
                }
                None => (PasswordSource::None { note: None }, None),
            },
        };
        let wires: &[Wire] = match (&spec.target, &self.tls) {
            // libpq never uses TLS over a Unix socket.
            (Target::Socket(_), _) | (_, TlsPlan::Off) => &[Wire::Plain],
            (_, TlsPlan::On(on)) => match on.mode {
                SslModeSetting::Allow => &[Wire::Plain, Wire::TlsOnly],
                SslModeSetting::Prefer => &[Wire::TlsIfOffered, Wire::Plain],
                _ => &[Wire::TlsOnly],
            },
        };
        let addrs = self.addresses(spec).map_err(HostError::Next)?;
        let mut last = String::new();
        for addr in &addrs {
            for (n, wire) in wires.iter().enumerate() {
                let observed = Arc::new(Observed::default());
                let ctx = Context {
                    settings: self,
                    spec,
                    user,
                    password: &source,
                    wire_tls: *wire != Wire::Plain,
                    tls_only: *wire == Wire::TlsOnly,
                    observed: &observed,
                };
                match self.once(spec, *addr, user, pw.as_deref(), *wire, observed.clone()) {
                    Ok(mut client) => return check_attrs(&mut client, attrs).map(|()| client),
                    Err(Attempt::Usage(e)) => return Err(HostError::Usage(e)),
                    Err(Attempt::Stalled(after)) => {
                        last = format!(
                            "{} accepted the connection but did not finish the startup (TLS, authentication) within {} s; check the server's log and load, or raise connect_timeout (PGCONNECT_TIMEOUT)",
                            super::where_(spec),
                            after.as_secs()
                        );
                        break;
                    }
                    Err(Attempt::Failed(e)) => {
                        let why = explain(&e, &ctx);
                        if let Some(db) = e.as_db_error() {
                            if *db.code() == SqlState::CANNOT_CONNECT_NOW {
                                return Err(HostError::Next(why));
                            }
                        } else if unreachable(&e) {
                            last = why;
                            break;
                        }
                        let tls_used = observed.handshake.load(std::sync::atomic::Ordering::SeqCst);
                        let retry = match wire {
                            // allow: the server rejected the plaintext session.
                            Wire::Plain => e.as_db_error().is_some(),
                            // prefer: the server rejected the TLS session, or the handshake
                            // failed.
                            Wire::TlsIfOffered => {
                                tls_used || super::explain::tls_error(&e).is_some()
                            }
                            Wire::TlsOnly => false,
                        };
                        if retry && n + 1 < wires.len() {
                            last = why;
                            continue;
                        }
                        // sslmode=allow's TLS retry against a server without TLS: the
                        // plaintext refusal is the one that says what to fix.
                        if n > 0 && *wire == Wire::TlsOnly && !tls_used {
                            return Err(HostError::Stop(last));
                        }
                        return Err(HostError::Stop(why));
                    }
                }
            }
        }
        Err(HostError::Next(last))
    }

    /// Where to connect for a host: the socket, its hostaddr, or every address of its name.
    fn addresses(&self, spec: &HostSpec) -> std::result::Result<Vec<Option<IpAddr>>, String> {
        match &spec.target {
            Target::Socket(_)
            | Target::Tcp {
                hostaddr: Some(_), ..
            } => Ok(vec![None]),
            Target::Tcp {
                host,
                hostaddr: None,
            } => {
                let mut addrs: Vec<Option<IpAddr>> = (host.as_str(), spec.port)
                    .to_socket_addrs()
                    .map_err(|e| {
                        format!(
                            "cannot resolve the host name \"{host}\" ({e}); check the spelling in host= (--dsn) or PGHOST"
                        )
                    })?
                    .map(|a| Some(a.ip()))
                    .collect();
                addrs.dedup();
                if self.params.load_balance {
                    addrs.shuffle(&mut rand::rng());
                }
                Ok(addrs)
            }
        }
    }

    fn once(
        &self,
        spec: &HostSpec,
        addr: Option<IpAddr>,
        user: &str,
        password: Option<&str>,
        wire: Wire,
        observed: Arc<Observed>,
    ) -> std::result::Result<postgres::Client, Attempt> {
        let p = &self.params;
        let mut config = postgres::Config::new();
        match &spec.target {
            Target::Socket(dir) => {
                config.host_path(dir);
            }
            Target::Tcp { host, hostaddr } => {
                config.host(host);
                if let Some(a) = hostaddr.or(addr) {
                    config.hostaddr(a);
                }
                config.keepalives(p.keepalives.on);
                if let Some(d) = p.keepalives.idle {
                    config.keepalives_idle(d);
                }
                if let Some(d) = p.keepalives.interval {
                    config.keepalives_interval(d);
                }
                if let Some(n) = p.keepalives.count {
                    config.keepalives_retries(n);
                }
                if let Some(d) = p.tcp_user_timeout {
                    config.tcp_user_timeout(d);
                }
            }
        }
        config
            .port(spec.port)
            .user(user)
            .dbname(&p.dbname)
            .application_name(&p.application_name)
            .channel_binding(match p.channel_binding {
                ChannelBinding::Disable => PgChannelBinding::Disable,
                ChannelBinding::Prefer => PgChannelBinding::Prefer,
                ChannelBinding::Require => PgChannelBinding::Require,
            });
        if let Some(options) = &p.options {
            config.options(options);
        }
        if let Some(t) = p.connect_timeout {
            config.connect_timeout(t);
        }
        if let Some(pw) = password {
            config.password(pw);
        }
        let timeout = p.connect_timeout;
        match (&self.tls, wire) {
            (TlsPlan::On(on), Wire::TlsIfOffered | Wire::TlsOnly) => {
                config.ssl_mode(if wire == Wire::TlsOnly {
                    SslMode::Require
                } else {
                    SslMode::Prefer
                });
                if on.params.direct {
                    config.ssl_negotiation(SslNegotiation::Direct);
                }
                let connector = tls::connector(on, observed).map_err(Attempt::Usage)?;
                connect_within(config, connector, timeout)
            }
            _ => {
                config.ssl_mode(SslMode::Disable);
                connect_within(config, postgres::NoTls, timeout)
            }
        }
    }
}

/// libpq's check of target_session_attrs on a server it reached (sql/tool/session_attrs.sql).
fn check_attrs(
    client: &mut postgres::Client,
    attrs: SessionAttrs,
) -> std::result::Result<(), HostError> {
    if attrs == SessionAttrs::Any {
        return Ok(());
    }
    let row = client
        .query_one(tool_sql!("session_attrs"), &[])
        .map_err(|e| HostError::Next(format!("could not check target_session_attrs: {e}")))?;
    let read_only: bool = row.get(0);
    let standby: bool = row.get(1);
    let mismatch = match attrs {
        SessionAttrs::ReadWrite if read_only => Some("session is read-only"),
        SessionAttrs::ReadOnly if !read_only => Some("session is not read-only"),
        SessionAttrs::Primary if standby => Some("server is in hot standby mode"),
        SessionAttrs::Standby if !standby => Some("server is not in hot standby mode"),
        _ => None,
    };
    match mismatch {
        None => Ok(()),
        Some(m) => Err(HostError::Next(format!(
            "{m}, but target_session_attrs asks for another kind of server; point host= at one that fits, or change target_session_attrs (PGTARGETSESSIONATTRS)"
        ))),
    }
}

/// An error reaching the server at all (as opposed to one from a server that answered), by
/// the I/O error's kind: libpq moves on to the next address for these.
fn unreachable(e: &postgres::Error) -> bool {
    use std::io::ErrorKind::*;
    super::explain::io_error(e).is_some_and(|io| {
        matches!(
            io.kind(),
            ConnectionRefused
                | NotFound
                | TimedOut
                | AddrNotAvailable
                | PermissionDenied
                | HostUnreachable
                | NetworkUnreachable
        )
    })
}

pub(super) enum Attempt {
    Failed(postgres::Error),
    /// The watchdog fired; carries the time waited.
    Stalled(Duration),
    /// Not the server's doing: a local file, or an internal error.
    Usage(Error),
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
    let vanished = || {
        Attempt::Usage(Error::Usage(
            "the connection attempt ended without a result (internal error); run the command again"
                .into(),
        ))
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pg-connect".into())
        .spawn(move || {
            // The receiver is gone only if we already gave up; nothing left to tell.
            let _ = tx.send(config.connect(tls));
        })
        .map_err(|_| vanished())?;
    let limit = timeout + WATCHDOG_GRACE;
    match rx.recv_timeout(limit) {
        Ok(result) => result.map_err(Attempt::Failed),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Attempt::Stalled(limit)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(vanished()),
    }
}
