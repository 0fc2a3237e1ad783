#!/usr/bin/env python3
"""The session store on Citus against the single-node store, on one machine (issue 16; run it
through bench/citus). Results go to stdout as a Markdown table; docs/scale-out.md quotes them.

Starts three throwaway clusters of PostgreSQL 15 with Citus preloaded (a coordinator and two
workers, trust over their Unix sockets, the socket directory as the node name) and installs the
store with the real connect-pg-admin binary twice on the coordinator's server: in database
`single` (no citus extension: the single-node store) and in database `store` (the extension and
both workers: the distributed store). Then, for each, pgbench drives connect-pg's mix through
the functions as nodepg (bench/pgbench/fn_*.sql, the weights of bench/bench.py) and reports
transactions per second and the server's CPU per call. On 2 cores the workers share the CPU
with the coordinator, so this shows the per-call overhead of the extra hop, not scale-out.

It also shows that a call is single-shard (citus.log_remote_commands: one remote command per
call) and measures the two ways of removing expired sessions without a trigger: the
`connect-pg-admin sweep` command run from cron, and a bounded sweep inside set_session_data
limited to the row's own shard (a prototype function, one write in 128 deletes up to 512
expired rows of its shard by shard name, as the single-node trigger does for its table).
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the single-node benchmark's cluster and pgbench helpers)

PGBIN = "/usr/lib/postgresql/15/bin"
SETTINGS = dict(bench.SERVER_SETTINGS, shared_buffers="128MB", max_connections="100",
                shared_preload_libraries="'citus'", max_prepared_transactions="100")

# The prototype of the in-function sweep: set_session_data plus, on one write in 128, a delete
# of up to 512 expired rows of the shard this session lives on (named through Citus's
# shard_name; the call runs on that shard's worker, so the shard is local).
SWEEPING_SET = """
CREATE FUNCTION web.set_session_data_sweeping(sessid text, sessdata text, expire timestamptz)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = web, pg_temp AS $body$
DECLARE
    shard text;
BEGIN
    IF expire < now() THEN
        DELETE FROM session s WHERE s.sess_id = sessid;
        RETURN;
    END IF;
    INSERT INTO session (sess_id, sess_data, expiration) VALUES (sessid, sessdata, expire)
    ON CONFLICT (sess_id) DO UPDATE SET sess_data = excluded.sess_data, expiration = excluded.expiration;
    IF random() * 128 < 1 THEN
        shard := shard_name('web.session'::regclass,
                            get_shard_id_for_distribution_column('web.session', sessid));
        EXECUTE format('DELETE FROM %s s WHERE s.ctid = ANY (ARRAY(SELECT e.ctid FROM %s e
                          WHERE e.expiration < now() ORDER BY e.expiration LIMIT 512
                          FOR UPDATE SKIP LOCKED))', shard, shard);
    END IF;
END
$body$;
ALTER FUNCTION web.set_session_data_sweeping(text, text, timestamptz) OWNER TO web_owner;
GRANT EXECUTE ON FUNCTION web.set_session_data_sweeping(text, text, timestamptz) TO nodepg;
SELECT create_distributed_function('web.set_session_data_sweeping(text, text, timestamptz)',
                                   'sessid', colocate_with := 'web.session');
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--tool", default=str(bench.REPO / "target/debug/connect-pg-admin"),
                    help="the connect-pg-admin binary (cargo build first)")
    args = ap.parse_args()
    if not Path(PGBIN, "..", "lib", "citus.so").resolve().exists():
        raise SystemExit("bench/citus: Citus is not installed into PostgreSQL 15: run scripts/deps --citus")
    base = Path(tempfile.mkdtemp(prefix="cpa-citus-bench-"))
    os.chmod(base, 0o755)
    nodes = [bench.Cluster(PGBIN, base / name, port)
             for name, port in (("coordinator", 45432), ("worker1", 45433), ("worker2", 45434))]
    try:
        for n in nodes:
            n.start(SETTINGS)
        run_bench(args, nodes)
    finally:
        for n in nodes:
            n.stop()
        shutil.rmtree(base, ignore_errors=True)


