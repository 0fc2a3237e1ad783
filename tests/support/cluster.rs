//! Throwaway PostgreSQL clusters: `initdb` into a fresh temp dir, our own port and socket dir,
//! scram-sha-256 everywhere, TLS with a test CA, every statement logged to a file. Started
//! lazily once per test process, stopped and removed by an `atexit` hook (unless
//! `CPA_KEEP_CLUSTER=1`), the way pgTAP's `test_MVU.sh` uses an exit trap.

use std::ffi::{CString, OsStr};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, Once, OnceLock};
use std::time::{Duration, Instant};

use rand::distr::{Alphanumeric, SampleString};

use super::{install, tls, Context};

static MAIN: OnceLock<Result<Cluster, String>> = OnceLock::new();
static NO_PGTAP: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// The cluster shared by every test of this process.
pub fn cluster() -> &'static Cluster {
    match MAIN.get_or_init(|| Cluster::start("main", false)) {
        Ok(c) => c,
        Err(e) => panic!("the test cluster could not be started: {e}"),
    }
}

/// A second shared cluster, run from a private copy of the installation whose `extension/`
/// directory has no pgTAP files.
pub fn cluster_without_pgtap() -> &'static Cluster {
    match NO_PGTAP.get_or_init(|| Cluster::start("without-pgtap", true)) {
        Ok(c) => c,
        Err(e) => panic!("the test cluster without pgTAP could not be started: {e}"),
    }
}

/// A new cluster for this caller alone (about a second to start), for tests that must disturb
/// the whole server (`restart`, roles that must not change under them) without breaking the
/// tests that share `cluster()`. Removed at exit like the others.
pub fn private_cluster() -> &'static Cluster {
    match Cluster::start("private", false) {
        Ok(c) => Box::leak(Box::new(c)),
        Err(e) => panic!("a private test cluster could not be started: {e}"),
    }
}

/// A new cluster for this caller alone, run like `cluster_without_pgtap()` from a private copy
/// of the installation without pgTAP's files: for tests that put extension files of their own
/// into that copy's share directory (which the server names in `pg_config`) and take them away
/// again. Removed at exit like the others.
pub fn private_cluster_without_pgtap() -> &'static Cluster {
    match Cluster::start("private-without-pgtap", true) {
        Ok(c) => Box::leak(Box::new(c)),
        Err(e) => panic!("a private test cluster without pgTAP could not be started: {e}"),
    }
}

/// A new cluster for this caller alone, of the PostgreSQL installed in `bin` rather than the
/// one under test: for tests about other majors (a server older than the supported range).
/// Removed at exit like the others.
pub fn private_cluster_of(bin: &Path) -> &'static Cluster {
    match Cluster::start_from("private-other", false, Some(bin), &Extra::default()) {
        Ok(c) => Box::leak(Box::new(c)),
        Err(e) => panic!(
            "a private test cluster of {} could not be started: {e}",
            bin.display()
        ),
    }
}

/// A cluster of PostgreSQL `major` for tests about a major other than the one under test:
/// `scripts/pg-majors <major>` prepares its server (from its cache, or installs it), one
/// cluster per major and test process. Panics when that fails: a test of that major must not
/// pass without running.
pub fn cluster_of_major(major: u32) -> &'static Cluster {
    static MAJORS: Mutex<Vec<(u32, &'static Cluster)>> = Mutex::new(Vec::new());
    let mut majors = MAJORS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, c)) = majors.iter().find(|(m, _)| *m == major) {
        return c;
    }
    let c = private_cluster_of(&bin_of_major(major));
    majors.push((major, c));
    c
}

/// The bin dir of PostgreSQL `major` as `scripts/pg-majors` prepares it; panics when it
/// cannot, so that a test of that major never passes without running.
pub(super) fn bin_of_major(major: u32) -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-majors");
    let out = Command::new(&script)
        .arg(major.to_string())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bin = stdout
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(major.to_string().as_str()))
                .then(|| words.next())
                .flatten()
        })
        .filter(|_| out.status.success())
        .unwrap_or_else(|| {
            panic!(
                "scripts/pg-majors {major} did not give a bin dir ({}): {stdout}",
                out.status
            )
        });
    PathBuf::from(bin)
}

