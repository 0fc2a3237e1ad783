//! TLS as libpq does it: the TLS settings checked as pqConnectOptions2 checks them (for every
//! host, Unix sockets included), which certificate checks each sslmode implies (including libpq's rule
//! that sslmode=require verifies the chain when a root certificate file exists), client
//! certificates and their (possibly encrypted) keys, protocol versions, SNI, compression and
//! ALPN, built into one OpenSSL connector.
//!
//! Reference: <https://www.postgresql.org/docs/current/libpq-ssl.html> and
//! fe-secure-openssl.c.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod, SslOptions, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use postgres_openssl::MakeTlsConnector;

use super::params::{choice, Secret, SslModeSetting, TlsParams};
use super::precedence::{invalid, Merged};
use crate::error::{one_line, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsPlan {
    /// sslmode=disable.
    Off,
    On(Box<TlsOn>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOn {
    pub mode: SslModeSetting,
    pub verify: Verify,
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// A client certificate named in sslcert that does not exist: libpq sends none, and an
    /// authentication failure should say so.
    pub missing_cert: Option<PathBuf>,
    pub params: TlsParams,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
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
pub enum Roots {
    File(PathBuf),
    System,
}

impl Roots {
    pub fn describe(&self) -> String {
        match self {
            Roots::File(p) => format!("the root certificate file \"{}\"", p.display()),
            Roots::System => "the system's trusted CAs".into(),
        }
    }
}

/// What the connector saw during one attempt: whether a TLS handshake got as far as the
/// server's certificate, and the first certificate check that failed (postgres-openssl hands
/// us that only as text).
#[derive(Debug, Default)]
pub struct Observed {
    pub handshake: AtomicBool,
    pub failure: Mutex<Option<VerifyFailure>>,
}

#[derive(Debug, Clone)]
pub struct VerifyFailure {
    pub code: i32,
    pub text: &'static str,
}

/// OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH (x509_vfy.h);
/// the openssl crate has no named constants for them.
pub const X509_V_ERR_HOSTNAME_MISMATCH: i32 = 62;
pub const X509_V_ERR_IP_ADDRESS_MISMATCH: i32 = 64;

/// The TLS settings, checked as libpq's pqConnectOptions2 checks them, before any file is
/// looked at.
pub fn params(m: &Merged) -> Result<TlsParams> {
    use openssl::ssl::SslVersion;
    let sslmode = choice(
        m,
        "sslmode",
        SslModeSetting::Prefer,
        &[
            ("disable", SslModeSetting::Disable),
            ("allow", SslModeSetting::Allow),
            ("prefer", SslModeSetting::Prefer),
            ("require", SslModeSetting::Require),
            ("verify-ca", SslModeSetting::VerifyCa),
            ("verify-full", SslModeSetting::VerifyFull),
        ],
    )?;
    let direct = choice(
        m,
        "sslnegotiation",
        false,
        &[("postgres", false), ("direct", true)],
    )?;
    if direct
        && matches!(
            sslmode,
            SslModeSetting::Disable | SslModeSetting::Allow | SslModeSetting::Prefer
        )
    {
        return Err(Error::Usage(format!(
            "sslnegotiation=direct cannot be used with the weak sslmode \"{}\"; use sslmode=require, verify-ca or verify-full",
            sslmode.name()
        )));
    }
    let certmode = choice(
        m,
        "sslcertmode",
        "allow",
        &[
            ("disable", "disable"),
            ("allow", "allow"),
            ("require", "require"),
        ],
    )?;
    if certmode == "require" {
        return Err(Error::Usage(
            "sslcertmode=require is not supported (this client cannot tell whether the server asked for a certificate); use sslcertmode=allow and require the certificate in the server's pg_hba.conf (cert or clientcert=verify-full)".into(),
        ));
    }
    let version = |key: &str| -> Result<Option<SslVersion>> {
        match m.get(key) {
            None => Ok(None),
            // libpq compares the names without regard to case.
            Some((v, src)) => Ok(Some(match v.to_ascii_lowercase().as_str() {
                "tlsv1" => SslVersion::TLS1,
                "tlsv1.1" => SslVersion::TLS1_1,
                "tlsv1.2" => SslVersion::TLS1_2,
                "tlsv1.3" => SslVersion::TLS1_3,
                _ => {
                    return Err(invalid(
                        key,
                        v,
                        src,
                        "use TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3",
                    ))
                }
            })),
        }
    };
    let order = |v: Option<&str>| {
        ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
            .iter()
            .position(|x| v.is_some_and(|v| v.eq_ignore_ascii_case(x)))
    };
    // libpq checks the range with its default minimum, TLSv1.2, when none is given.
    let (min_s, max_s) = (
        m.get("ssl_min_protocol_version")
            .map_or(Some("TLSv1.2"), |(v, _)| Some(v)),
        m.get("ssl_max_protocol_version").map(|(v, _)| v),
    );
    let (min_version, max_version) = (
        version("ssl_min_protocol_version")?,
        version("ssl_max_protocol_version")?,
    );
    if let (Some(lo), Some(hi)) = (order(min_s), order(max_s)) {
        if lo > hi {
            return Err(Error::Usage(format!(
                "invalid SSL protocol version range: ssl_min_protocol_version {} is above ssl_max_protocol_version {}; swap or widen them",
                min_s.unwrap_or_default(),
                max_s.unwrap_or_default()
            )));
        }
    }
    let flag = |key: &str, default: bool| m.get(key).map_or(default, |(v, _)| v.starts_with('1'));
    let path = |key: &str| m.get(key).map(|(v, _)| PathBuf::from(v));
    Ok(TlsParams {
        sslmode,
        sslmode_given: m.get("sslmode").is_some(),
        sslrootcert: m.get("sslrootcert").map(|(v, _)| v.to_string()),
        sslcert: path("sslcert"),
        sslkey: path("sslkey"),
        send_cert: certmode != "disable",
        sslpassword: m.get("sslpassword").map(|(v, _)| Secret(v.to_string())),
        min_version: min_version.or(Some(SslVersion::TLS1_2)),
        max_version,
        sni: flag("sslsni", true),
        compression: flag("sslcompression", false),
        direct,
    })
}

/// The sslmode in effect, after the check libpq's pqConnectOptions2 makes before connecting
/// anywhere (Unix sockets included); everything else about TLS waits for a TLS session.
pub fn mode(p: &TlsParams) -> Result<SslModeSetting> {
    let system = p.sslrootcert.as_deref() == Some("system");
    // libpq 16+: sslrootcert=system makes verify-full the default and forbids weaker modes,
    // since the system store trusts any public CA and only the host name check means much.
    let mode = if system && !p.sslmode_given {
        SslModeSetting::VerifyFull
    } else {
        p.sslmode
    };
    // libpq refuses system with every other mode, disable too.
    if system && mode != SslModeSetting::VerifyFull {
        return Err(Error::Usage(format!(
            "sslrootcert=system needs sslmode=verify-full (got sslmode={}), as in libpq; set sslmode=verify-full",
            mode.name()
        )));
    }
    Ok(mode)
}

/// What TLS will do over TCP, the certificate files included (checked now, before connecting,
/// rather than when libpq would: at the first TLS handshake).
pub fn plan(p: &TlsParams, home: Option<&Path>, exists: &dyn Fn(&Path) -> bool) -> Result<TlsPlan> {
    let system = p.sslrootcert.as_deref() == Some("system");
    let mode = mode(p)?;
    if mode == SslModeSetting::Disable {
        return Ok(TlsPlan::Off);
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
    let missing_cert = p.sslcert.clone().filter(|c| !exists(c));
    let client_cert = match cert.filter(|c| exists(c) && p.send_cert) {
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

    Ok(TlsPlan::On(Box::new(TlsOn {
        mode,
        verify,
        client_cert,
        missing_cert,
        params: p.clone(),
    })))
}

/// Builds the OpenSSL connector for a plan; `observed` records what the handshake saw.
/// Problems with local files are usage errors: the user must fix a path.
pub fn connector(plan: &TlsOn, observed: Arc<Observed>) -> Result<MakeTlsConnector> {
    let ssl_err = |what: &str, e: openssl::error::ErrorStack| {
        Error::Usage(format!(
            "could not set up TLS: {what}: {}",
            one_line(&e.to_string())
        ))
    };

    let mut b = SslConnector::builder(SslMethod::tls_client())
        .map_err(|e| ssl_err("creating the OpenSSL context", e))?;
    b.set_min_proto_version(plan.params.min_version)
        .map_err(|e| ssl_err("setting ssl_min_protocol_version", e))?;
    b.set_max_proto_version(plan.params.max_version)
        .map_err(|e| ssl_err("setting ssl_max_protocol_version", e))?;
    // libpq 17+ always offers ALPN "postgresql"; direct negotiation (PostgreSQL 17+) needs it.
    b.set_alpn_protos(b"\x0apostgresql")
        .map_err(|e| ssl_err("setting ALPN", e))?;
    if plan.params.compression {
        // sslcompression=1: libpq clears SSL_OP_NO_COMPRESSION; whether OpenSSL can compress
        // is then up to how it was built, exactly as for libpq.
        b.clear_options(SslOptions::NO_COMPRESSION);
    }

    let (check_chain, check_hostname) = match &plan.verify {
        Verify::Nothing => (false, false),
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
            (true, *hostname)
        }
    };
    // Always called once the server's certificate arrives, which is how an attempt knows TLS
    // was in use (sslmode=prefer retries without it only then); it decides only when the plan
    // verifies.
    b.set_verify_callback(SslVerifyMode::PEER, move |ok, ctx| {
        observed.handshake.store(true, Ordering::SeqCst);
        if !check_chain {
            return true;
        }
        if !ok {
            if let Ok(mut slot) = observed.failure.lock() {
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

    if let Some((cert, key)) = &plan.client_cert {
        check_key_permissions(key)?;
        let file_err = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
            Error::Usage(format!(
                "cannot use the {what} \"{}\" ({}); check sslcert/sslkey (PGSSLCERT/PGSSLKEY)",
                path.display(),
                one_line(&e.to_string())
            ))
        };
        b.set_certificate_chain_file(cert)
            .map_err(|e| file_err("client certificate", cert, &e))?;
        let pem = std::fs::read(key).map_err(|e| file_err("private key", key, &e))?;
        // libpq's default passphrase hook gives sslpassword, or an empty passphrase: it never
        // prompts.
        let pass = plan
            .params
            .sslpassword
            .as_ref()
            .map_or("", |s| s.0.as_str());
        let pkey = PKey::private_key_from_pem_passphrase(&pem, pass.as_bytes()).map_err(|_| {
            Error::Usage(match &plan.params.sslpassword {
                None => format!(
                    "cannot load the private key \"{}\": it is encrypted or not a PEM key; give its passphrase with sslpassword= in the connection string",
                    key.display()
                ),
                Some(_) => format!(
                    "cannot load the private key \"{}\" with the given sslpassword; correct the passphrase, or check that the file is a PEM key",
                    key.display()
                ),
            })
        })?;
        b.set_private_key(&pkey)
            .map_err(|e| file_err("private key", key, &e))?;
        b.check_private_key()
            .map_err(|e| file_err("private key", key, &e))?;
    }

    let sni = plan.params.sni;
    let mut connector = MakeTlsConnector::new(b.build());
    connector.set_callback(move |cfg, _| {
        cfg.set_verify_hostname(check_hostname);
        cfg.set_use_server_name_indication(sni);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params(extra: impl FnOnce(&mut TlsParams)) -> TlsParams {
        let mut p = TlsParams {
            sslmode: SslModeSetting::Prefer,
            sslmode_given: false,
            sslrootcert: None,
            sslcert: None,
            sslkey: None,
            send_cert: true,
            sslpassword: None,
            min_version: None,
            max_version: None,
            sni: true,
            compression: false,
            direct: false,
        };
        extra(&mut p);
        p
    }

    fn mode(m: SslModeSetting) -> impl FnOnce(&mut TlsParams) {
        move |p| {
            p.sslmode = m;
            p.sslmode_given = true;
        }
    }

    fn run(p: &TlsParams, existing: &[&str]) -> Result<TlsPlan> {
        let existing: Vec<PathBuf> = existing.iter().map(PathBuf::from).collect();
        plan(p, Some(Path::new("/home/u")), &|path: &Path| {
            existing.iter().any(|e| e == path)
        })
    }

    fn on(p: &TlsParams, existing: &[&str]) -> TlsOn {
        match run(p, existing) {
            Ok(TlsPlan::On(on)) => *on,
            other => panic!("{other:?}"),
        }
    }

    const HOME_ROOT: &str = "/home/u/.postgresql/root.crt";

    #[test]
    fn system_roots_refuse_sslmode_disable_too() {
        let p = params(|p| {
            mode(SslModeSetting::Disable)(p);
            p.sslrootcert = Some("system".into());
        });
        match run(&p, &[]) {
            Err(Error::Usage(m)) => assert!(m.contains("sslmode=disable"), "{m}"),
            other => panic!("not refused: {}", other.is_ok()),
        }
    }

    #[test]
    fn disable_is_off() {
        let p = params(mode(SslModeSetting::Disable));
        assert_eq!(run(&p, &[HOME_ROOT]).ok(), Some(TlsPlan::Off));
    }

    #[test]
    fn prefer_allow_and_require_do_not_verify_without_a_root_file() {
        for m in [
            SslModeSetting::Prefer,
            SslModeSetting::Allow,
            SslModeSetting::Require,
        ] {
            assert_eq!(on(&params(mode(m)), &[]).verify, Verify::Nothing, "{m:?}");
        }
        // prefer never verifies, even with a root file.
        assert_eq!(on(&params(|_| ()), &[HOME_ROOT]).verify, Verify::Nothing);
    }

    #[test]
    fn require_with_a_root_file_behaves_like_verify_ca() {
        let p = params(mode(SslModeSetting::Require));
        assert_eq!(
            on(&p, &[HOME_ROOT]).verify,
            Verify::Chain {
                roots: Roots::File(PathBuf::from(HOME_ROOT)),
                hostname: false,
                implied: true
            }
        );
    }

    #[test]
    fn verify_modes_and_system_roots() {
        let p = params(|p| {
            p.sslmode = SslModeSetting::VerifyFull;
            p.sslrootcert = Some("/ca.pem".into());
        });
        assert_eq!(
            on(&p, &["/ca.pem"]).verify,
            Verify::Chain {
                roots: Roots::File(PathBuf::from("/ca.pem")),
                hostname: true,
                implied: false
            }
        );
        let p = params(|p| p.sslrootcert = Some("system".into()));
        let plan = on(&p, &[]);
        assert_eq!(plan.mode, SslModeSetting::VerifyFull);
        assert_eq!(
            plan.verify,
            Verify::Chain {
                roots: Roots::System,
                hostname: true,
                implied: false
            }
        );
        let p = params(|p| {
            p.sslmode = SslModeSetting::Require;
            p.sslmode_given = true;
            p.sslrootcert = Some("system".into());
        });
        assert!(matches!(run(&p, &[]), Err(Error::Usage(m)) if m.contains("verify-full")));
        let p = params(mode(SslModeSetting::VerifyCa));
        assert!(
            matches!(run(&p, &[]), Err(Error::Usage(m)) if m.contains("PGSSLROOTCERT") && m.contains("does not exist"))
        );
    }

    #[test]
    fn client_certificates() {
        let crt = "/home/u/.postgresql/postgresql.crt";
        let key = "/home/u/.postgresql/postgresql.key";
        assert_eq!(
            on(&params(|_| ()), &[crt, key]).client_cert,
            Some((PathBuf::from(crt), PathBuf::from(key)))
        );
        // sslcertmode=disable sends none.
        assert_eq!(
            on(&params(|p| p.send_cert = false), &[crt, key]).client_cert,
            None
        );
        let named = params(|p| p.sslcert = Some(PathBuf::from("/c.pem")));
        assert!(matches!(run(&named, &["/c.pem"]), Err(Error::Usage(_))));
        // A named certificate that does not exist is skipped, as libpq does, and remembered
        // for the message.
        let plan = on(&named, &[]);
        assert_eq!(plan.client_cert, None);
        assert_eq!(plan.missing_cert, Some(PathBuf::from("/c.pem")));
    }
}
