//! Streaming hot standbys of harness clusters, for the tests of read-only servers.
//!
//! A standby is a `Cluster` of its own (own port, socket dir, log and cleanup at exit; the same
//! scram auth, TLS files, superuser password and `log_statement = all` as its primary) that
//! streams WAL from its primary through a physical replication slot, so the primary keeps every
//! segment the standby has not received yet. `pg_is_in_recovery()` is true on it and every write
//! fails with SQLSTATE 25006 (read_only_sql_transaction), as on a production replica.
//!
//! The base backup is taken with `pg_basebackup -R` when the PostgreSQL under test ships one of
//! its own major (Debian's 15). The @embedded-postgres builds of the other majors ship only
//! `initdb`, `pg_ctl` and `postgres`, and a `pg_basebackup` of another major refuses the server,
//! so there the backup is a cold copy of the primary's data directory taken while it is cleanly
//! stopped (`pg_ctl stop -m fast` writes a shutdown checkpoint and removes postmaster.pid): a
//! consistent image is a valid base backup (PostgreSQL docs, "File System Level Backup"), and
//! `standby.signal` plus `primary_conninfo`/`primary_slot_name` in `postgresql.auto.conf` are
//! exactly what `pg_basebackup -R` would have written. The primary's copied replication slots
//! are removed from the copy, as `pg_basebackup` leaves `pg_replslot/` empty.
//!
//! Stopping the primary breaks its sessions, so standbys are made of a primary that is used for
//! nothing else while the copy is taken: `standby()` (a pair shared by the tests of this
//! process) or `private_standby()`.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::cluster::{register_cleanup, run_checked, server_dir, CleanupEntry, PgCtl};
use super::run::{bin, run_with_stdin, Run};
use super::{private_cluster, tls, Cluster, Context, TestDb};

static SHARED: OnceLock<Result<Standby, String>> = OnceLock::new();
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(1);

/// A primary (a private cluster) and its standby, shared by every test of this process that
/// only needs to read from a replica: create a database on `primary()`, do the writes there,
/// `catch_up()`, then read or run the CLI on the standby.
pub fn standby() -> &'static Standby {
    match SHARED.get_or_init(|| private_cluster().start_standby()) {
        Ok(s) => s,
        Err(e) => panic!("the shared standby could not be started: {e}"),
    }
}

/// A new primary and standby for this caller alone (about two seconds), for tests that must
/// disturb either server.
pub fn private_standby() -> &'static Standby {
    match private_cluster().start_standby() {
        Ok(s) => Box::leak(Box::new(s)),
        Err(e) => panic!("a private standby could not be started: {e}"),
    }
}

/// A running hot standby and the primary it streams from.
#[derive(Debug)]
pub struct Standby {
    primary: &'static Cluster,
    server: &'static Cluster,
    /// How the base backup was taken: "pg_basebackup -R" or "cold copy".
    method: &'static str,
}