/// The OS user the server runs as when the tests run as root (PostgreSQL refuses root).
pub(crate) struct ServerUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl ServerUser {
    pub(crate) fn chown(&self, path: &Path) -> Result<(), String> {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
            .ctx(|| format!("chown {} to {}", path.display(), self.name))
    }
}

pub(super) fn server_user() -> Result<Option<&'static ServerUser>, String> {
    static USER: OnceLock<Result<Option<ServerUser>, String>> = OnceLock::new();
    USER.get_or_init(|| {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(None);
        }
        for name in ["postgres", "nobody"] {
            if let Some((uid, gid)) = lookup_user(name) {
                return Ok(Some(ServerUser {
                    name: name.to_string(),
                    uid,
                    gid,
                }));
            }
        }
        Err(
            "running as root, but neither user `postgres` nor `nobody` exists to run the server"
                .into(),
        )
    })
    .as_ref()
    .map(Option::as_ref)
    .map_err(Clone::clone)
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).ok()?;
    // SAFETY: a zeroed passwd is a valid out-parameter; getpwnam_r is the thread-safe variant
    // and only writes into `pwd` and `buf`, whose sizes we pass.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        (rc == 0 && !result.is_null()).then_some((pwd.pw_uid, pwd.pw_gid))
    }
}

/// What a cluster needs beyond the harness's defaults (the Citus harness: its library
/// preloaded, and one superuser password shared by the nodes, which connect to one another).
#[derive(Default)]
pub(super) struct Extra {
    /// Lines appended to harness.conf.
    pub conf: String,
    /// The superuser's password instead of a random one.
    pub password: Option<String>,
}

/// A running throwaway cluster.
pub struct Cluster {
    pub(super) label: &'static str,
    pub(super) base: PathBuf,
    pub(super) data: PathBuf,
    pub(super) bin: PathBuf,
    pub(super) socket_dir: PathBuf,
    pub(super) log: PathBuf,
    pub(super) ca_cert: PathBuf,
    pub(super) other_ca_cert: PathBuf,
    pub(super) port: u16,
    pub(super) password: String,
    pub(super) run_as: Option<&'static ServerUser>,
    pub(super) major: u32,
    pub(super) restart_lock: Mutex<()>,
    pub(super) global_lock: Mutex<()>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("label", &self.label)
            .field("base", &self.base)
            .field("port", &self.port)
            .field("major", &self.major)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    fn start(label: &'static str, without_pgtap: bool) -> Result<Cluster, String> {
        Cluster::start_from(label, without_pgtap, None, &Extra::default())
    }