def tool(args, coord, db, *command):
    p = bench.run([args.tool, "--dsn", coord.dsn(db), *command], check=False)
    if p.returncode != 0:
        raise bench.BenchError(f"connect-pg-admin {' '.join(command)} on {db}: {p.stdout}{p.stderr}")
    return p.stdout


def pgbench(coord, db, scripts, args, n):
    cmd = [coord.bin("pgbench"), "-n", "-M", "prepared", "-c", str(args.clients), "-j", "2",
           "-T", str(args.seconds), "-h", str(coord.sock), "-p", str(coord.port), "-U", "nodepg",
           "-D", f"n={n}", "-D", f"data={bench.SESSION_DATA}"]
    for script, weight in scripts:
        path = script if isinstance(script, Path) else bench.SCRIPTS / (script + ".sql")
        cmd += ["-f", f"{path}@{weight}"]
    cmd.append(db)
    cpu0 = sum(x.backend_cpu() for x in ALL)
    p = bench.run(cmd)
    time.sleep(0.3)
    cpu1 = sum(x.backend_cpu() for x in ALL)
    tps = float(re.search(r"^tps = ([0-9.]+)", p.stdout, re.M).group(1))
    txns = int(re.search(r"^number of transactions actually processed: (\d+)", p.stdout, re.M).group(1))
    lat = float(re.search(r"^latency average = ([0-9.]+) ms", p.stdout, re.M).group(1))
    return tps, lat, (cpu1 - cpu0) / max(1, txns) * 1e6


ALL = []