impl Cluster {
    /// Makes a streaming hot standby of this cluster. With the cold-copy method this cluster is
    /// stopped and started again (its sessions are broken): call it on a cluster that nobody
    /// else uses, `private_cluster()`.
    pub fn start_standby(&'static self) -> Result<Standby, String> {
        let started = Instant::now();
        let slot = format!(
            "standby_{}_{}",
            std::process::id(),
            NEXT_SLOT.fetch_add(1, Ordering::Relaxed)
        );
        allow_replication(self)?;
        let mut admin = self.try_admin("postgres")?;
        admin
            .execute(
                "select pg_catalog.pg_create_physical_replication_slot($1, true)",
                &[&slot],
            )
            .map_err(|e| super::pg_error(&e))
            .ctx(|| format!("create the replication slot {slot}"))?;
        drop(admin);

        let base = server_dir("standby")?;
        let data = base.join("data");
        let pg_ctl = PgCtl {
            bin: self.bin.clone(),
            run_as: self.run_as,
            cwd: base.clone(),
        };
        register_cleanup(CleanupEntry {
            base: base.clone(),
            data: data.clone(),
            pg_ctl: pg_ctl.clone(),
        });
        fs::write(base.join("owner.pid"), std::process::id().to_string())
            .ctx(|| "write owner.pid")?;
        if super::cluster::keep_clusters() {
            fs::write(base.join("KEEP"), "CPA_KEEP_CLUSTER=1\n").ctx(|| "write KEEP")?;
        }
        set_mode(&base, 0o700)?;
        if let Some(user) = self.run_as {
            user.chown(&base)?;
        }
        let socket_dir = base.join("sock");
        fs::create_dir(&socket_dir).ctx(|| "create the standby's socket dir")?;
        if let Some(user) = self.run_as {
            user.chown(&socket_dir)?;
        }

        let method = match matching_basebackup(self) {
            Some(exe) => {
                basebackup(self, &pg_ctl, &exe, &data, &slot)?;
                "pg_basebackup -R"
            }
            None => {
                cold_copy(self, &data, &slot)?;
                "cold copy"
            }
        };

        // The primary's TLS files: the same CA and server certificate (CN=localhost).
        let tls_dir = self.base.join("tls");
        let tls = tls::TlsFiles {
            ca_cert: self.ca_cert.clone(),
            other_ca_cert: self.other_ca_cert.clone(),
            server_cert: tls_dir.join("server.crt"),
            server_key: tls_dir.join("server.key"),
        };
        let log = base.join("postgresql.log");
        let port = pg_ctl
            .start_on_a_free_port(&data, &log, &socket_dir, &tls, "")
            .map_err(|e| format!("the standby did not start: {e}"))?;

        let server: &'static Cluster = Box::leak(Box::new(Cluster {
            label: "standby",
            base: base.clone(),
            data,
            bin: self.bin.clone(),
            socket_dir,
            log,
            ca_cert: self.ca_cert.clone(),
            other_ca_cert: self.other_ca_cert.clone(),
            port,
            password: self.password.clone(),
            run_as: self.run_as,
            major: self.major,
            restart_lock: Mutex::new(()),
            global_lock: Mutex::new(()),
        }));
        let standby = Standby {
            primary: self,
            server,
            method,
        };
        let in_recovery = standby.query_one("postgres", "select pg_catalog.pg_is_in_recovery()")?;
        if in_recovery != "t" {
            return Err(format!(
                "the standby on port {port} is not in recovery (pg_is_in_recovery() = {in_recovery})"
            ));
        }
        standby.try_catch_up()?;
        fs::write(
            base.join("connect.txt"),
            format!(
                "  standby of the cluster on port {} ({method}), slot {slot}\n  \
                 connect: PGPASSWORD=$(cat {}/superuser.password) psql \"{}\"\n",
                self.port,
                self.base.display(),
                server.dsn("postgres"),
            ),
        )
        .ctx(|| "write connect.txt")?;
        if std::env::var_os("CPA_HARNESS_VERBOSE").is_some() {
            eprintln!(
                "[harness] standby (PostgreSQL {}, {method}) of port {} on port {port} in {} started in {:?}",
                self.major,
                self.port,
                base.display(),
                started.elapsed()
            );
        }
        Ok(standby)
    }
}