    /// `bin`: the PostgreSQL bin dir to run instead of the one under test (`CPA_PG_BIN`).
    pub(super) fn start_from(
        label: &'static str,
        without_pgtap: bool,
        bin: Option<&Path>,
        extra: &Extra,
    ) -> Result<Cluster, String> {
        let started = Instant::now();
        remove_stale_clusters();
        let pg_bin = match bin {
            Some(dir) => install::checked_bin_dir(dir, "the test")?,
            None => install::pg_bin_dir()?,
        };
        let run_as = server_user()?;

        let base = server_dir("cluster")?;
        let data = base.join("data");
        // Register before anything can fail, so that a half-started cluster is removed too.
        register_cleanup(CleanupEntry {
            base: base.clone(),
            data: data.clone(),
            pg_ctl: PgCtl {
                bin: pg_bin.clone(),
                run_as,
                cwd: base.clone(),
            },
        });
        fs::write(base.join("owner.pid"), std::process::id().to_string())
            .ctx(|| "write owner.pid")?;
        if keep_clusters() {
            fs::write(base.join("KEEP"), "CPA_KEEP_CLUSTER=1\n").ctx(|| "write KEEP")?;
        }
        fs::set_permissions(&base, fs::Permissions::from_mode(0o700))
            .ctx(|| format!("chmod {}", base.display()))?;
        if let Some(user) = run_as {
            user.chown(&base)?;
        }

        let bin = if without_pgtap {
            let bin = install::copy_without_pgtap(&pg_bin, &base.join("install"))?;
            set_cleanup_bin(&base, &bin);
            bin
        } else {
            pg_bin
        };
        let pg_ctl = PgCtl {
            bin: bin.clone(),
            run_as,
            cwd: base.clone(),
        };

        let tls = tls::generate(&base.join("tls"), run_as)?;
        let socket_dir = base.join("sock");
        fs::create_dir(&socket_dir).ctx(|| "create the socket dir")?;
        if let Some(user) = run_as {
            user.chown(&socket_dir)?;
        }

        // initdb reads the superuser password from a file, so it never appears on an argv.
        let password = extra
            .password
            .clone()
            .unwrap_or_else(|| Alphanumeric.sample_string(&mut rand::rng(), 24));
        let pwfile = base.join("initdb.pw");
        fs::write(&pwfile, format!("{password}\n")).ctx(|| "write the password file")?;
        fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600))
            .ctx(|| "chmod the password file")?;
        if let Some(user) = run_as {
            user.chown(&pwfile)?;
        }
        let mut initdb = pg_ctl.command("initdb");
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "--no-locale",
                "--encoding=UTF8",
                "--no-sync",
                "--auth=scram-sha-256",
                "--username=postgres",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        let initdb_result = run_checked(initdb, "initdb");
        let _ = fs::remove_file(&pwfile);
        initdb_result?;
        // Kept for whoever inspects a cluster left by CPA_KEEP_CLUSTER=1.
        let pw_keep = base.join("superuser.password");
        fs::write(&pw_keep, &password).ctx(|| "write superuser.password")?;
        fs::set_permissions(&pw_keep, fs::Permissions::from_mode(0o600))
            .ctx(|| "chmod superuser.password")?;

        fs::write(
            data.join("pg_hba.conf"),
            "# written by the connect-pg-admin test harness\n\
             local     all all              scram-sha-256\n\
             hostssl   all all 127.0.0.1/32 scram-sha-256\n\
             hostnossl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .ctx(|| "write pg_hba.conf")?;
        let mut conf = fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .ctx(|| "open postgresql.conf")?;
        conf.write_all(b"\ninclude 'harness.conf'\n")
            .ctx(|| "append to postgresql.conf")?;

        let major = fs::read_to_string(data.join("PG_VERSION"))
            .ctx(|| "read PG_VERSION")?
            .trim()
            .parse::<u32>()
            .ctx(|| "parse PG_VERSION")?;
        let log = base.join("postgresql.log");

        let port = pg_ctl
            .start_on_a_free_port(&data, &log, &socket_dir, &tls, &extra.conf)
            .map_err(|e| format!("pg_ctl start failed: {e}"))?;

        let cluster = Cluster {
            label,
            base,
            data,
            bin,
            socket_dir,
            log,
            ca_cert: tls.ca_cert,
            other_ca_cert: tls.other_ca_cert,
            port,
            password,
            run_as,
            major,
            restart_lock: Mutex::new(()),
            global_lock: Mutex::new(()),
        };
        cluster
            .try_admin("postgres")
            .and_then(|mut c| c.simple_query("select 1").map_err(|e| super::pg_error(&e)))
            .ctx(|| "connect to the new cluster")?;
        let info = format!(
            "  connect: PGPASSWORD=$(cat {pw}) psql \"{dsn}\"\n  \
             (or host={sock})\n  stop:    {pg_ctl} stop -D {data}{as_user}\n  \
             then:    rm -rf {base}\n",
            base = cluster.base.display(),
            pw = cluster.base.join("superuser.password").display(),
            dsn = cluster.dsn("postgres"),
            sock = cluster.socket_dir.display(),
            pg_ctl = cluster.bin.join("pg_ctl").display(),
            data = cluster.data.display(),
            as_user = run_as
                .map(|u| format!("   (as user {})", u.name))
                .unwrap_or_default(),
        );
        fs::write(cluster.base.join("connect.txt"), info).ctx(|| "write connect.txt")?;
        if std::env::var_os("CPA_HARNESS_VERBOSE").is_some() {
            eprintln!(
                "[harness] cluster {label} (PostgreSQL {major}) on port {port} in {} started in {:?}",
                cluster.base.display(),
                started.elapsed()
            );
        }
        Ok(cluster)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn superuser_password(&self) -> &str {
        &self.password
    }

    /// The CA that signed the server certificate (CN=localhost, SAN localhost, 127.0.0.1).
    pub fn ca_cert(&self) -> &Path {
        &self.ca_cert
    }

    /// A CA unrelated to the server certificate.
    pub fn other_ca_cert(&self) -> &Path {
        &self.other_ca_cert
    }

    /// The PostgreSQL major version (from the data directory's PG_VERSION).
    pub fn major(&self) -> u32 {
        self.major
    }

    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The whole server log (every statement is logged: `log_statement = 'all'`). Shared by
    /// all tests running in parallel: look for something unique to your test.
    pub fn log_contents(&self) -> String {
        let bytes = fs::read(&self.log)
            .unwrap_or_else(|e| panic!("cannot read the server log {}: {e}", self.log.display()));
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The log's current length, to pass to `log_since` later.
    pub fn log_len(&self) -> usize {
        fs::metadata(&self.log)
            .map(|m| m.len() as usize)
            .unwrap_or(0)
    }

    /// The log written after `log_len()` returned `offset`.
    pub fn log_since(&self, offset: usize) -> String {
        let bytes = fs::read(&self.log)
            .unwrap_or_else(|e| panic!("cannot read the server log {}: {e}", self.log.display()));
        String::from_utf8_lossy(bytes.get(offset..).unwrap_or_default()).into_owned()
    }

    /// A libpq key=value string for `db` as the superuser, without the password.
    pub fn dsn(&self, db: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={db} sslmode=disable",
            self.port
        )
    }

    /// postgres::Config for `user` over TCP (no TLS), for building your own connections.
    pub fn config(&self, db: &str, user: &str, password: &str) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user(user)
            .password(password)
            .dbname(db)
            .application_name("cpa-test-harness")
            .connect_timeout(Duration::from_secs(10));
        config
    }

    pub(crate) fn try_admin(&self, db: &str) -> Result<postgres::Client, String> {
        self.config(db, "postgres", &self.password)
            .connect(postgres::NoTls)
            .map_err(|e| {
                format!(
                    "connect as postgres to {db} on port {}: {}",
                    self.port,
                    super::pg_error(&e)
                )
            })
    }

    /// A superuser connection to `db` over TCP without TLS.
    pub fn admin(&self, db: &str) -> postgres::Client {
        self.try_admin(db).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Fast shutdown, then start again on the same port. Every open connection is broken, so
    /// use it on a `private_cluster()` unless breaking the other tests is the point.
    pub fn restart(&self) {
        let _guard = self.restart_lock.lock().unwrap_or_else(|p| p.into_inner());
        let pg_ctl = self.pg_ctl();
        let mut stop = pg_ctl.command("pg_ctl");
        stop.args(["stop", "-m", "fast", "-w", "-t", "60", "-D"])
            .arg(&self.data);
        if let Err(e) = run_checked(stop, "pg_ctl stop") {
            panic!("restart: {e}\n--- server log ---\n{}", self.log_tail());
        }
        if let Err(e) = pg_ctl.start(&self.data, &self.log) {
            panic!("restart: {e}\n--- server log ---\n{}", self.log_tail());
        }
    }

    /// Serializes tests that change or depend on cluster-wide objects (roles, memberships):
    /// roles are shared by every database, so two such tests running at once see each
    /// other's changes in `snapshot()`.
    pub fn global_lock(&self) -> MutexGuard<'_, ()> {
        self.global_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log_tail(&self) -> String {
        tail(&fs::read_to_string(&self.log).unwrap_or_default(), 40)
    }

    pub(super) fn pg_ctl(&self) -> PgCtl {
        PgCtl {
            bin: self.bin.clone(),
            run_as: self.run_as,
            cwd: self.base.clone(),
        }
    }
}

