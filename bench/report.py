"""Turns a finished benchmark into docs/benchmarks.md, docs/bench-throughput.svg and
docs/bench-results.json, and judges the targets of issue 5."""

import datetime
import json
import math
import subprocess

from bench import REPO, SERVER_SETTINGS, VARIANTS, size_name

ORDER = ["functions", "plain", "cps", "expiring"]
COLOURS = {"functions": "#1f6fb2", "plain": "#444444", "cps": "#d9822b", "expiring": "#2a9d55"}


def write(bench, out):
    out.mkdir(parents=True, exist_ok=True)
    verdicts = targets(bench)
    sizes = sorted({n for (_, n) in bench.results})
    (out / "bench-throughput.svg").write_text(chart(bench, sizes))
    (out / "benchmarks.md").write_text(markdown(bench, sizes, verdicts))
    data = {
        "command": bench.args.command,
        "machine": bench.machine,
        "results": [bench.results[k].summary() for k in sorted(bench.results, key=lambda k: (k[1], ORDER.index(k[0])))],
        "expiring": {str(k): v for k, v in bench.expiring.items()},
        "cli": bench.cli,
        "cli_loop": {k: dict(v, result=v["result"].summary()) for k, v in bench.loops.items()},
        "targets": verdicts,
    }
    (out / "bench-results.json").write_text(json.dumps(data, indent=1) + "\n")
    return verdicts


def smoke_problems(bench):
    """What makes a smoke run fail: the benchmark itself not working, not the targets (a
    two-second run on a busy machine proves nothing about speed)."""
    problems = []
    for (variant, n), r in bench.results.items():
        if r.failed or r.aborted:
            problems.append(f"{variant} at {n} sessions: {r.failed} failed transactions {r.aborted}")
        if r.txns == 0:
            problems.append(f"{variant} at {n} sessions ran no transactions")
    for n, e in bench.expiring.items():
        if e["errors"] or e["deadlocks_logged"]:
            problems.append(f"expiring run at {n}: {e['errors']} server errors, {e['deadlocks_logged']} deadlocks")
    for name, e in bench.loops.items():
        if e["waits_on_tool"]:
            problems.append(f"{name} loop: {e['waits_on_tool']} lock waits on connect-pg-admin")
        if name != "baseline" and e["cli_runs"] == 0:
            problems.append(f"{name} loop: the CLI never completed a run")
    if len(bench.cli) != 8:
        problems.append(f"{len(bench.cli)} CLI timings instead of 8")
    return problems


# ---------------------------------------------------------------------------------------------
# Targets


def verdict(target, what, measured, ok, note=""):
    return {"target": target, "what": what, "measured": measured, "pass": ok, "note": note}