def run_bench(args, nodes):
    coord, workers = nodes[0], nodes[1:]
    ALL.extend(nodes)
    n = args.sessions
    for db in ("single", "store"):
        coord.psql("postgres", f"CREATE DATABASE {db}")
    for w in workers:
        w.psql("postgres", "CREATE DATABASE store")
        w.psql("store", "CREATE EXTENSION citus")
    coord.psql("store", "CREATE EXTENSION citus")
    coord.psql("store", f"SELECT citus_set_coordinator_host('{coord.sock}', {coord.port})")
    for w in workers:
        coord.psql("store", f"SELECT citus_add_node('{w.sock}', {w.port})")
    for db in ("single", "store"):
        tool(args, coord, db, "install")
        tool(args, coord, db, "verify")
        coord.psql(db, f"INSERT INTO web.session SELECT g::text, $d${bench.SESSION_DATA}$d$, "
                       f"now() + interval '1 day' FROM generate_series(1, {n}) g")
        coord.psql(db, "VACUUM ANALYZE web.session")

    # connect-pg's mix (bench/bench.py's weights), the session id a plain parameter.
    mix = [("id_get", 80), ("id_set", 19), ("id_destroy", 1)]
    rows = []
    for label, db, scripts in (("single node", "single", mix), ("Citus, coordinator + 2 workers", "store", mix),
                               ("single node, get only", "single", [("id_get", 1)]),
                               ("Citus, get only", "store", [("id_get", 1)]),
                               ("single node, set only", "single", [("id_set", 1)]),
                               ("Citus, set only", "store", [("id_set", 1)]),
                               ("Citus, get with md5($1) as the id (pushed down too)", "store", [("fn_get", 1)])):
        tps, lat, cpu = pgbench(coord, db, scripts, args, n)
        rows.append((label, tps, lat, cpu))
        bench.log(f"{label:<34} {tps:8.0f} tps  {lat:6.3f} ms  {cpu:6.0f} us CPU/call (all nodes)")

    # Single-shard: the remote commands the coordinator sends for one call of each function.
    remote = {}
    # A prepared statement run seven times, so that the last runs use its generic plan, as a
    # driver's prepared statements do.
    for call in ("SELECT * FROM web.get_session_data($1)",
                 "SELECT * FROM web.get_session_data(md5($1))",
                 "SELECT web.set_session_data($1, 'x', now() + interval '1 day')",
                 "SELECT web.destroy_session($1)",
                 "SELECT web.count_sessions()"):
        args_ = "('7')" if "$1" in call else ""
        types = "(text)" if "$1" in call else ""
        psql_cmds = [f"PREPARE q{types} AS {call}"] + [f"EXECUTE q{args_}"] * 6 + \
                    ["SET citus.log_remote_commands = on", f"EXECUTE q{args_}"]
        cmd = [coord.bin("psql"), "-X", "-h", str(coord.sock), "-p", str(coord.port), "-U", "postgres",
               "-d", "store"]
        for c in psql_cmds:
            cmd += ["-c", c]
        out = bench.run(cmd).stderr
        issued = [l.split("issuing", 1)[1].strip() for l in out.splitlines() if "issuing" in l]
        remote[call] = (len(issued), issued[0][:70] if issued else "")
        bench.log(f"remote commands for {call}: {remote[call][0]}: {remote[call][1]}")

    # Expiry without the trigger. (1) the sweep command: a tenth of the sessions expired.
    expired = n // 10
    coord.psql("store", f"UPDATE web.session SET expiration = now() - interval '1 minute' "
                        f"WHERE sess_id IN (SELECT g::text FROM generate_series(1, {expired}) g)")
    t = time.monotonic()
    out = tool(args, coord, "store", "sweep")
    sweep_ms = (time.monotonic() - t) * 1000
    bench.log(f"sweep command: {out.strip()} (wall {sweep_ms:.0f} ms including connecting)")
    # (2) the in-function sweep, on the same tenth expired again.
    coord.psql("store", f"INSERT INTO web.session SELECT g::text, 'x', now() - interval '1 minute' "
                        f"FROM generate_series(1, {expired}) g ON CONFLICT (sess_id) DO UPDATE SET expiration = excluded.expiration")
    coord.psql("store", SWEEPING_SET)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\\set id random(1, :n)\nSELECT web.set_session_data_sweeping(:id, :data, "
                "now() + interval '1 day');\n")
        script = f.name
    try:
        tps_sw, lat_sw, cpu_sw = pgbench(coord, "store", [(Path(script), 1)], args, n)
    finally:
        os.unlink(script)
    left = coord.psql("store", "SELECT count(*) FROM web.session WHERE expiration < now()")
    bench.log(f"set with in-shard sweep: {tps_sw:.0f} tps {lat_sw:.3f} ms {cpu_sw:.0f} us CPU/call; "
              f"{left} of {expired} expired rows left after {args.seconds}s")

    print()
    print(f"{n:,} sessions, {args.clients} clients, {args.seconds} s per run, "
          f"PostgreSQL 15 + Citus on {os.cpu_count()} cores\n")
    print("| run | tps | mean latency (ms) | server CPU per call, all nodes (µs) |")
    print("|---|---|---|---|")
    for label, tps, lat, cpu in rows:
        print(f"| {label} | {tps:.0f} | {lat:.3f} | {cpu:.0f} |")
    print(f"| Citus, set with in-shard sweep (prototype) | {tps_sw:.0f} | {lat_sw:.3f} | {cpu_sw:.0f} |")
    print()
    print("| call through the coordinator (prepared, generic plan) | remote commands | the first one |")
    print("|---|---|---|")
    for call, (k, first) in remote.items():
        print(f"| `{call}` | {k} | `{first}` |")
    print()
    print(f"sweep command: {out.strip()} ({sweep_ms:.0f} ms wall, connecting included); "
          f"in-shard sweep left {left} of {expired} expired rows after {args.seconds} s of set-only traffic")


if __name__ == "__main__":
    main()