pub(super) const DIR_PREFIX: &str = "cpa-pg-";

/// Where clusters live: `CPA_PG_TMPDIR`, else /dev/shm (tmpfs: initdb takes 0.3 s there
/// against 1.3 s on this machine's ext4, whose file creation is slow), else the temp dir.
pub(super) fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("CPA_PG_TMPDIR") {
            return PathBuf::from(dir);
        }
        let shm = Path::new("/dev/shm");
        let usable = fs::metadata(shm).is_ok_and(|m| m.is_dir())
            && tempfile::Builder::new()
                .prefix(".cpa-probe-")
                .tempdir_in(shm)
                .is_ok();
        if usable {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        }
    })
}

pub(super) fn keep_clusters() -> bool {
    std::env::var("CPA_KEEP_CLUSTER").is_ok_and(|v| v == "1")
}

/// A new directory for a `what` (a cluster, a standby) under the scratch dir; kept, since the
/// exit cleanup removes it.
pub(super) fn server_dir(what: &str) -> Result<PathBuf, String> {
    Ok(tempfile::Builder::new()
        .prefix(DIR_PREFIX)
        .tempdir_in(scratch_dir())
        .ctx(|| format!("create a temp dir for the {what}"))?
        .keep())
}

pub(super) fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").ctx(|| "bind 127.0.0.1:0 to find a port")?;
    Ok(listener
        .local_addr()
        .ctx(|| "read the probe socket's port")?
        .port())
}