def targets(bench):
    R = bench.results
    sizes = sorted({n for (_, n) in R})
    v = []
    # 1. functions vs the two yardsticks at 100 000 sessions.
    n1 = 100_000 if ("functions", 100_000) in R else None
    if n1:
        f = R[("functions", n1)]
        for other, name in (("plain", "the plain-SQL limit"), ("cps", "connect-pg-simple")):
            o = R[(other, n1)]
            ratio = f.tps / o.tps
            cpu = o.cpu_us / f.cpu_us if f.cpu_us else float("nan")
            v.append(verdict(1, f"functions at 100k >= 0.9x {name}", f"{ratio:.2f}x ({f.tps:,.0f} / {o.tps:,.0f} tps)",
                             ratio >= 0.9, f"server CPU per transaction: {cpu:.2f}x"))
    else:
        v.append(verdict(1, "functions at 100k >= 0.9x the yardsticks", "100k not in --sizes", None))
    # 2. 1M vs 10k.
    if ("functions", 1_000_000) in R and ("functions", 10_000) in R:
        a, b = R[("functions", 1_000_000)], R[("functions", 10_000)]
        ratio = a.tps / b.tps
        v.append(verdict(2, "functions at 1M >= 0.8x at 10k", f"{ratio:.2f}x ({a.tps:,.0f} / {b.tps:,.0f} tps)", ratio >= 0.8))
    else:
        v.append(verdict(2, "functions at 1M >= 0.8x at 10k", "10k and 1M not both in --sizes", None))
    # 3. the expiring run, at every size.
    for n in sizes:
        if ("expiring", n) not in R:
            continue
        e, base, x = R[("expiring", n)], R[("functions", n)], bench.expiring[n]
        errors = e.failed + x["errors"] + (1 if e.aborted else 0)
        deadlocks = e.deadlocks + x["deadlocks_logged"]
        v.append(verdict(3, f"expiring at {size_name(n)}: no errors, no deadlocks",
                         f"{errors} errors, {deadlocks} deadlocks", errors == 0 and deadlocks == 0))
        ratio = e.lat("write", 99) / base.lat("write", 99)
        v.append(verdict(3, f"expiring at {size_name(n)}: write p99 <= 2x the run without expirations",
                         f"{ratio:.2f}x ({e.lat('write', 99):.2f} / {base.lat('write', 99):.2f} ms)", ratio <= 2.0))
        b, a = x["before"], x["after"]
        size0, size1 = b["table_bytes"] + b["index_bytes"], a["table_bytes"] + a["index_bytes"]
        bound = max(b["expired"], a["rows"] // 100)
        v.append(verdict(3, f"expiring at {size_name(n)}: expired rows do not pile up (at the end <= at the start, "
                            f"or <= 1% of the rows)",
                         f"expired {b['expired']:,} -> {a['expired']:,}; rows {b['rows']:,} -> {a['rows']:,}; "
                         f"size {size0 / 1048576:.1f} -> {size1 / 1048576:.1f} MB", a["expired"] <= bound))
    # 4. the CLI.
    cli = {(c["command"], c["pgtap"], c["sessions"]): c for c in bench.cli}
    big = max((c["sessions"] for c in bench.cli), default=0)
    for command in ("verify", "install"):
        for pgtap, limit in (("installed", 150), ("on the fly", 300)):
            worst = max(cli[(command, pgtap, s)]["median_ms"] for s in (0, big))
            v.append(verdict(4, f"{command} median <= {limit} ms, pgTAP {pgtap}",
                             f"{cli[(command, pgtap, 0)]['median_ms']:.0f} ms at 0, "
                             f"{cli[(command, pgtap, big)]['median_ms']:.0f} ms at {size_name(big)}", worst <= limit))
            ratio = cli[(command, pgtap, big)]["median_ms"] / cli[(command, pgtap, 0)]["median_ms"]
            v.append(verdict(4, f"{command} at {size_name(big)} <= 1.2x at 0, pgTAP {pgtap}", f"{ratio:.2f}x", ratio <= 1.2))
    # 5. the application while the CLI runs in a loop.
    base = bench.loops.get("baseline")
    for name in ("verify", "install"):
        loop = bench.loops.get(name)
        if not (base and loop):
            continue
        raise_ms = loop["result"].lat("all", 99) - base["result"].lat("all", 99)
        v.append(verdict(5, f"{name} in a loop raises the application's p99 by <= 10 ms",
                         f"{raise_ms:+.2f} ms ({base['result'].lat('all', 99):.2f} -> {loop['result'].lat('all', 99):.2f} ms), "
                         f"{loop['cli_runs']} runs of {name}", raise_ms <= 10.0))
        v.append(verdict(5, f"{name} in a loop never blocks a session write",
                         f"{loop['waits_on_tool']} lock waits >= 1 ms on connect-pg-admin; "
                         f"write max {loop['result'].write[-1] / 1000:.1f} ms (alone: {base['result'].write[-1] / 1000:.1f} ms)",
                         loop["waits_on_tool"] == 0))
    return v


# ---------------------------------------------------------------------------------------------
# The chart: throughput against the number of sessions, log x axis, drawn by hand (no
# plotting library needed).


def chart(bench, sizes):
    w, h, left, right, top, bottom = 820, 440, 80, 250, 50, 60
    pw, ph = w - left - right, h - top - bottom
    series = {v: [(n, bench.results[(v, n)].tps) for n in sizes if (v, n) in bench.results] for v in ORDER}
    ymax = max((t for s in series.values() for _, t in s), default=1.0)
    step = nice_step(ymax / 5)
    ymax = step * math.ceil(ymax / step)
    lo, hi = math.log10(min(sizes)), math.log10(max(sizes))
    if hi == lo:
        lo, hi = lo - 0.5, hi + 0.5

    def x(n):
        return left + (math.log10(n) - lo) / (hi - lo) * pw

    def y(t):
        return top + ph - t / ymax * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="24" font-size="15" font-weight="bold">Throughput against the number of sessions</text>',
           f'<text x="{left}" y="41" fill="#555">{bench.args.clients} clients; 80% get, 19% set, 1% destroy; '
           f'PostgreSQL {esc(bench.machine.get("postgres", "").split(" ")[1] if bench.machine.get("postgres") else "?")}, '
           f'{bench.machine.get("nproc", "?")} CPUs</text>']
    t = 0.0
    while t <= ymax + 1e-9:
        out.append(f'<line x1="{left}" y1="{y(t):.1f}" x2="{left + pw}" y2="{y(t):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{t:,.0f}</text>')
        t += step
    for n in sizes:
        out.append(f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x(n):.1f}" y="{top + ph + 18}" text-anchor="middle">{size_name(n)}</text>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<text x="{left + pw / 2}" y="{h - 15}" text-anchor="middle">sessions in the table (log scale)</text>')
    out.append(f'<text transform="translate(18,{top + ph / 2}) rotate(-90)" text-anchor="middle">transactions per second</text>')
    for i, v in enumerate(ORDER):
        pts = series[v]
        if not pts:
            continue
        c = COLOURS[v]
        dash = ' stroke-dasharray="6,4"' if v == "expiring" else ""
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2.5"{dash} points="'
                   + " ".join(f"{x(n):.1f},{y(t):.1f}" for n, t in pts) + '"/>')
        for n, t in pts:
            out.append(f'<circle cx="{x(n):.1f}" cy="{y(t):.1f}" r="4" fill="{c}"/>')
        ly = top + 10 + i * 22
        out.append(f'<line x1="{left + pw + 15}" y1="{ly}" x2="{left + pw + 40}" y2="{ly}" stroke="{c}" stroke-width="2.5"{dash}/>')
        out.append(f'<text x="{left + pw + 46}" y="{ly + 4}">{esc(VARIANTS[v]["label"])}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def nice_step(raw):
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------------------------
# The document


def mark(ok):
    return {True: "**pass**", False: "**FAIL**", None: "not measured"}[ok]


def markdown(bench, sizes, verdicts):
    m = bench.machine
    a = bench.args
    R = bench.results
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    busy = float(m["load_start"][0]) > 1.0 or float(m["load_end"][0]) > 1.0
    L = []
    L += ["# Benchmarks: the session store at full speed (issue 5)", "",
          "Generated by `bench/run` (bench/bench.py and bench/report.py); do not edit by hand: run the benchmark",
          "again. Raw numbers: [bench-results.json](bench-results.json).", ""]
    L += ["## The command", "", "```", a.command.strip() or "bench/run", "```", "",
          f"Run on {datetime.date.today().isoformat()} at commit `{commit}`. "
          f"{len(sizes)} sizes, {a.duration} s per measured run, {a.rounds} rounds per variant and size "
          f"(order alternated, A B C then C B A), {a.warmup} s unmeasured warm-up per variant and size, "
          f"{a.clients} clients on {a.jobs} pgbench threads, {a.cli_runs} timed runs per CLI configuration.", ""]
    L += ["Quick runs: `bench/run --sizes 10000 --duration 3 --rounds 1`; `bench/run --smoke` (under a minute, writes",
          "to a temp dir, exits non-zero if the benchmark itself broke: failed transactions, server errors,",
          "lock waits on the CLI). `bench/run --help` lists every flag.", ""]
    L += ["## The machine", "",
          f"| | |", "|---|---|",
          f"| CPUs (`nproc`) | {m['nproc']} ({m['cpu']}) |",
          f"| memory | {m['memory']} |",
          f"| kernel | {m['kernel']} |",
          f"| server | {m['postgres']} |",
          f"| client | {m['pgbench']} |",
          f"| load average (1, 5, 15 min) | at start {' '.join(m['load_start'])}, at end {' '.join(m['load_end'])} |", ""]
    if busy:
        L += [f"**The machine was shared and busy during this run** (load average above 1 on {m['nproc']} CPUs: other",
              "engineers were compiling and running test suites). Absolute numbers are lower and noisier than on an",
              "idle machine; every variant was exposed alike (alternated order, pooled rounds), so the ratios are",
              "the meaningful part. The server CPU time per transaction (last column below) is the least",
              "disturbed measure: it counts only the work the server did.", ""]

    L += ["## Targets of issue 5", "", "| # | target | measured | verdict |", "|---|---|---|---|"]
    for v in verdicts:
        note = f" ({v['note']})" if v["note"] else ""
        L.append(f"| {v['target']} | {v['what']} | {v['measured']}{note} | {mark(v['pass'])} |")
    L += [""]
    met = sum(1 for v in verdicts if v["pass"])
    judged = sum(1 for v in verdicts if v["pass"] is not None)
    L += [f"{met} of {judged} measured targets met.", ""]

    L += ["## Throughput and latency", "", "![throughput against the number of sessions](bench-throughput.svg)", "",
          "| sessions | variant | tps | vs plain SQL | vs connect-pg-simple | p50 ms | p99 ms | read p99 ms | write p50 ms | write p99 ms | failed | server CPU µs/txn |",
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        for v in ORDER:
            r = R.get((v, n))
            if not r:
                continue
            vs_plain = f"{r.tps / R[('plain', n)].tps:.2f}x" if ("plain", n) in R else ""
            vs_cps = f"{r.tps / R[('cps', n)].tps:.2f}x" if ("cps", n) in R else ""
            rounds = " / ".join(f"{t:,.0f}" for t in r.rounds)
            L.append(f"| {size_name(n)} | {VARIANTS[v]['label']} | {r.tps:,.0f} <sub>({rounds})</sub> | {vs_plain} | {vs_cps} | "
                     f"{r.lat('all', 50):.3f} | {r.lat('all', 99):.3f} | {r.lat('read', 99):.3f} | "
                     f"{r.lat('write', 50):.3f} | {r.lat('write', 99):.3f} | {r.failed} | {r.cpu_us:.1f} |")
    L += ["", "tps is the mean over the rounds (each round's figure in small print); latencies pool every transaction",
          "of every round (pgbench's per-transaction log). Read = get; write = set and destroy.", ""]

    L += ["## Expired sessions during the run", "",
          "| sessions | run s | tps | write p99 ms | rows at start | rows at end | expired at start | expired at end | size at start | size at end | dead rows at end | errors | deadlocks | lock waits |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        x = bench.expiring.get(n)
        if not x:
            continue
        b, e = x["before"], x["after"]
        r = R[("expiring", n)]
        L.append(f"| {size_name(n)} | {x['seconds']} | {r.tps:,.0f} | {r.lat('write', 99):.3f} | {b['rows']:,} | {e['rows']:,} | "
                 f"{b['expired']:,} | {e['expired']:,} | "
                 f"{(b['table_bytes'] + b['index_bytes']) / 1048576:.1f} MB | {(e['table_bytes'] + e['index_bytes']) / 1048576:.1f} MB | "
                 f"{e['dead']:,} | {r.failed + x['errors']} | {r.deadlocks + x['deadlocks_logged']} | {x['lock_waits']} |")
    L += ["", "Rows: all rows in the table; expired: rows whose expiration had passed (never returned or counted,",
          "waiting for removal), at the start as the traffic began and at the end as of the moment it stopped.",
          "A third of the sessions expire during the run, evenly spread over it, and the new visitors' short",
          "expirations keep adding more. Lock waits: waits of 1 ms or more between the clients (two writes of",
          "the same session, or a write of a row a sweep has just locked). Size: table plus indexes. Errors: failed transactions plus ERROR lines in the server log",
          "during the run; deadlocks: pgbench's deadlock failures plus `deadlock detected` in the log.", ""]

    L += ["## The CLI", "",
          "Wall-clock time of the whole command (process start, connection over the Unix socket, every check,",
          "rollback), on an installed database; install is the no-op case (every check passes, nothing to do).",
          "CPU is the mean per run of the CLI process's own CPU time and of the server backend that served",
          "it: the work a run takes, which the other load on the machine inflates far less than wall-clock time.",
          "", "| command | sessions | pgTAP | median ms | p90 ms | min ms | max ms | CPU ms: CLI + server | runs |",
          "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for c in bench.cli:
        L.append(f"| {c['command']} | {c['sessions']:,} | {c['pgtap']} | {c['median_ms']:.1f} | {c['p90_ms']:.1f} | "
                 f"{c['min_ms']:.1f} | {c['max_ms']:.1f} | {c['cli_cpu_ms']:.0f} + {c['server_cpu_ms']:.0f} | {c['runs']} |")
    L += [""]

    L += ["## The application while the CLI runs", "",
          f"The functions' mixed traffic at {size_name(max(sizes))} sessions, alone and with the CLI running back to back",
          "against the same database (pgTAP not installed, so each run also loads and drops it: the heavier case).",
          "A lock wait is any wait of 1 ms or more (`log_lock_waits` with `deadlock_timeout = 1ms`), attributed",
          "to the CLI when the holder's backend is a connect-pg-admin connection (`log_connections`).", "",
          "| phase | tps | p50 ms | p99 ms | write p99 ms | write max ms | CLI runs | CLI median ms | lock waits on the CLI | other lock waits |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ("baseline", "verify", "install"):
        e = bench.loops.get(name)
        if not e:
            continue
        r = e["result"]
        label = {"baseline": "traffic alone (before and after)", "verify": "verify in a loop",
                 "install": "no-op install in a loop"}[name]
        med = f"{e['cli_median_ms']:.0f}" if e["cli_median_ms"] else ""
        L.append(f"| {label} | {r.tps:,.0f} | {r.lat('all', 50):.3f} | {r.lat('all', 99):.3f} | {r.lat('write', 99):.3f} | "
                 f"{r.write[-1] / 1000:.1f} | {e['cli_runs']} | {med} | {e['waits_on_tool']} | {e['waits_other']} |")
    L += [""]
    L += METHOD.format(settings="\n".join(f"    {k} = {v}" for k, v in SERVER_SETTINGS.items())).split("\n")
    return "\n".join(L) + "\n"


METHOD = """## What is measured, and how

* **One command.** `bench/run` builds the tool (`cargo build --release`), starts a throwaway cluster
  (`initdb` in a temp dir as the `postgres` OS user when run as root, its own port, Unix socket only,
  trust authentication), creates three databases, installs the session store with
  `connect-pg-admin install` (and checks it with `verify`), runs everything below, stops the cluster
  and removes the directory (also on Ctrl-C). Nothing outside the temp dir is touched except docs/.
* **Sessions.** N sessions are loaded per size (ids `md5(1..N)`, about 250 bytes of express-session JSON
  each, expiring in a day), then vacuumed, analysed and checkpointed, so every size starts clean.
* **Traffic.** pgbench, prepared statements, 8 clients, weights 80 get / 19 set / 1 destroy, ids drawn
  uniformly from 1..N, so some gets miss (destroyed sessions) as in real life. The scripts are in
  bench/pgbench/:
  * *functions*: exactly what connect-pg 1.1.5 sends, `select web.get_session_data($1)`,
    `select web.set_session_data($1, $2, $3)`, `select web.destroy_session($1)`, connected as the
    application role `nodepg`, which can do nothing but call the functions.
  * *plain SQL (the limit)*: the statements the function bodies run, sent directly to the same table
    (same indexes, same expiry trigger) by a role that holds DML on it. The difference to *functions* is
    the cost of the function layer alone: the call, SECURITY DEFINER and the pinned search_path.
  * *connect-pg-simple*: its documented `table.sql` (`sid varchar` primary key, `sess json`,
    `expire timestamp(6)`, index on `expire`) and the queries of its `index.js`:
    `SELECT sess FROM "session" WHERE sid = $1 AND expire >= to_timestamp($2)`,
    `INSERT INTO "session" (sess, expire, sid) SELECT $1, to_timestamp($2), $3 ON CONFLICT (sid) DO UPDATE SET sess=$1, expire=to_timestamp($2) RETURNING sid`,
    `DELETE FROM "session" WHERE sid = $1`, with the Unix time as a parameter like the original. It has
    no trigger: it prunes expired rows from a timer in the Node process (every 15 minutes), which no
    run here lasts long enough to reach.
  * *expiring*: the functions' mix, but a third of the sessions (ids divisible by 3) expire at moments
    spread evenly over the run, and are given short expirations (1 s to half the run) whenever they
    are written again, and 5 of the 19 sets are new visitors (ids never seen before) with short
    expirations: without removal of expired rows the table would grow with every new visitor. The
    run lasts N/20 000 seconds (at least twice the other runs), so the third expires at about
    6 700 sessions a second at every size: a mass expiry, faster than this traffic writes sessions.
* **Every measured run starts from a vacuumed table**: otherwise autovacuum would strike the table
  that *functions* and *plain SQL* share twice as often as connect-pg-simple's, in the middle of
  whichever run crossed its threshold. Autovacuum stays on (with its defaults) within the runs.
* **Latency** is pgbench's per-transaction time (client side, one statement each); p50 and p99 are
  nearest-rank percentiles over every transaction of the pooled rounds.
* **Server CPU µs/txn** is the user + system CPU time of the server processes that served the run
  (read from the postmaster's reaped-children counters) divided by the transactions: the work the
  server did, which other load on the machine inflates much less than wall-clock throughput.
* **The CLI** is timed as a whole process (what an operator or a deploy script waits for): verify and a
  no-op install, with pgTAP loaded on the fly and with pgTAP installed (in a copy of the database made
  with `CREATE DATABASE ... TEMPLATE`), at 0 sessions (a database of its own) and at the largest size.
  One unmeasured run each, then the configurations take turns run by run, so that a change in the
  machine's load during the timing hits all of them alike.
* **CLI in a loop**: the functions' mix runs for the run length alone, then with verify back to back,
  then with a no-op install back to back, then alone again (the two alone phases are pooled as the
  baseline). The behaviour checks run against a temporary scratch copy of the table (pgtap/scratch.sql),
  so verify reads, locks and counts no live row; the lock-wait count is the proof by measurement.

### Server settings (the same for every variant)

```
{settings}
```

fsync, synchronous_commit and full_page_writes are off: with them on, the numbers would mostly measure
the flush latency of this machine's disk, which other work shares, rather than the statements. This
favours no variant (all write the same amount of WAL per write) but makes absolute numbers higher than
on a durable production server. Autovacuum is on with its defaults, as in production.

### What the numbers mean

* The gap between *functions* and *plain SQL* is the price of the function layer the contract requires:
  a PL/pgSQL call per statement, SECURITY DEFINER (a switch of the current user) and `SET search_path`
  (a GUC save and restore per call, which also makes the next catalog lookup recompute the search path).
  PostgreSQL cannot inline a SECURITY DEFINER function or one with a SET clause, so part of that price is
  fixed. LANGUAGE sql was measured and is slower on PostgreSQL 15: a non-inlined SQL function is planned
  again on every call of the statement that calls it (plans are cached only from PostgreSQL 18), while
  PL/pgSQL keeps its plans for the life of the connection.
* *connect-pg-simple* has no expiry trigger and no function layer, so its writes are cheaper, at the
  price of needing a timer in every Node process to remove expired rows, and of the application role
  owning the table.
* Flat lines in the chart mean the cost of a session does not depend on how many there are: every
  operation touches one row through the primary key.
* Removal of expired sessions (sql/steps/function.remove_expired.sql): the row just written is deleted at once
  when it is already expired; then, on one write in 128 (at random, like PHP's session garbage
  collection probability), up to 512 other expired rows are deleted, oldest first, skipping rows that
  other transactions hold (`FOR UPDATE SKIP LOCKED`), so no write waits on another and none can
  deadlock. That is 4 rows per write on average, while a session needs at most one removal per write
  that created it. The earlier designs, 2 rows on every write and 32 on one write in 8, were measured
  slower (below): each sweep's index scan starts at the oldest expiration and must step over the index
  entries of every row removed since the last vacuum, so the fewer sweeps, the less of that work.

### Design measurements (during development, not part of the run above)

Made with the same harness on a throwaway cluster with 100 000 sessions, while the machine was busy with
other work (load average 8 to 11 on 2 CPUs), so the server CPU time per transaction is the figure to
compare, not throughput.

`get_session_data` alone (pgbench, 8 clients, 3 rounds of 3 s, median):

| body | server CPU µs per call |
|---|---:|
| plain SQL statement, no function (the limit) | 17.5 |
| PL/pgSQL `RETURN QUERY`, SECURITY DEFINER, SET search_path (**installed**) | 23.1 |
| PL/pgSQL `SELECT ... INTO` then `RETURN NEXT` | 23.5 |
| LANGUAGE sql, SECURITY DEFINER, SET search_path | 40.0 |
| PL/pgSQL, SECURITY DEFINER, no SET (not allowed by the contract) | 21.7 |
| PL/pgSQL, neither (not allowed by the contract) | 21.1 |

`remove_expired`, the functions' mixed traffic at 100 000 sessions (8 s runs, two rounds each,
alternated):

| sweep | server CPU µs/txn, no expirations | server CPU µs/txn, a third expiring | tps, a third expiring | expired rows left at the end |
|---|---:|---:|---:|---:|
| every write, up to 2 rows, `sess_id IN (...)` (the first design) | 35.2, 37.5 | 59.8, 80.2 | 14,651, 11,938 | 687, 1,417 |
| one write in 8, up to 32 rows, by ctid | 31.7, 35.8 | 36.5, 45.8 | 19,649, 17,222 | 889, 1,009 |

and at 1 000 000 sessions, with the expiring run of this benchmark (a third expiring over 50 s), one run
each; the machine's load changed between runs, so compare the CPU column and the expired rows:

| sweep | server CPU µs/txn, no expirations | server CPU µs/txn, a third expiring | write p99 / p99.9 ms, a third expiring | expired rows left at the end |
|---|---:|---:|---:|---:|
| one write in 8, up to 32 rows | 35.2 | 60.4 | 9.6 / 19.0 | 25 |
| one write in 32, up to 128 rows | 27.1 | 38.5 | 5.4 / 13.2 | 32 |
| one write in 128, up to 512 rows (**installed**) | 37.8 | 28.8 | 2.0 / 7.6 | 171 |

After a mass expiry a sweep costs milliseconds whatever its size, nearly all of it stepping over the
index entries of rows that earlier sweeps removed (until vacuum reclaims them); the fewer sweeps, the
less of that, and with under 1% of writes sweeping, the write p99 does not include them.

A plain upsert on the session table cost 32.7 µs of server CPU with the trigger disabled and 42 to 47 µs
with the 2-row sweep on every write; with one write in eight sweeping, 36 to 40 µs.
"""
