use super::*;
use std::collections::HashMap;

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn defaults() -> Defaults {
    Defaults {
        os_user: Some("osuser".into()),
        home: Some(PathBuf::from("/home/osuser")),
        utf8_locale: true,
        read_file: |p: &Path| match p.to_str() {
            Some("/home/osuser/.pg_service.conf") => {
                Some("[prod]\nhost=svchost\nport=7777\nsslmode=require\n".into())
            }
            _ => None,
        },
    }
}

fn params(dsn: Option<&str>, vars: &[(&str, &str)]) -> Params {
    match resolve(dsn, &env_of(vars), &defaults()) {
        Ok(p) => p,
        Err(e) => panic!("resolve failed: {e}"),
    }
}

fn usage_error(dsn: Option<&str>, vars: &[(&str, &str)]) -> String {
    match resolve(dsn, &env_of(vars), &defaults()) {
        Ok(_) => panic!("resolve succeeded"),
        Err(Error::Usage(m)) => m,
        Err(e) => panic!("not a usage error: {e}"),
    }
}

/// psql's host when none is given: the Debian socket directory, port 5432, whose password
/// file key is `localhost`.
fn default_socket() -> HostSpec {
    HostSpec {
        target: Target::Socket(PathBuf::from("/var/run/postgresql")),
        port: 5432,
        pgpass_host: "localhost".into(),
    }
}

fn tcp(host: &str, port: u16) -> HostSpec {
    HostSpec {
        target: Target::Tcp {
            host: host.into(),
            hostaddr: None,
        },
        port,
        pgpass_host: host.into(),
    }
}

#[test]
fn psql_defaults() {
    let p = params(None, &[]);
    assert_eq!(p.hosts, [default_socket()]);
    assert_eq!(p.user, "osuser");
    assert_eq!(p.dbname, "osuser");
    assert!(p.password.is_none());
    assert_eq!(p.passfile, Some(PathBuf::from("/home/osuser/.pgpass")));
    assert_eq!(p.tls.sslmode, SslModeSetting::Prefer);
    assert_eq!(p.connect_timeout, Some(Duration::from_secs(10)));
    assert_eq!(p.application_name, "connect-pg-admin");
    assert_eq!(p.session_attrs, SessionAttrs::Any);
    assert_eq!(p.channel_binding, ChannelBinding::Prefer);
    assert!(!p.load_balance);
    assert!(p.keepalives.on);
    assert!(p.options.is_none());
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
        ("PGTARGETSESSIONATTRS", "standby"),
    ];
    let p = params(None, &vars);
    assert_eq!(p.hosts, [tcp("envhost", 6000)]);
    assert_eq!(p.user, "envuser");
    assert_eq!(p.dbname, "envdb");
    assert_eq!(
        p.password,
        Some(("envpw".into(), Source::Env("PGPASSWORD")))
    );
    assert_eq!(p.tls.sslmode, SslModeSetting::Require);
    assert_eq!(p.application_name, "envapp");
    assert_eq!(p.options.as_deref(), Some("-c work_mem=1MB"));
    assert_eq!(p.connect_timeout, Some(Duration::from_secs(5)));
    assert_eq!(p.passfile, Some(PathBuf::from("/etc/pgpass")));
    assert_eq!(p.session_attrs, SessionAttrs::Standby);

    let p = params(
        Some("postgres://dsnuser:dsnpw@dsnhost:7000/dsndb?sslmode=disable"),
        &vars,
    );
    assert_eq!(p.hosts, [tcp("dsnhost", 7000)]);
    assert_eq!(p.user, "dsnuser");
    assert_eq!(p.password, Some(("dsnpw".into(), Source::ConnectionString)));
    assert_eq!(p.tls.sslmode, SslModeSetting::Disable);
    assert_eq!(p.application_name, "envapp");
}

#[test]
fn service_sits_between_the_connection_string_and_the_environment() {
    let p = params(None, &[("PGSERVICE", "prod"), ("PGHOST", "envhost")]);
    assert_eq!(p.hosts, [tcp("svchost", 7777)]);
    assert_eq!(p.tls.sslmode, SslModeSetting::Require);
    let p = params(Some("service=prod port=1"), &[("PGSSLMODE", "disable")]);
    assert_eq!(p.hosts, [tcp("svchost", 1)]);
    assert_eq!(p.tls.sslmode, SslModeSetting::Require);
    let m = usage_error(Some("service=nope"), &[]);
    assert!(
        m.starts_with("definition of service \"nope\" not found"),
        "{m}"
    );
}