impl Standby {
    /// The primary: create databases and do every write here.
    pub fn primary(&self) -> &'static Cluster {
        self.primary
    }

    /// The standby as a cluster: `dsn`, `config`, `admin`, `port`, `log_contents` work on it;
    /// `create_db` cannot (it is read-only).
    pub fn server(&self) -> &'static Cluster {
        self.server
    }

    /// "pg_basebackup -R" or "cold copy".
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The primary's current WAL insert position (every write made so far is before it).
    pub fn primary_lsn(&self) -> String {
        let mut c = self.primary.admin("postgres");
        super::db::query_strings(&mut c, "select pg_catalog.pg_current_wal_insert_lsn()")
            .unwrap_or_else(|e| panic!("read the primary's LSN: {}", super::pg_error(&e)))
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// Waits (up to a minute) until the standby has replayed the WAL up to `lsn`.
    pub fn wait_for_replay(&self, lsn: &str) {
        if let Err(e) = self.try_wait_for_replay(lsn) {
            panic!("{e}");
        }
    }

    /// Waits until the standby has replayed everything the primary has written so far.
    pub fn catch_up(&self) {
        if let Err(e) = self.try_catch_up() {
            panic!("{e}");
        }
    }

    fn try_catch_up(&self) -> Result<(), String> {
        let mut c = self.primary.try_admin("postgres")?;
        let lsn = super::db::query_strings(&mut c, "select pg_catalog.pg_current_wal_insert_lsn()")
            .map_err(|e| super::pg_error(&e))?
            .into_iter()
            .next()
            .unwrap_or_default();
        self.try_wait_for_replay(&lsn)
    }

    fn try_wait_for_replay(&self, lsn: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut client = self.server.try_admin("postgres")?;
        let lsn = record_end(&mut client, lsn)?;
        loop {
            let row = client
                .query_one(
                    "select coalesce(pg_catalog.pg_last_wal_replay_lsn() \
                     OPERATOR(pg_catalog.>=) $1::text::pg_catalog.pg_lsn, false), \
                     coalesce(pg_catalog.pg_last_wal_replay_lsn()::text, 'none')",
                    &[&lsn],
                )
                .map_err(|e| super::pg_error(&e))
                .ctx(|| "read the standby's replay position")?;
            if row.get::<_, bool>(0) {
                return Ok(());
            }
            if Instant::now() > deadline {
                let replayed: String = row.get(1);
                let log = fs::read_to_string(&self.server.log).unwrap_or_default();
                return Err(format!(
                    "the standby on port {} has replayed up to {replayed}, not {lsn}, after a \
                     minute\n--- standby log ---\n{}",
                    self.server.port,
                    super::cluster::tail(&log, 30)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The real binary run against the standby's copy of `db` (created on the primary), as
    /// `TestDb::cli` runs it against the primary: `--dsn` of the standby, the superuser
    /// password in PGPASSWORD.
    pub fn cli(&self, db: &TestDb, args: &[&str]) -> Run {
        self.cli_with(db, args, &[])
    }

    /// As `cli`, with extra environment variables applied last.
    pub fn cli_with(&self, db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = bin();
        cmd.args(args)
            .arg("--dsn")
            .arg(self.dsn(db))
            .env("PGPASSWORD", self.server.superuser_password());
        for (key, value) in env {
            cmd.env(key, value);
        }
        run_with_stdin(cmd, None)
    }

    /// The standby's conninfo for `db`, without the password.
    pub fn dsn(&self, db: &TestDb) -> String {
        self.server.dsn(db.name())
    }

    /// The first column of every row `sql` returns on the standby's copy of `db`.
    pub fn query_strings(&self, db: &TestDb, sql: &str) -> Vec<String> {
        let mut c = self.server.admin(db.name());
        super::db::query_strings(&mut c, sql).unwrap_or_else(|e| {
            panic!(
                "query on the standby's {}: {}\n{sql}",
                db.name(),
                super::pg_error(&e)
            )
        })
    }

    fn query_one(&self, db: &str, sql: &str) -> Result<String, String> {
        let mut c = self.server.try_admin(db)?;
        Ok(super::db::query_strings(&mut c, sql)
            .map_err(|e| super::pg_error(&e))?
            .into_iter()
            .next()
            .unwrap_or_default())
    }
}

/// `lsn` as the end of the record before it. The insert position the primary reports is where
/// the next record will start: just past the page header when the last record filled its page
/// (`XLogBytePosToRecPtr` in xlog.c), whereas the standby's replay position is the end of the
/// last record, the page boundary itself. Waiting for the former would wait for the next record
/// the primary happens to write (a running-xacts record every 15 s on an idle server).
fn record_end(client: &mut postgres::Client, lsn: &str) -> Result<String, String> {
    let parse = |s: &str| -> Option<u64> {
        let (hi, lo) = s.split_once('/')?;
        Some((u64::from_str_radix(hi, 16).ok()? << 32) | u64::from_str_radix(lo, 16).ok()?)
    };
    let value = parse(lsn).ok_or_else(|| format!("not an LSN: {lsn:?}"))?;
    let sizes = client
        .query_one(
            "select pg_catalog.current_setting('wal_block_size')::int8, \
             (select setting::int8 from pg_catalog.pg_settings \
              where name OPERATOR(pg_catalog.=) 'wal_segment_size')",
            &[],
        )
        .map_err(|e| super::pg_error(&e))
        .ctx(|| "read the WAL page and segment sizes")?;
    let (page, segment) = (sizes.get::<_, i64>(0) as u64, sizes.get::<_, i64>(1) as u64);
    // SizeOfXLogLongPHD and SizeOfXLogShortPHD on 64-bit builds.
    let end = if value % segment == 40 {
        value - 40
    } else if value % page == 24 {
        value - 24
    } else {
        value
    };
    Ok(format!("{:X}/{:X}", end >> 32, end & 0xffff_ffff))
}

/// Replication connections match only `replication` lines of pg_hba.conf (not `all`).
fn allow_replication(primary: &Cluster) -> Result<(), String> {
    let hba = primary.data.join("pg_hba.conf");
    let text = fs::read_to_string(&hba).ctx(|| "read pg_hba.conf")?;
    if !text.contains(" replication ") {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&hba)
            .ctx(|| "open pg_hba.conf")?;
        f.write_all(
            b"hostssl   replication all 127.0.0.1/32 scram-sha-256\n\
              hostnossl replication all 127.0.0.1/32 scram-sha-256\n",
        )
        .ctx(|| "append to pg_hba.conf")?;
    }
    let mut admin = primary.try_admin("postgres")?;
    admin
        .simple_query("select pg_catalog.pg_reload_conf()")
        .map_err(|e| super::pg_error(&e))
        .ctx(|| "reload the primary's configuration")?;
    Ok(())
}

/// A `pg_basebackup` of the server's own major: the one installed next to it, else Debian's of
/// that major.
fn matching_basebackup(primary: &Cluster) -> Option<std::path::PathBuf> {
    let candidates = [
        primary.bin.join("pg_basebackup"),
        Path::new("/usr/lib/postgresql")
            .join(primary.major.to_string())
            .join("bin/pg_basebackup"),
    ];
    candidates.into_iter().find(|exe| {
        std::process::Command::new(exe)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .is_some_and(|v| {
                // "pg_basebackup (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
                v.split_whitespace()
                    .nth(2)
                    .and_then(|ver| ver.split('.').next())
                    .is_some_and(|m| m == primary.major.to_string())
            })
    })
}

fn basebackup(
    primary: &Cluster,
    pg_ctl: &PgCtl,
    exe: &Path,
    data: &Path,
    slot: &str,
) -> Result<(), String> {
    // PgCtl runs programs of its bin dir; pg_basebackup may live in another one (Debian's).
    let helper = PgCtl {
        bin: exe.parent().unwrap_or(Path::new("/")).to_path_buf(),
        run_as: pg_ctl.run_as,
        cwd: pg_ctl.cwd.clone(),
    };
    let mut cmd = helper.command("pg_basebackup");
    cmd.arg("-D")
        .arg(data)
        .args(["-R", "-X", "stream", "-c", "fast", "--no-sync", "-S", slot])
        .args(["-h", "127.0.0.1", "-U", "postgres", "-p"])
        .arg(primary.port.to_string())
        // The password goes through the environment, never argv; -R copies it into
        // primary_conninfo, which the standby needs to authenticate (scram).
        .env("PGPASSWORD", &primary.password)
        .env("PGSSLMODE", "disable")
        .env("PGAPPNAME", "standby");
    run_checked(cmd, "pg_basebackup")?;
    let auto = fs::read_to_string(data.join("postgresql.auto.conf"))
        .ctx(|| "read the standby's postgresql.auto.conf")?;
    if !data.join("standby.signal").exists() || !auto.contains("primary_conninfo") {
        return Err(format!(
            "pg_basebackup -R wrote no standby configuration into {}",
            data.display()
        ));
    }
    Ok(())
}

fn cold_copy(primary: &Cluster, data: &Path, slot: &str) -> Result<(), String> {
    let pg_ctl = primary.pg_ctl();
    let mut stop = pg_ctl.command("pg_ctl");
    stop.args(["stop", "-m", "fast", "-w", "-t", "60", "-s", "-D"])
        .arg(&primary.data);
    run_checked(stop, "pg_ctl stop (primary, for the cold copy)")?;
    let mut cp = std::process::Command::new("cp");
    // -a keeps modes and owners (the server user's, when we are root).
    cp.arg("-a").arg(&primary.data).arg(data);
    let copied = run_checked(cp, "cp -a of the stopped primary");
    let restarted = pg_ctl.start(&primary.data, &primary.log);
    copied?;
    restarted.ctx(|| "start the primary again after the cold copy")?;

    for name in ["postmaster.pid", "postmaster.opts"] {
        let _ = fs::remove_file(data.join(name));
    }
    let slots = data.join("pg_replslot");
    for entry in fs::read_dir(&slots).ctx(|| "read pg_replslot")?.flatten() {
        fs::remove_dir_all(entry.path()).ctx(|| format!("remove {}", entry.path().display()))?;
    }
    let signal = data.join("standby.signal");
    fs::write(&signal, "").ctx(|| "write standby.signal")?;
    if let Some(user) = primary.run_as {
        user.chown(&signal)?;
    }
    // What pg_basebackup -R appends: the server reads it after postgresql.conf.
    let mut auto = fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.auto.conf"))
        .ctx(|| "open the standby's postgresql.auto.conf")?;
    writeln!(
        auto,
        "primary_conninfo = 'host=127.0.0.1 port={} user=postgres password={} \
         sslmode=disable application_name=standby'\nprimary_slot_name = '{slot}'",
        primary.port, primary.password
    )
    .ctx(|| "append to the standby's postgresql.auto.conf")?;
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .ctx(|| format!("chmod {}", path.display()))
}
