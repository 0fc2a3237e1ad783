//! One sentence for a failed connection attempt: what went wrong and what to try. Decided from
//! typed facts only (the server's SQLSTATE, the I/O error's kind, OpenSSL's verify code, the
//! TLS error type, and what the attempt itself knows: whether TLS was demanded and got as far
//! as the certificate, whether a password was sent), never from the driver's or the C
//! library's message text, so a driver upgrade cannot change what users see.

use std::error::Error as StdError;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use postgres::error::SqlState;

use super::params::{ChannelBinding, HostSpec, Target};
use super::pgpass::PasswordSource;
use super::tls::{
    Observed, TlsPlan, Verify, X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH,
};
use super::Settings;
use crate::error::one_line;

/// What an attempt knew.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub spec: &'a HostSpec,
    pub user: &'a str,
    pub password: &'a PasswordSource,
    /// The attempt asked for TLS (if the server offers it).
    pub wire_tls: bool,
    /// The attempt insisted on TLS.
    pub tls_only: bool,
    pub observed: &'a Arc<Observed>,
}

pub fn explain(e: &postgres::Error, ctx: &Context) -> String {
    let user = ctx.user;
    let s = ctx.settings;
    let where_ = super::where_(ctx.spec);
    let tls_on = match &s.tls {
        TlsPlan::On(on) if ctx.wire_tls => Some(on),
        _ => None,
    };
    let mode = tls_on.map_or("disable", |on| on.mode.name());

    if let Some(db) = e.as_db_error() {
        let msg = one_line(db.message());
        let code = db.code();
        return if *code == SqlState::INVALID_PASSWORD {
            format!(
                "password authentication failed for user \"{user}\"; {}",
                password_advice(ctx.password)
            )
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            let cert = match &s.tls {
                TlsPlan::On(on) => on.missing_cert.as_ref().map(|c| {
                    format!(
                        "; no client certificate was sent because \"{}\" (sslcert or PGSSLCERT) does not exist",
                        c.display()
                    )
                }),
                TlsPlan::Off => None,
            };
            match cert {
                Some(cert) => format!("the server refused user \"{user}\" ({msg}){cert}: point sslcert at the certificate file"),
                None => format!(
                    "the server refused user \"{user}\" ({msg}); check the user name (user= in --dsn, or PGUSER) and the server's pg_hba.conf"
                ),
            }
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            format!(
                "database \"{}\" does not exist; create it (createdb) or name an existing one with dbname= in --dsn or PGDATABASE",
                s.params.dbname
            )
        } else if *code == SqlState::CANNOT_CONNECT_NOW {
            format!("the server is starting up or shutting down ({msg}); try again in a moment")
        } else if *code == SqlState::TOO_MANY_CONNECTIONS {
            format!("the server has no free connection slots ({msg}); try again later or raise max_connections")
        } else {
            format!("the server refused the connection: {msg}")
        };
    }

    let verify = ctx.observed.failure.lock().ok().and_then(|f| f.clone());
    if let (Some(v), Some(on)) = (verify, tls_on) {
        if let Verify::Chain { roots, implied, .. } = &on.verify {
            if v.code == X509_V_ERR_HOSTNAME_MISMATCH || v.code == X509_V_ERR_IP_ADDRESS_MISMATCH {
                return format!(
                    "the server's certificate does not match the host name \"{}\" (sslmode={mode}); connect using a name the certificate lists, or use sslmode=verify-ca to check only that a trusted CA signed it",
                    tls_host(ctx.spec)
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
    }

    if let Some(io) = io_error(e) {
        use std::io::ErrorKind;
        let text = one_line(&io.to_string());
        return match io.kind() {
            ErrorKind::TimedOut => {
                let after = match s.params.connect_timeout {
                    Some(t) => format!(" after {} s", t.as_secs()),
                    None => String::new(),
                };
                format!(
                    "timed out{after} connecting to {where_}; check the host, port and firewalls, or raise connect_timeout (PGCONNECT_TIMEOUT)"
                )
            }
            ErrorKind::ConnectionRefused
            | ErrorKind::NotFound
            | ErrorKind::AddrNotAvailable
            | ErrorKind::PermissionDenied
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => match &ctx.spec.target {
                Target::Socket(_) => format!(
                    "no server is listening on {where_} ({text}); check that PostgreSQL is running on this machine, or set host= and port= in --dsn (or PGHOST and PGPORT)"
                ),
                Target::Tcp { .. } => format!(
                    "cannot reach the server at {where_} ({text}); check that PostgreSQL is running and accepts TCP connections there, or set host= and port= in --dsn (or PGHOST and PGPORT)"
                ),
            },
            _ => format!(
                "the connection to {where_} broke during startup ({text}); check the server's log"
            ),
        };
    }

    if let Some(ssl) = tls_error(e) {
        return format!(
            "the TLS handshake with {where_} failed ({}); check the server's ssl settings and certificates, and ssl_min_protocol_version/ssl_max_protocol_version (sslmode={mode})",
            one_line(&ssl.to_string())
        );
    }
    let handshake = ctx.observed.handshake.load(Ordering::SeqCst);
    if ctx.tls_only && !handshake {
        return format!(
            "the server at {where_} does not support TLS, but sslmode={mode} requires it; enable ssl on the server, or use sslmode=prefer (or disable) if an unencrypted connection is acceptable"
        );
    }
    if s.params.channel_binding == ChannelBinding::Require {
        return format!(
            "channel_binding=require, but the server did not authenticate with SCRAM channel binding ({}); use TLS and scram-sha-256 on the server, or drop channel_binding=require",
            one_line(&error_chain(e).join(": "))
        );
    }
    if matches!(ctx.password, PasswordSource::None { .. }) {
        return format!(
            "the server asks for a password for user \"{user}\"; {}",
            password_advice(ctx.password)
        );
    }
    one_line(&error_chain(e).join(": "))
}

pub fn password_advice(password: &PasswordSource) -> String {
    match password {
        PasswordSource::Given(src) => format!(
            "the password in {} was refused; correct it",
            src.describe("password")
        ),
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

/// The host name as TLS checks and DNS see it.
fn tls_host(spec: &HostSpec) -> String {
    match &spec.target {
        Target::Tcp { host, .. } => host.clone(),
        Target::Socket(dir) => dir.display().to_string(),
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

fn find_cause<T: StdError + 'static>(e: &postgres::Error) -> Option<&T> {
    let mut cur = e.source();
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<T>() {
            return Some(t);
        }
        cur = c.source();
    }
    None
}

pub fn io_error(e: &postgres::Error) -> Option<&std::io::Error> {
    find_cause::<std::io::Error>(e)
}

pub fn tls_error(e: &postgres::Error) -> Option<&openssl::ssl::Error> {
    find_cause::<openssl::ssl::Error>(e)
}