#[test]
fn empty_values_block_the_environment_and_mean_default() {
    let p = params(
        Some("host='' port=''"),
        &[("PGHOST", "envhost"), ("PGPORT", "1")],
    );
    assert_eq!(p.hosts, [default_socket()]);
    // Enumerated settings reject the empty value, as libpq does.
    for dsn in [
        "sslmode=''",
        "target_session_attrs=''",
        "channel_binding=''",
        "load_balance_hosts=''",
        "gssencmode=''",
        "sslnegotiation=''",
    ] {
        let m = usage_error(Some(dsn), &[]);
        assert!(m.contains("invalid") && m.contains("\"\""), "{dsn}: {m}");
    }
    let m = usage_error(None, &[("PGSSLMODE", "")]);
    assert!(m.contains("in PGSSLMODE"), "{m}");
}

#[test]
fn host_lists_like_libpq() {
    let p = params(Some("host=a,/sock,,b port=1,2,3,4"), &[]);
    assert_eq!(p.hosts.len(), 4);
    assert_eq!(p.hosts[0], tcp("a", 1));
    assert_eq!(p.hosts[1].target, Target::Socket(PathBuf::from("/sock")));
    assert_eq!(
        p.hosts[2].target,
        Target::Socket(PathBuf::from("/var/run/postgresql"))
    );
    assert_eq!(p.hosts[3], tcp("b", 4));
    // One port for all, an empty port entry is the default.
    let p = params(Some("host=a,b port=9"), &[]);
    assert_eq!(p.hosts, [tcp("a", 9), tcp("b", 9)]);
    let p = params(Some("host=a,b port=,9"), &[]);
    assert_eq!(p.hosts, [tcp("a", 5432), tcp("b", 9)]);
    let p = params(Some("host=a,b hostaddr=10.0.0.1,10.0.0.2"), &[]);
    assert_eq!(
        p.hosts[1].target,
        Target::Tcp {
            host: "b".into(),
            hostaddr: Some("10.0.0.2".parse().expect("address"))
        }
    );
    let p = params(None, &[("PGHOSTADDR", "::1")]);
    assert_eq!(
        p.hosts[0].target,
        Target::Tcp {
            host: "::1".into(),
            hostaddr: Some("::1".parse().expect("address"))
        }
    );
    assert_eq!(p.hosts[0].pgpass_host, "::1");
    // The password file is searched under host=, even a socket directory that hostaddr=
    // overrides for connecting (libpq's pqConnectOptions2).
    let p = params(
        Some("host=/tmp/pg,/var/run/postgresql hostaddr=127.0.0.1,127.0.0.2"),
        &[],
    );
    let keys: Vec<&str> = p.hosts.iter().map(|h| h.pgpass_host.as_str()).collect();
    assert_eq!(keys, ["/tmp/pg", "localhost"]);
    assert!(matches!(p.hosts[0].target, Target::Tcp { .. }));
    assert!(usage_error(Some("host=a,b port=1,2,3"), &[])
        .contains("could not match 3 port numbers to 2 hosts"));
    assert!(usage_error(Some("host=a,b hostaddr=10.0.0.1"), &[]).contains("hostaddr"));
    assert!(usage_error(Some("hostaddr=db.example.com"), &[]).contains("invalid hostaddr"));
    assert!(usage_error(None, &[("PGPORT", "abc")]).contains("invalid port \"abc\" in PGPORT"));
    assert!(usage_error(Some("port=0"), &[]).contains("port= in the connection string"));
}

#[test]
fn session_attrs_and_load_balancing() {
    // An oracle of its own, not SessionAttrs::NAMES: a wrong entry there must fail here.
    use SessionAttrs::*;
    let names = [
        "any",
        "read-write",
        "read-only",
        "primary",
        "standby",
        "prefer-standby",
    ];
    let wants = [Any, ReadWrite, ReadOnly, Primary, Standby, PreferStandby];
    for (v, want) in names.into_iter().zip(wants) {
        let p = params(Some(&format!("target_session_attrs={v}")), &[]);
        assert_eq!(p.session_attrs, want);
    }
    assert!(usage_error(Some("target_session_attrs=master"), &[]).contains("prefer-standby"));
    assert!(params(None, &[("PGLOADBALANCEHOSTS", "random")]).load_balance);
    assert!(usage_error(Some("load_balance_hosts=on"), &[]).contains("disable, random"));
}

