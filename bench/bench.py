#!/usr/bin/env python3
"""The session-store benchmark of issue 5 (run it through bench/run).

Starts a throwaway PostgreSQL cluster of its own, installs the session store with the real
connect-pg-admin binary, loads N sessions and drives connect-pg's traffic through the functions
as the application role with pgbench, next to two yardsticks on the same server: the same
statements as plain SQL on the same table (the limit) and connect-pg-simple's documented table
and queries. It also times the CLI (verify and a no-op install) and measures the application's
latency while the CLI runs in a loop. Results go to docs/benchmarks.md and
docs/bench-throughput.svg. Only the Python standard library and the PostgreSQL client and
server binaries are needed.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import pwd
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
SCRIPTS = BENCH / "pgbench"
SQL = BENCH / "sql"

# What an express-session looks like in the store: a cookie and some application state,
# about 250 bytes of JSON text.
SESSION_DATA = json.dumps({
    "cookie": {"originalMaxAge": 86400000, "expires": "2030-01-01T00:00:00.000Z",
               "secure": True, "httpOnly": True, "path": "/", "sameSite": "lax"},
    "userId": 48213, "csrfSecret": "6f1ed002ab5595859014ebf0951522d9",
    "flash": {}, "cart": [{"sku": "A-1001", "qty": 2}, {"sku": "B-2002", "qty": 1}],
    "lastSeen": "2030-01-01T00:00:00.000Z",
}, separators=(",", ":"))

# The traffic mix of issue 5: 80% get, 20% set of which a few destroys.
VARIANTS = {
    "functions": {"db": "store", "user": "nodepg", "label": "functions (as nodepg)",
                  "scripts": [("fn_get", 80), ("fn_set", 19), ("fn_destroy", 1)]},
    "plain": {"db": "store", "user": "bench_sql", "label": "plain SQL, same table (limit)",
              "scripts": [("sql_get", 80), ("sql_set", 19), ("sql_destroy", 1)]},
    "cps": {"db": "cps", "user": "bench_cps", "label": "connect-pg-simple",
            "scripts": [("cps_get", 80), ("cps_set", 19), ("cps_destroy", 1)]},
    # A third of the sessions expire during the run (expiring_setup.sql and the short
    # expirations of fn_set_expiring.sql), and new visitors keep arriving with short ones.
    "expiring": {"db": "store", "user": "nodepg", "label": "functions, a third expiring",
                 "scripts": [("fn_get", 80), ("fn_set_expiring", 14), ("fn_set_new", 5), ("fn_destroy", 1)]},
}
READS = {"fn_get", "sql_get", "cps_get"}

SIZE_NAMES = {10_000: "10k", 100_000: "100k", 1_000_000: "1M"}


def size_name(n):
    return SIZE_NAMES.get(n, f"{n:,}")


class BenchError(Exception):
    pass


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# ---------------------------------------------------------------------------------------------
# The throwaway cluster


def find_pgbin(explicit):
    candidates = [explicit] if explicit else []
    if not explicit:
        pg_config = shutil.which("pg_config")
        if pg_config:
            candidates.append(run([pg_config, "--bindir"]).stdout.strip())
        candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    for c in candidates:
        if c and all(os.access(os.path.join(c, b), os.X_OK) for b in ("initdb", "pg_ctl", "pgbench", "psql")):
            return c
    raise BenchError("no PostgreSQL bin directory with initdb, pg_ctl, pgbench and psql found; pass --pgbin")


class Cluster:
    """initdb in a temp dir, our own port and socket dir, trust over the socket only."""

    def __init__(self, pgbin, base, port):
        self.pgbin = pgbin
        self.base = Path(base)
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.logfile = self.base / "server.log"
        self.port = port
        self.started = False
        self.user = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    pass
            if self.user is None:
                raise BenchError("running as root, but there is no postgres (or nobody) user to run the server as")

    def _as_server_user(self, cmd):
        if self.user is None:
            return cmd
        return ["runuser", "-u", self.user.pw_name, "--"] + cmd

    def bin(self, name):
        return os.path.join(self.pgbin, name)

    def start(self, settings):
        self.sock.mkdir(parents=True)
        if self.user is not None:
            for p in (self.base, self.sock):
                os.chown(p, self.user.pw_uid, self.user.pw_gid)
        run(self._as_server_user([self.bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]))
        conf = dict(settings)
        conf.update({"listen_addresses": "''", "port": str(self.port),
                     "unix_socket_directories": f"'{self.sock}'"})
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n# connect-pg-admin benchmark\n")
            for k, v in conf.items():
                f.write(f"{k} = {v}\n")
        if self.user is not None:
            os.chown(self.data / "postgresql.conf", self.user.pw_uid, self.user.pw_gid)
            Path(self.logfile).touch()
            os.chown(self.logfile, self.user.pw_uid, self.user.pw_gid)
        run(self._as_server_user([self.bin("pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-w",
                                  "-t", "60", "start"]))
        self.started = True

    def stop(self):
        if self.started:
            self.started = False
            run(self._as_server_user([self.bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                check=False)

    def dsn(self, db, user="postgres"):
        return f"host={self.sock} port={self.port} user={user} dbname={db}"

    def psql(self, db, sql=None, file=None, user="postgres", variables=None):
        cmd = [self.bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.sock),
               "-p", str(self.port), "-U", user, "-d", db]
        for k, v in (variables or {}).items():
            cmd += ["-v", f"{k}={v}"]
        if sql is not None:
            cmd += ["-c", sql]
        if file is not None:
            cmd += ["-f", str(file)]
        return run(cmd).stdout.strip()

    def backend_cpu(self):
        """CPU seconds of every server process that has exited so far (the postmaster's
        children's user + system time): a measure of the server's work per transaction that
        other load on the machine does not inflate the way it does wall-clock time."""
        pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    def log_offset(self):
        return self.logfile.stat().st_size

    def log_since(self, offset):
        with open(self.logfile, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


# Settings for a benchmark, applied to every variant alike. Durability is off: with fsync and
# synchronous_commit the numbers would measure this machine's disk flush, which is shared with
# other work, not the statements. full_page_writes is off so that the first run after the
# post-load checkpoint does not pay for page images the later ones do not.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "max_connections": "50",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "jit": "off",
    # Lock waits are logged from 1 ms on: that is how the verify loop proves it blocks no
    # write (deadlock_timeout is also when a waiting backend logs, and only waiters pay it).
    "log_lock_waits": "on",
    "deadlock_timeout": "'1ms'",
    "log_connections": "on",
    "log_line_prefix": "'%m [%p] %a '",
    "log_min_error_statement": "error",
}


# ---------------------------------------------------------------------------------------------
# pgbench


class Result:
    def __init__(self, variant, size, seconds):
        self.variant = variant
        self.size = size
        self.seconds = seconds
        self.tps = 0.0
        self.txns = 0
        self.failed = 0
        self.deadlocks = 0
        self.aborted = ""
        self.read = []
        self.write = []
        self.rounds = []
        self.cpu_us = 0.0

    def merge(self, other):
        """Pools two rounds: throughput is averaged, latencies pooled."""
        m = Result(self.variant, self.size, self.seconds + other.seconds)
        m.tps = (self.tps * self.seconds + other.tps * other.seconds) / (self.seconds + other.seconds)
        m.txns = self.txns + other.txns
        m.failed = self.failed + other.failed
        m.deadlocks = self.deadlocks + other.deadlocks
        m.aborted = (self.aborted + other.aborted).strip()
        m.read = sorted(self.read + other.read)
        m.write = sorted(self.write + other.write)
        m.rounds = self.rounds + other.rounds
        m.cpu_us = (self.cpu_us * self.txns + other.cpu_us * other.txns) / max(1, m.txns)
        return m

    def lat(self, which, p):
        values = {"read": self.read, "write": self.write, "all": self.all_sorted()}[which]
        return percentile(values, p) / 1000.0

    def all_sorted(self):
        if not hasattr(self, "_all"):
            self._all = sorted(self.read + self.write)
        return self._all

    def summary(self):
        return {
            "variant": self.variant, "size": self.size, "seconds": self.seconds, "tps": round(self.tps, 1),
            "txns": self.txns, "failed": self.failed, "deadlocks": self.deadlocks, "aborted": self.aborted,
            "rounds_tps": [round(t, 1) for t in self.rounds],
            "p50_ms": round(self.lat("all", 50), 3), "p99_ms": round(self.lat("all", 99), 3),
            "read_p50_ms": round(self.lat("read", 50), 3), "read_p99_ms": round(self.lat("read", 99), 3),
            "write_p50_ms": round(self.lat("write", 50), 3), "write_p99_ms": round(self.lat("write", 99), 3),
            "write_max_ms": round(self.write[-1] / 1000.0, 3) if self.write else None,
            "server_cpu_us": round(self.cpu_us, 2),
        }


class Bench:
    def __init__(self, args):
        self.args = args
        self.pgbin = find_pgbin(args.pgbin)
        self.base = Path(tempfile.mkdtemp(prefix="cpa-bench-"))
        os.chmod(self.base, 0o755)
        self.cluster = Cluster(self.pgbin, self.base, args.port)
        self.logs = self.base / "pgbench"
        self.logs.mkdir()
        self.results = {}
        self.expiring = {}
        self.cli = []
        self.loops = {}
        self.machine = {}
        self.runs = 0
        self.tool = None

    # -- setup ------------------------------------------------------------------------------

    def build(self):
        target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        if not self.args.no_build:
            log("cargo build --release")
            run(["cargo", "build", "--release", "--quiet"], cwd=REPO)
        self.tool = target / "release" / "connect-pg-admin"
        if not self.tool.exists():
            raise BenchError(f"{self.tool} does not exist; run cargo build --release")

    def install(self, db):
        p = run([str(self.tool), "--dsn", self.cluster.dsn(db), "install"], check=False)
        if p.returncode != 0:
            raise BenchError(f"connect-pg-admin install on {db} exited {p.returncode}: {p.stdout}{p.stderr}")
        p = run([str(self.tool), "--dsn", self.cluster.dsn(db), "verify"], check=False)
        if p.returncode != 0:
            raise BenchError(f"connect-pg-admin verify after install on {db} exited {p.returncode}: {p.stdout}{p.stderr}")

    def setup(self):
        log(f"cluster in {self.base} (port {self.args.port}), PostgreSQL binaries from {self.pgbin}")
        self.cluster.start(SERVER_SETTINGS)
        for db in ("store", "cps", "empty"):
            self.cluster.psql("postgres", f"CREATE DATABASE {db}")
        self.install("store")
        self.install("empty")
        self.cluster.psql("store", file=SQL / "plain_role.sql")
        self.cluster.psql("cps", file=SQL / "cps_table.sql")
        self.machine = machine_info(self.cluster)

    def load(self, n):
        log(f"loading {n:,} sessions")
        t = time.monotonic()
        self.cluster.psql("store", "TRUNCATE web.session")
        self.cluster.psql("cps", 'TRUNCATE "session"')
        step = 250_000
        for lo in range(1, n + 1, step):
            hi = min(n, lo + step - 1)
            v = {"lo": lo, "hi": hi, "data": SESSION_DATA}
            self.cluster.psql("store", file=SQL / "load_store.sql", variables=v)
            self.cluster.psql("cps", file=SQL / "load_cps.sql", variables=v)
        self.settle()
        log(f"loaded in {time.monotonic() - t:.1f}s")

    def settle(self):
        """Vacuum, analyze and checkpoint, so every run starts from the same clean state."""
        self.cluster.psql("store", "VACUUM (ANALYZE) web.session")
        self.cluster.psql("cps", 'VACUUM (ANALYZE) "session"')
        self.cluster.psql("postgres", "CHECKPOINT")

    def vacuum(self):
        self.cluster.psql("store", "VACUUM web.session")
        self.cluster.psql("cps", 'VACUUM "session"')

    # -- traffic ----------------------------------------------------------------------------

    def pgbench(self, variant, n, seconds, tag):
        v = VARIANTS[variant]
        self.runs += 1
        prefix = self.logs / f"{self.runs:03d}-{tag}"
        defines = {"n": n, "data": SESSION_DATA, "now": int(time.time()),
                   "ttl_max": max(1, seconds // 2)}
        cmd = [self.cluster.bin("pgbench"), "-n", "-M", "prepared", "-c", str(self.args.clients),
               "-j", str(self.args.jobs), "-T", str(seconds), "-h", str(self.cluster.sock),
               "-p", str(self.cluster.port), "-U", v["user"], "--failures-detailed", "-l",
               f"--log-prefix={prefix}"]
        for k, val in defines.items():
            cmd += ["-D", f"{k}={val}"]
        for script, weight in v["scripts"]:
            cmd += ["-f", f"{SCRIPTS / (script + '.sql')}@{weight}"]
        cmd.append(v["db"])
        cpu0 = self.cluster.backend_cpu()
        p = run(cmd, check=False)
        ended = datetime.datetime.now(datetime.timezone.utc)
        # The backends' CPU time reaches the postmaster's counters when it reaps them, just
        # after pgbench disconnects.
        time.sleep(0.3)
        cpu1 = self.cluster.backend_cpu()
        r = Result(variant, n, seconds)
        r.ended = ended
        m = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", p.stdout, re.M)
        r.tps = float(m.group(1)) if m else 0.0
        m = re.search(r"^number of failed transactions: (\d+)", p.stdout, re.M)
        r.failed = int(m.group(1)) if m else 0
        m = re.search(r"^number of deadlock failures: (\d+)", p.stdout, re.M)
        r.deadlocks = int(m.group(1)) if m else 0
        if p.returncode != 0 or "aborted" in p.stderr:
            r.aborted = one_line(p.stderr)[:500]
        if p.returncode not in (0, 2) or r.tps == 0.0:
            raise BenchError(f"pgbench {tag} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        names = [s for s, _ in v["scripts"]]
        for path in glob.glob(f"{prefix}.*"):
            with open(path) as f:
                for line in f:
                    fields = line.split()
                    if len(fields) < 4 or not fields[2].isdigit():
                        continue
                    (r.read if names[int(fields[3])] in READS else r.write).append(int(fields[2]))
            os.unlink(path)
        r.read.sort()
        r.write.sort()
        r.txns = len(r.read) + len(r.write)
        r.rounds = [r.tps]
        r.cpu_us = (cpu1 - cpu0) / max(1, r.txns) * 1e6
        return r

    def measure(self, variant, n, seconds, tag):
        r = self.pgbench(variant, n, seconds, tag)
        log(f"  {tag:<28} {r.tps:9.0f} tps  p50 {r.lat('all', 50):6.3f} ms  p99 {r.lat('all', 99):6.3f} ms"
            f"  write p99 {r.lat('write', 99):6.3f} ms  server CPU {r.cpu_us:5.1f} us/txn  failed {r.failed}")
        return r

    def mixed(self, n):
        d = self.args.duration
        for variant in ("functions", "plain", "cps"):
            self.pgbench(variant, n, self.args.warmup, f"warmup-{variant}-{n}")
        rounds = {}
        # Alternate the order (A B C, C B A) so that drift on a shared machine hits every
        # variant alike.
        for r in range(self.args.rounds):
            order = ["functions", "plain", "cps"]
            if r % 2:
                order.reverse()
            for variant in order:
                # Vacuumed before every run: otherwise autovacuum would strike the shared
                # table of functions and plain SQL twice as often as connect-pg-simple's, in
                # the middle of whichever run crossed its threshold.
                self.vacuum()
                res = self.measure(variant, n, d, f"{variant}-{size_name(n)}-r{r + 1}")
                rounds[variant] = rounds[variant].merge(res) if variant in rounds else res
        for variant, res in rounds.items():
            self.results[(variant, n)] = res

    def expiring_seconds(self, n):
        """The third of the sessions expire evenly over the run, which lasts long enough that
        they expire at about 6 700 a second at every size (N/20 000 s, at least twice the run
        length): a mass expiry, faster than this traffic writes sessions, as if a burst of
        visitors had arrived one session lifetime ago."""
        return max(2 * self.args.duration, round(n / 20_000))

    def expiring_run(self, n):
        d = self.expiring_seconds(n)
        # The expirations start once the update and the vacuum after it are done, so that
        # none of the third expires before the traffic starts.
        margin = 3 + n / 40_000
        started = time.monotonic()
        self.cluster.psql("store", file=SQL / "expiring_setup.sql", variables={"n": n, "window": d, "margin": margin})
        self.settle()
        wait = margin - (time.monotonic() - started)
        if wait > 0:
            time.sleep(wait)
        before = self.stats()
        offset = self.cluster.log_offset()
        res = self.measure("expiring", n, d, f"expiring-{size_name(n)}")
        after = self.stats(res.ended)
        logtext = self.cluster.log_since(offset)
        self.results[("expiring", n)] = res
        self.expiring[n] = {
            "seconds": d, "before": before, "after": after,
            "errors": count_errors(logtext), "deadlocks_logged": logtext.count("deadlock detected"),
            "lock_waits": lock_waits(logtext)["other"],
        }
        log(f"  expiring table: rows {before['rows']:,} -> {after['rows']:,}, expired {before['expired']:,} -> "
            f"{after['expired']:,}, size {mb(before['table_bytes'] + before['index_bytes'])} -> "
            f"{mb(after['table_bytes'] + after['index_bytes'])}")

    def stats(self, at=None):
        at = at or datetime.datetime.now(datetime.timezone.utc)
        out = self.cluster.psql("store", file=SQL / "stats.sql", variables={"at": at.isoformat()})
        rows, expired, table_bytes, index_bytes, dead = (int(x or 0) for x in out.split("|"))
        return {"rows": rows, "expired": expired, "table_bytes": table_bytes, "index_bytes": index_bytes,
                "dead": dead}

    # -- the CLI ----------------------------------------------------------------------------

    def cli_once(self, db, command):
        t = time.perf_counter()
        p = run([str(self.tool), "--dsn", self.cluster.dsn(db), command], check=False)
        elapsed = (time.perf_counter() - t) * 1000.0
        if p.returncode != 0:
            raise BenchError(f"connect-pg-admin {command} on {db} exited {p.returncode}: {p.stdout}{p.stderr}")
        said = (p.stdout + p.stderr).lower()
        if command == "install" and "nothing to do" not in said and "not changed" not in said:
            raise BenchError(f"install on {db} was expected to be a no-op but said: {p.stdout}{p.stderr}")
        return elapsed

    def cli_timings(self, dbs):
        """verify and a no-op install, on each (database, sessions) given, with pgTAP installed
        (in a copy of the database made for the purpose) and loaded on the fly. The
        configurations take turns run by run, so that drift in the machine's load hits them
        alike."""
        configs = []
        for db, sessions in dbs:
            tap = f"{db}_pgtap"
            self.cluster.psql("postgres", f"CREATE DATABASE {tap} TEMPLATE {db}")
            self.cluster.psql(tap, "CREATE EXTENSION pgtap")
            for command in ("verify", "install"):
                configs.append((tap, sessions, "installed", command))
                configs.append((db, sessions, "on the fly", command))
        times = {c: [] for c in configs}
        own = {c: 0.0 for c in configs}
        srv = {c: 0.0 for c in configs}
        for c in configs:
            self.cli_once(c[0], c[3])
        for _ in range(self.args.cli_runs):
            for c in configs:
                # CPU time of the CLI process and of the server backend that served it (reaped
                # by the postmaster when the CLI disconnects): the work a run takes, which
                # other load on the machine does not inflate the way it does wall-clock time.
                own0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                srv0 = self.cluster.backend_cpu()
                times[c].append(self.cli_once(c[0], c[3]))
                time.sleep(0.05)
                own1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                own[c] += own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime
                srv[c] += self.cluster.backend_cpu() - srv0
        for c in sorted(configs, key=lambda c: (c[1], c[2] != "installed", c[3] != "verify")):
            db, sessions, pgtap, command = c
            t = sorted(times[c])
            row = {"sessions": sessions, "pgtap": pgtap, "command": command, "runs": len(t),
                   "median_ms": statistics.median(t), "p90_ms": percentile(t, 90), "min_ms": t[0], "max_ms": t[-1],
                   "cli_cpu_ms": own[c] * 1000.0 / len(t), "server_cpu_ms": srv[c] * 1000.0 / len(t)}
            self.cli.append(row)
            log(f"  {command:<8} {sessions:>9,} sessions, pgTAP {pgtap:<10}: median {row['median_ms']:6.1f} ms"
                f"  (min {row['min_ms']:.1f}, max {row['max_ms']:.1f}; CPU {row['cli_cpu_ms']:.0f} ms CLI"
                f" + {row['server_cpu_ms']:.0f} ms server)")
        for db, _ in dbs:
            self.cluster.psql("postgres", f"DROP DATABASE {db}_pgtap")

    def cli_loop(self, n):
        """The application's traffic alone, then with verify (and a no-op install) running
        back to back against the same database, then alone again."""
        d = self.args.duration
        phases = [("baseline", None), ("verify", "verify"), ("install", "install"), ("baseline", None)]
        for i, (name, command) in enumerate(phases):
            offset = self.cluster.log_offset()
            stop = threading.Event()
            done = []
            failures = []

            def loop(command=command):
                while not stop.is_set():
                    try:
                        done.append(self.cli_once("store", command))
                    except BenchError as e:
                        failures.append(str(e))
                        return

            t = threading.Thread(target=loop) if command else None
            if t:
                t.start()
            res = self.measure("functions", n, d, f"loop-{name}-{i + 1}")
            if t:
                stop.set()
                t.join()
            waits = lock_waits(self.cluster.log_since(offset))
            if failures:
                raise BenchError(failures[0])
            entry = self.loops.setdefault(name, {"result": None, "cli_runs": 0, "cli_median_ms": None,
                                                  "waits_on_tool": 0, "waits_other": 0})
            entry["result"] = entry["result"].merge(res) if entry["result"] else res
            entry["cli_runs"] += len(done)
            if done:
                entry["cli_median_ms"] = statistics.median(done)
            entry["waits_on_tool"] += waits["tool"]
            entry["waits_other"] += waits["other"]
            if command:
                log(f"    {command} ran {len(done)} times alongside; lock waits on it: {waits['tool']}")

    # -- the whole run ----------------------------------------------------------------------

    def run_all(self):
        self.build()
        self.setup()
        sizes = self.args.sizes
        cli_size = max(sizes)
        self.machine["load_start"] = load_average()
        for n in sizes:
            self.load(n)
            if n == cli_size:
                log(f"timing the CLI on installed databases with 0 and {n:,} sessions")
                self.cli_timings([("empty", 0), ("store", n)])
            log(f"mixed traffic at {n:,} sessions")
            self.mixed(n)
            if n == cli_size:
                log(f"application latency while the CLI runs in a loop, {n:,} sessions")
                self.cli_loop(n)
                self.settle()
            log(f"expiring run at {n:,} sessions")
            self.expiring_run(n)
        self.machine["load_end"] = load_average()

    def cleanup(self):
        try:
            self.cluster.stop()
        finally:
            if self.args.keep:
                log(f"kept {self.base}")
            else:
                shutil.rmtree(self.base, ignore_errors=True)


def one_line(s):
    return " ".join(s.split())


def mb(b):
    return f"{b / 1048576:.1f} MB"


def count_errors(logtext):
    return sum(1 for line in logtext.splitlines() if re.search(r"\b(ERROR|FATAL|PANIC):", line))


def lock_waits(logtext):
    """Counts the lock waits of 1 ms or more in a stretch of the server log, split by whether
    the lock was held by a connect-pg-admin backend (log_connections names each backend's
    application)."""
    apps = {}
    for m in re.finditer(r"\[(\d+)\] \S* ?LOG:  connection authorized: .*?application_name=(\S+)", logtext):
        apps[m.group(1)] = m.group(2)
    counts = {"tool": 0, "other": 0}
    for m in re.finditer(r"still waiting for .*?\n.*?DETAIL:  Process(?:es)? holding the lock: ([0-9, ]+)\.", logtext):
        holders = [h.strip() for h in m.group(1).split(",")]
        if any(apps.get(h, "").startswith("connect-pg-admin") for h in holders):
            counts["tool"] += 1
        else:
            counts["other"] += 1
    return counts


def load_average():
    try:
        return open("/proc/loadavg").read().split()[:3]
    except OSError:
        return ["?", "?", "?"]


def machine_info(cluster):
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    except OSError:
        pass
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "kernel": platform.release(),
            "postgres": cluster.psql("postgres", "SELECT version()"),
            "pgbench": run([cluster.bin("pgbench"), "--version"]).stdout.strip()}


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="comma-separated numbers of sessions to load (default: 10000,100000,1000000)")
    ap.add_argument("--duration", type=int, default=12, help="seconds per measured run (default: 12)")
    ap.add_argument("--rounds", type=int, default=3, help="measured rounds per variant and size (default: 3)")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured traffic per variant and size")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    ap.add_argument("--jobs", type=int, default=2, help="pgbench threads (default: 2)")
    ap.add_argument("--cli-runs", type=int, default=20, help="timed CLI runs per configuration (default: 20)")
    ap.add_argument("--port", type=int, default=54329, help="port number of the throwaway cluster's socket")
    ap.add_argument("--pgbin", help="PostgreSQL bin directory (default: pg_config --bindir)")
    ap.add_argument("--out", default=str(REPO / "docs"), help="where benchmarks.md and the chart go (default: docs/)")
    ap.add_argument("--smoke", action="store_true",
                    help="a quick check that the benchmark works (about a minute); writes to a temp dir, not docs/")
    ap.add_argument("--no-build", action="store_true", help="use the existing target/release binary")
    ap.add_argument("--keep", action="store_true", help="keep the cluster's directory for inspection")
    args = ap.parse_args()
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.smoke:
        args.sizes, args.duration, args.rounds, args.warmup, args.cli_runs = [2000], 2, 1, 1, 3
        args.out = tempfile.mkdtemp(prefix="cpa-bench-smoke-")
    args.command = "bench/run " + " ".join(sys.argv[1:])

    bench = Bench(args)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        bench.run_all()
    except (BenchError, KeyboardInterrupt) as e:
        print(f"bench/run: {e}", file=sys.stderr)
        bench.cleanup()
        return 2
    except BaseException:
        bench.cleanup()
        raise
    bench.cleanup()
    import report
    verdicts = report.write(bench, Path(args.out))
    failed = [v for v in verdicts if v["pass"] is False]
    if args.smoke:
        problems = report.smoke_problems(bench)
        for p in problems:
            print(f"bench/run --smoke: {p}", file=sys.stderr)
        if args.keep:
            log(f"smoke report kept in {args.out}")
        else:
            shutil.rmtree(args.out, ignore_errors=True)
        log("smoke run: " + ("FAILED" if problems else "the benchmark works"))
        return 1 if problems else 0
    log(f"{len(verdicts) - len(failed)} of {len(verdicts)} targets met; see {args.out}/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    sys.exit(main())