pub(super) fn write_harness_conf(
    data: &Path,
    port: u16,
    socket_dir: &Path,
    tls: &tls::TlsFiles,
    extra: &str,
) -> Result<(), String> {
    let conf = format!(
        "# written by the connect-pg-admin test harness\n\
         listen_addresses = '127.0.0.1'\n\
         port = {port}\n\
         unix_socket_directories = '{sock}'\n\
         max_connections = 200\n\
         password_encryption = 'scram-sha-256'\n\
         fsync = off\n\
         synchronous_commit = off\n\
         full_page_writes = off\n\
         ssl = on\n\
         ssl_cert_file = '{cert}'\n\
         ssl_key_file = '{key}'\n\
         log_statement = 'all'\n\
         log_line_prefix = '%m [%p] %q%u@%d '\n\
         logging_collector = off\n\
         {extra}",
        sock = socket_dir.display(),
        cert = tls.server_cert.display(),
        key = tls.server_key.display(),
    );
    fs::write(data.join("harness.conf"), conf).ctx(|| "write harness.conf")
}

pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs the server's programs, as the server user when we are root.
#[derive(Clone)]
pub(super) struct PgCtl {
    pub(super) bin: PathBuf,
    pub(super) run_as: Option<&'static ServerUser>,
    pub(super) cwd: PathBuf,
}

impl PgCtl {
    pub(super) fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new(runuser());
                c.arg("-u").arg(&user.name).arg("--").arg(exe);
                c
            }
            None => Command::new(exe),
        };
        // The server user may not be able to enter the test's working directory.
        cmd.current_dir(&self.cwd).stdin(Stdio::null());
        super::scrub_pg_env(&mut cmd);
        cmd
    }

    pub(super) fn start(&self, data: &Path, log: &Path) -> Result<(), String> {
        let mut start = self.command("pg_ctl");
        start
            .args(["start", "-w", "-t", "60", "-s", "-D"])
            .arg(data)
            .arg("-l")
            .arg(log);
        run_checked(start, "pg_ctl start").map(drop)
    }

    /// Writes harness.conf for a free port and starts the server in `data`; the port. A free
    /// port can be taken between our probe and the server's bind (another test process, say):
    /// then it tries another. The error holds the tail of the server's log.
    pub(super) fn start_on_a_free_port(
        &self,
        data: &Path,
        log: &Path,
        socket_dir: &Path,
        tls: &tls::TlsFiles,
        extra_conf: &str,
    ) -> Result<u16, String> {
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            write_harness_conf(data, port, socket_dir, tls, extra_conf)?;
            match self.start(data, log) {
                Ok(()) => return Ok(port),
                Err(e) => {
                    let log_text = fs::read_to_string(log).unwrap_or_default();
                    last_error = format!("{e}\n--- server log ---\n{}", tail(&log_text, 40));
                    if !log_text.contains("could not bind") {
                        break;
                    }
                }
            }
        }
        Err(last_error)
    }
}

fn runuser() -> &'static OsStr {
    ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .map(OsStr::new)
        .unwrap_or(OsStr::new("runuser"))
}