#[test]
fn requiressl_and_pgrequiressl() {
    let mode = |dsn: Option<&str>, vars: &[(&str, &str)]| params(dsn, vars).tls.sslmode;
    assert_eq!(mode(Some("requiressl=1"), &[]), SslModeSetting::Require);
    assert_eq!(
        mode(None, &[("PGREQUIRESSL", "1")]),
        SslModeSetting::Require
    );
    assert_eq!(mode(None, &[("PGREQUIRESSL", "0")]), SslModeSetting::Prefer);
    assert_eq!(
        mode(None, &[("PGREQUIRESSL", "1"), ("PGSSLMODE", "disable")]),
        SslModeSetting::Disable
    );
    assert_eq!(
        mode(Some("sslmode=allow"), &[("PGREQUIRESSL", "1")]),
        SslModeSetting::Allow
    );
}

#[test]
fn security_settings_refused_like_libpq() {
    let m = usage_error(Some("channel_binding=require sslmode=disable"), &[]);
    assert!(m.contains("channel_binding=require needs TLS"), "{m}");
    let m = usage_error(None, &[("PGGSSENCMODE", "require")]);
    assert!(m.contains("gssencmode=require"), "{m}");
    assert_eq!(params(Some("gssencmode=prefer"), &[]).user, "osuser");
    let m = usage_error(Some("sslnegotiation=direct"), &[]);
    assert!(m.contains("weak sslmode \"prefer\""), "{m}");
    assert!(
        params(Some("sslnegotiation=direct sslmode=require"), &[])
            .tls
            .direct
    );
    let m = usage_error(
        Some("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2"),
        &[],
    );
    assert!(m.contains("invalid SSL protocol version range"), "{m}");
    let m = usage_error(None, &[("PGSSLMAXPROTOCOLVERSION", "TLSv1.1")]);
    assert!(m.contains("invalid SSL protocol version range"), "{m}");
    let m = usage_error(None, &[("PGSSLMAXPROTOCOLVERSION", "TLSv2")]);
    assert!(m.contains("PGSSLMAXPROTOCOLVERSION"), "{m}");
    assert!(usage_error(Some("min_protocol_version=3.2"), &[]).contains("protocol 3.0 only"));
    assert!(usage_error(Some("sslcertmode=require"), &[]).contains("sslcertmode=require"));
    assert!(!params(Some("sslcertmode=disable"), &[]).tls.send_cert);
    assert!(!params(Some("sslsni=0"), &[]).tls.sni);
    assert!(params(Some("sslcompression=1"), &[]).tls.compression);
    let tls = params(Some("sslpassword=hunter2"), &[]).tls;
    assert_eq!(tls.sslpassword, Some(Secret("hunter2".into())));
    assert!(!format!("{tls:?}").contains("hunter2"));
}

#[test]
fn refused_keywords_and_variables_name_themselves() {
    let m = usage_error(Some("krbsrvname=pg"), &[]);
    assert!(
        m.starts_with("krbsrvname= in the connection string is set"),
        "{m}"
    );
    let m = usage_error(None, &[("PGSSLCRL", "/crl.pem")]);
    assert!(m.starts_with("PGSSLCRL is set"), "{m}");
    let m = usage_error(None, &[("PGTZ", "UTC")]);
    assert!(m.starts_with("PGTZ is set"), "{m}");
    // libpq sends nothing for "default", so neither is refused.
    assert_eq!(params(None, &[("PGTZ", "default")]).user, "osuser");
    assert!(usage_error(Some("replication=database"), &[]).contains("replication"));
    assert_eq!(params(Some("replication=off"), &[]).user, "osuser");
}

#[test]
fn client_encoding_must_be_utf8() {
    for ok in ["UTF8", "utf-8", "unicode", "auto"] {
        assert_eq!(
            params(Some(&format!("client_encoding={ok}")), &[]).user,
            "osuser"
        );
    }
    let m = usage_error(None, &[("PGCLIENTENCODING", "LATIN1")]);
    assert!(m.contains("PGCLIENTENCODING is \"LATIN1\""), "{m}");
    let d = Defaults {
        utf8_locale: false,
        ..defaults()
    };
    assert!(resolve(Some("client_encoding=auto"), &env_of(&[]), &d).is_err());
}