pub(super) fn run_checked(mut cmd: Command, what: &str) -> Result<Output, String> {
    let out = cmd.output().ctx(|| format!("run {what} ({cmd:?})"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{what} failed ({}): {:?}\nstdout: {}\nstderr: {}",
            out.status,
            cmd,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

// ---- cleanup at exit ----------------------------------------------------------------------

pub(super) struct CleanupEntry {
    pub(super) base: PathBuf,
    pub(super) data: PathBuf,
    pub(super) pg_ctl: PgCtl,
}

static CLEANUP: Mutex<Vec<CleanupEntry>> = Mutex::new(Vec::new());

fn cleanup_list() -> MutexGuard<'static, Vec<CleanupEntry>> {
    CLEANUP.lock().unwrap_or_else(|p| p.into_inner())
}

pub(super) fn register_cleanup(entry: CleanupEntry) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        // SAFETY: registering a plain extern "C" fn; it catches every panic itself.
        if unsafe { libc::atexit(cleanup_at_exit) } != 0 {
            eprintln!("[harness] warning: atexit failed; test clusters will be left running");
        }
    });
    cleanup_list().push(entry);
}

/// The cluster without pgTAP must be stopped with its own copy of pg_ctl (same binaries).
fn set_cleanup_bin(base: &Path, bin: &Path) {
    for entry in cleanup_list().iter_mut().filter(|e| e.base == base) {
        entry.pg_ctl.bin = bin.to_path_buf();
    }
}

extern "C" fn cleanup_at_exit() {
    // A panic must not unwind into libc.
    let _ = std::panic::catch_unwind(|| {
        let started = Instant::now();
        let entries = std::mem::take(&mut *cleanup_list());
        let count = entries.len();
        for entry in entries {
            if keep_clusters() {
                let info = fs::read_to_string(entry.base.join("connect.txt")).unwrap_or_default();
                eprintln!(
                    "[harness] CPA_KEEP_CLUSTER=1: cluster kept running in {}\n{info}",
                    entry.base.display()
                );
                continue;
            }
            if entry.data.join("postmaster.pid").exists() {
                let mut stop = entry.pg_ctl.command("pg_ctl");
                stop.args(["stop", "-m", "immediate", "-w", "-t", "30", "-s", "-D"])
                    .arg(&entry.data);
                if let Err(e) = run_checked(stop, "pg_ctl stop") {
                    eprintln!("[harness] warning: {e}");
                }
            }
            if let Err(e) = fs::remove_dir_all(&entry.base) {
                eprintln!(
                    "[harness] warning: cannot remove {}: {e}",
                    entry.base.display()
                );
            }
        }
        if std::env::var_os("CPA_HARNESS_VERBOSE").is_some() && count > 0 {
            eprintln!(
                "[harness] {count} cluster(s) cleaned up in {:?}",
                started.elapsed()
            );
        }
    });
}

/// Clusters left behind by test processes that died without running their exit hook (killed,
/// aborted): stop their postmaster and remove their directory. Kept clusters (a `KEEP` file)
/// and those of live processes are left alone.
fn remove_stale_clusters() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let Ok(entries) = fs::read_dir(scratch_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let dir = entry.path();
            if !entry.file_name().to_string_lossy().starts_with(DIR_PREFIX)
                || dir.join("KEEP").exists()
            {
                continue;
            }
            let Some(owner) = fs::read_to_string(dir.join("owner.pid"))
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
            else {
                continue; // being set up right now, or not ours
            };
            if process_alive(owner) {
                continue;
            }
            stop_postmaster(&dir.join("data"));
            let _ = fs::remove_dir_all(&dir);
        }
    });
}

/// Whether `pid` runs (a zombie does not: a killed test process may wait a while for its
/// reaper).
fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    let exists = rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists
        && !fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
}

/// SIGQUIT (immediate shutdown) to the postmaster of `data`, if it is still running, checked
/// through /proc so that a recycled pid is never signalled.
fn stop_postmaster(data: &Path) {
    let Some(pid) = fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|s| s.lines().next()?.trim().parse::<i32>().ok())
    else {
        return;
    };
    let is_that_postmaster = fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmd| {
        let needle = data.as_os_str().as_encoded_bytes();
        cmd.windows(needle.len()).any(|w| w == needle)
    });
    if !is_that_postmaster {
        return;
    }
    // SAFETY: plain kill(2) on a pid verified above.
    unsafe { libc::kill(pid, libc::SIGQUIT) };
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}