#[test]
fn numbers_follow_libpq() {
    let t = |v: &str| params(Some(&format!("connect_timeout={v}")), &[]).connect_timeout;
    assert_eq!(t("0"), None);
    assert_eq!(t("-3"), None);
    assert_eq!(t("1"), Some(Duration::from_secs(2)));
    assert_eq!(t(" 30 "), Some(Duration::from_secs(30)));
    assert!(usage_error(None, &[("PGCONNECT_TIMEOUT", "ten")]).contains("PGCONNECT_TIMEOUT"));
    let p = params(
        Some("host=db keepalives=1 keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=1500"),
        &[],
    );
    assert_eq!(
        p.keepalives,
        Keepalives {
            on: true,
            idle: Some(Duration::from_secs(30)),
            interval: Some(Duration::from_secs(5)),
            count: Some(3)
        }
    );
    assert_eq!(p.tcp_user_timeout, Some(Duration::from_millis(1500)));
    assert!(usage_error(Some("host=db keepalives=yes"), &[]).contains("invalid keepalives"));
    assert!(usage_error(Some("host=db keepalives_count=x"), &[]).contains("keepalives_count"));
    assert!(usage_error(Some("host=db tcp_user_timeout=x"), &[]).contains("tcp_user_timeout"));
}

#[test]
fn tcp_settings_are_read_as_libpq_reads_them() {
    // keepalives=0: libpq reads none of the other TCP settings.
    let p = params(
        Some("host=db keepalives=0 keepalives_idle=x keepalives_interval=x keepalives_count=x tcp_user_timeout=x"),
        &[],
    );
    assert!(!p.keepalives.on);
    assert_eq!(p.keepalives.idle, None);
    assert_eq!(p.tcp_user_timeout, None);
    // Unix sockets only: libpq reads none of them, keepalives included.
    for dsn in [
        "host=/tmp keepalives=yes keepalives_idle=1.5 tcp_user_timeout=x",
        "keepalives=yes",
        "host=/tmp,/var/run/postgresql keepalives_count=x",
    ] {
        assert!(
            resolve(Some(dsn), &env_of(&[]), &defaults()).is_ok(),
            "{dsn}"
        );
    }
    // One TCP host is enough for them to count.
    assert!(usage_error(Some("host=/tmp,db keepalives=yes"), &[]).contains("invalid keepalives"));
    assert!(usage_error(
        Some("host=/tmp hostaddr=127.0.0.1 keepalives_idle=1.5"),
        &[]
    )
    .contains("keepalives_idle"));
}

#[test]
fn names_and_fallbacks() {
    assert_eq!(params(Some("user=alice"), &[]).dbname, "alice");
    assert_eq!(params(None, &[("PGUSER", "bob")]).dbname, "bob");
    assert_eq!(
        params(Some("fallback_application_name=fb"), &[]).application_name,
        "fb"
    );
    assert_eq!(
        params(
            Some("fallback_application_name=fb application_name=app"),
            &[]
        )
        .application_name,
        "app"
    );
    let d = Defaults {
        os_user: None,
        ..defaults()
    };
    match resolve(None, &env_of(&[]), &d) {
        Err(Error::Usage(m)) => assert!(m.contains("PGUSER"), "{m}"),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("resolved without a user"),
    }
}

#[test]
fn host_entries_are_taken_as_given_ports_may_have_blanks() {
    // libpq's parse_comma_separated_list trims nothing: " b" is looked up as " b".
    let p = params(Some("host='a, b' port='1, 2'"), &[]);
    assert_eq!(p.hosts, [tcp("a", 1), tcp(" b", 2)]);
}

#[test]
fn tls_protocol_versions_are_read_without_regard_to_case() {
    let p = params(
        Some("ssl_min_protocol_version=tlsv1.3 ssl_max_protocol_version=TLSV1.3"),
        &[],
    );
    assert_eq!(p.tls.min_version, Some(openssl::ssl::SslVersion::TLS1_3));
    let e = usage_error(
        Some("ssl_min_protocol_version=tlsv1.3 ssl_max_protocol_version=tlsv1.2"),
        &[],
    );
    assert!(e.contains("ssl_min_protocol_version"), "{e}");
}
