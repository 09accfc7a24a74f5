#!/usr/bin/env python3
"""The soak run of issue 11, driven by scripts/soak (which installs what it needs).

Every Command Wall process runs on one shared fake clock, S + (real − R0) × speed, through
libfaketime (the monotonic clock is left real, so timers and tick periods stay real and
the wall sees 60 s of data arrive each real second). The wall, the simulator and each import
are separate processes, as in a hall. Ages are reported in real seconds.
"""

import argparse
import csv
import datetime as dt
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import zoneinfo

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
CAD_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "decc_cad_2025w35-41.csv")
CAD_TIMES = [
    "Response_Date", "Incident_Start_Time", "TimeCallViewed", "Incident_Queue_Time",
    "Incident_Dispatch_Time", "Incident_Phone_Stop", "TimeFirstUnitDispatchAcknowledged",
    "Incident_Enroute_Time", "Incident_Arrival_Time", "TimeFirstCallCleared",
    "Incident_First_Close_Time", "Final_Closed_Time",
]
CAD_ZONE = zoneinfo.ZoneInfo("America/New_York")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--minutes", type=float, default=30.0, help="wall-clock minutes (30)")
    p.add_argument("--speed", type=int, default=60, help="clock speed (60×)")
    p.add_argument("--backfill", default="30d", help="history before the start (30d)")
    p.add_argument("--start", default="22:30", help="local time the fake clock starts at")
    p.add_argument("--zone", default="Asia/Shanghai", help="the centre's time zone")
    p.add_argument("--clients", type=int, default=4, help="pollers and event streams, each")
    p.add_argument("--import-every", type=float, default=60.0, help="real seconds")
    p.add_argument("--cad", default=os.environ.get("SOAK_CAD", CAD_FILE))
    p.add_argument("--dir", default=os.environ.get("SOAK_DIR", "/tmp/commandwall-soak"))
    p.add_argument("--port", type=int, default=8199)
    p.add_argument("--max-age", type=float, default=2.0, help="real seconds (2)")
    return p.parse_args()


class Clock:
    """The fake timeline every process shares."""

    def __init__(self, start, speed):
        self.start = start.timestamp()
        self.real0 = time.time()
        self.speed = speed

    def now(self):
        return self.start + (time.time() - self.real0) * self.speed

    def env(self):
        # libfaketime: fake = r + offset + (real − r) × speed, r the process's start.
        real = time.time()
        offset = self.start + (real - self.real0) * self.speed - real
        env = dict(os.environ)
        env.update(
            LD_PRELOAD=FAKETIME_LIB,
            FAKETIME=f"{offset:+.3f} x{self.speed}",
            FAKETIME_DONT_FAKE_MONOTONIC="1",
            FAKETIME_NO_CACHE="1",
        )
        return env


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.max_age = 0.0
        self.ages_over = 0
        self.state_polls = 0
        self.stale = {}
        self.http_errors = {}
        self.requests = 0
        self.events = 0
        self.max_event_gap = 0.0
        self.reconnects = 0
        self.rss = []  # (real seconds since start, kB)
        self.imports = []
        self.last_seq = None
        self.midnights = set()

    def error(self, what):
        with self.lock:
            self.http_errors[what] = self.http_errors.get(what, 0) + 1


def get(conn, path, token):
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    body = r.read()
    return r.status, body


def state_monitor(args, token, clock, stats, stop):
    """Reads the state four times a second: how old it is, in real seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
    while not stop.is_set():
        try:
            status, body = get(conn, "/api/state", token)
            if status != 200:
                stats.error(f"state {status}")
            else:
                s = json.loads(body)
                if s.get("as_of") is not None:
                    age = (s["sent_at"] - min(s["checked_at"], s["as_of"])) / 1000 / args.speed
                    with stats.lock:
                        stats.state_polls += 1
                        stats.max_age = max(stats.max_age, age)
                        if age > args.max_age:
                            stats.ages_over += 1
                        if s.get("stale"):
                            code = s["stale"].get("code", "?")
                            stats.stale[code] = stats.stale.get(code, 0) + 1
                        stats.last_seq = s.get("seq")
                        local = dt.datetime.fromtimestamp(s["as_of"] / 1000, zoneinfo.ZoneInfo(args.zone))
                        stats.midnights.add(local.date().isoformat())
        except (OSError, http.client.HTTPException, ValueError) as e:
            stats.error(f"state {type(e).__name__}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        stop.wait(0.25)


def poller(args, token, stats, stop, n):
    """A browser on another wall controller: the state each second, charts and the desk now and then."""
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    k = 0
    while not stop.is_set():
        paths = ["/api/state"]
        if k % 10 == n % 10:
            paths.append("/api/charts/hourly.zh-CN")
        if k % 30 == n % 30:
            paths += ["/api/desk?period=day", "/api/alerts", "/api/repeat"]
        for path in paths:
            try:
                status, _ = get(conn, path, token)
                with stats.lock:
                    stats.requests += 1
                if status != 200:
                    stats.error(f"{path.split('?')[0]} {status}")
            except (OSError, http.client.HTTPException) as e:
                stats.error(f"{path.split('?')[0]} {type(e).__name__}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        k += 1
        stop.wait(1.0)


def event_stream(args, token, stats, stop):
    """The page's event stream: the longest silence between two states, in real seconds."""
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        try:
            conn.request("GET", "/api/events", headers={
                "Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
            r = conn.getresponse()
            if r.status != 200:
                stats.error(f"events {r.status}")
                stop.wait(1)
                continue
            last = time.time()
            while not stop.is_set():
                line = r.readline()
                if not line:
                    break
                if line.startswith(b"event: state"):
                    now = time.time()
                    with stats.lock:
                        stats.events += 1
                        stats.max_event_gap = max(stats.max_event_gap, now - last)
                    last = now
        except (OSError, http.client.HTTPException) as e:
            if not stop.is_set():
                stats.error(f"events {type(e).__name__}")
        finally:
            conn.close()
        if not stop.is_set():
            with stats.lock:
                stats.reconnects += 1


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_sampler(pid, stats, stop, real0):
    while not stop.is_set():
        kb = rss_kb(pid)
        if kb is not None:
            with stats.lock:
                stats.rss.append((time.time() - real0, kb))
        stop.wait(5)


class CadRows:
    """Rows of the real CAD export, moved to the fake clock: an export made at a time holds
    only the stages that have happened by then."""

    def __init__(self, path):
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            self.header = reader.fieldnames
            self.rows = [r for r in reader if r["Incident_Start_Time"] not in ("", "NULL")]
        self.random = random.Random(110)

    @staticmethod
    def parse(text):
        if text in ("", "NULL", "-9999"):
            return None
        return dt.datetime.fromisoformat(text)

    def batch(self, k, size, now):
        """Batch k: `size` incidents that began 5–50 minutes before `now` (a fake Unix time)."""
        local_now = dt.datetime.fromtimestamp(now, CAD_ZONE).replace(tzinfo=None)
        rows = []
        for i in range(size):
            src = self.random.choice(self.rows)
            begin = local_now - dt.timedelta(minutes=self.random.uniform(5, 50))
            rows.append((f"SOAK-{k}-{i}", src, begin - self.parse(src["Incident_Start_Time"])))
        return rows

    def write(self, path, batches, now):
        local_now = dt.datetime.fromtimestamp(now, CAD_ZONE).replace(tzinfo=None)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=self.header)
            w.writeheader()
            for rid, src, shift in batches:
                row = dict(src)
                row["Master_Incident_Number"] = rid
                for col in CAD_TIMES:
                    t = self.parse(row[col])
                    if t is None:
                        continue
                    t = t + shift
                    row[col] = t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if t <= local_now else "NULL"
                w.writerow(row)


def importer(args, binary, db, clock, stats, stop, cad):
    """A CAD that exports every so often: new incidents, and the last export's again with
    the stages that have happened since (a cumulative export)."""
    previous = []
    k = 0
    while not stop.wait(args.import_every):
        k += 1
        now = clock.now()
        batch = cad.batch(k, 40, now)
        path = os.path.join(args.dir, f"cad-{k}.csv")
        cad.write(path, previous + batch, now)
        started = time.time()
        r = subprocess.run(
            [binary, "--database", db, "import", path, "--mapping", "decc_cad"],
            env=clock.env(), capture_output=True, text=True)
        with open(os.path.join(args.dir, "import.log"), "a") as log:
            log.write(f"--- import {k} exit {r.returncode}\n{r.stdout}{r.stderr}")
        with stats.lock:
            stats.imports.append((k, r.returncode, time.time() - started))
        previous = batch


def wait_figures(args, token, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
            status, body = get(conn, "/api/state", token)
            if status == 200 and json.loads(body).get("as_of") is not None:
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.5)
    sys.exit(f"soak: the wall showed no figures within {timeout} s (see {args.dir}/serve.log)")


def compare(a, b, path, out):
    """Every difference between two JSON values (numbers to 1e-9), by path."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            compare(a.get(key), b.get(key), f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items served, {len(b)} from kpi")
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", out)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            out.append(f"{path}: served {a}, kpi {b}")
    elif a != b:
        out.append(f"{path}: served {a!r}, kpi {b!r}")
    return out


def count_figures(v):
    if isinstance(v, dict):
        return ("value" in v and "key" in v) + sum(count_figures(x) for x in v.values())
    if isinstance(v, list):
        return sum(count_figures(x) for x in v)
    return 0


def building(log):
    with open(log, errors="replace") as f:
        text = f.read()
    return text.count("building a new KPI engine beside") > text.count("built beside the live one took over") + text.count("build stopped") + text.count("building the KPI engine failed")


def final_check(args, binary, db, token, stats):
    """Writers stopped: the wall's last figures must be what `kpi --json` computes afresh
    from the database at the same instant."""
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    seq, since = None, time.time()
    # The same change number for 4 s and no engine being built beside the live one (which
    # brings in a change to the past): the wall has it all.
    started = time.time()
    while (time.time() - since < 4 or building(os.path.join(args.dir, "serve.log"))) \
            and time.time() - started < 120:
        _, body = get(conn, "/api/state", token)
        s = json.loads(body)
        if s.get("seq") != seq:
            seq, since = s.get("seq"), time.time()
        time.sleep(0.5)
    _, body = get(conn, "/api/snapshot", token)
    served = json.loads(body)
    as_of = dt.datetime.fromtimestamp(served["as_of"] / 1000, dt.timezone.utc)
    r = subprocess.run(
        [binary, "--database", db, "kpi", "--json", "--as-of",
         as_of.isoformat(timespec="milliseconds")],
        capture_output=True, text=True)
    if r.returncode != 0:
        return served, None, [f"kpi --json failed: {r.stderr.strip()}"]
    fresh = json.loads(r.stdout)
    # The wall cuts by zone only the windows a page or an alert reads; kpi cuts them all.
    for w_served, w_fresh in zip(served["windows"], fresh["windows"]):
        w_fresh["cuts"] = w_fresh["cuts"][:len(w_served["cuts"])]
    diffs = compare(served["windows"], fresh["windows"], "windows", [])
    diffs += compare(served["zones"], fresh["zones"], "zones", [])
    if served["seq"] != fresh["seq"]:
        diffs.append(f"seq: served {served['seq']}, kpi {fresh['seq']}")
    return served, fresh, diffs


def scan_logs(directory):
    found = {"panics": [], "errors": [], "warnings": 0, "rebuilds_beside": 0, "rebuilds_inline": 0,
             "prepared_midnight": 0}
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".log"):
            continue
        with open(os.path.join(directory, name), errors="replace") as f:
            for line in f:
                line = ansi.sub("", line)
                if "panicked" in line:
                    found["panics"].append(f"{name}: {line.strip()}")
                elif " ERROR " in line:
                    found["errors"].append(f"{name}: {line.strip()}")
                elif " WARN " in line:
                    found["warnings"] += 1
                if "building a new KPI engine beside" in line:
                    found["rebuilds_beside"] += 1
                if "rebuilding the KPI engine" in line:
                    found["rebuilds_inline"] += 1
                if "before midnight" in line and "building the KPI engine for" in line:
                    found["prepared_midnight"] += 1
    return found


def main():
    args = parse_args()
    binary = os.environ.get("COMMANDWALL_BIN", "target/release/commandwall")
    if os.path.isdir(args.dir):
        shutil.rmtree(args.dir)
    os.makedirs(args.dir)
    os.environ["XDG_CONFIG_HOME"] = os.path.join(args.dir, "config")
    os.environ["XDG_DATA_HOME"] = os.path.join(args.dir, "data")
    os.environ.setdefault("RUST_LOG", "commandwall=info")
    db = os.path.join(args.dir, "wall.db")
    token_file = os.path.join(args.dir, "token")
    token = secrets.token_urlsafe(24)
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(token)

    tz = zoneinfo.ZoneInfo(args.zone)
    hh, mm = (int(x) for x in args.start.split(":"))
    start = dt.datetime.now(tz).replace(hour=hh, minute=mm, second=0, microsecond=0)
    print(f"soak: history {args.backfill} up to {start.isoformat()} …", flush=True)
    with open(os.path.join(args.dir, "backfill.log"), "w") as log:
        subprocess.run([binary, "--database", db, "simulate", "--backfill", args.backfill,
                        "--until", start.isoformat()], stdout=log, stderr=subprocess.STDOUT, check=True)

    # "Silent for 120 s" means real seconds: the simulator writes once a real second, so
    # on the fast clock its batches are a minute apart.
    os.environ["COMMANDWALL__LIVE__STALE_AFTER_S"] = str(120 * args.speed)
    clock = Clock(start, args.speed)
    logs = {}

    def launch(name, argv):
        logs[name] = open(os.path.join(args.dir, f"{name}.log"), "w")
        return subprocess.Popen([binary, "--database", db] + argv, env=clock.env(),
                                stdout=logs[name], stderr=subprocess.STDOUT)

    serve = launch("serve", ["serve", "--bind", f"127.0.0.1:{args.port}", "--token-file", token_file])
    sim = launch("simulate", ["simulate", "--live", "--speed", f"{args.speed}x"])
    stats = Stats()
    try:
        wait_figures(args, token, 300)
        real0 = time.time()
        print(f"soak: wall up; {args.minutes:g} min at {args.speed}× from {start:%Y-%m-%d %H:%M} "
              f"({args.zone}) …", flush=True)
        stop = threading.Event()
        stop_writers = threading.Event()
        cad = CadRows(args.cad)
        threads = [threading.Thread(target=state_monitor, args=(args, token, clock, stats, stop)),
                   threading.Thread(target=rss_sampler, args=(serve.pid, stats, stop, real0)),
                   threading.Thread(target=importer, args=(args, binary, db, clock, stats, stop_writers, cad))]
        threads += [threading.Thread(target=poller, args=(args, token, stats, stop, n)) for n in range(args.clients)]
        threads += [threading.Thread(target=event_stream, args=(args, token, stats, stop), daemon=True)
                    for _ in range(args.clients)]
        for t in threads:
            t.start()
        end = real0 + args.minutes * 60
        while time.time() < end:
            time.sleep(min(60, max(0.1, end - time.time())))
            with stats.lock:
                kb = stats.rss[-1][1] if stats.rss else 0
                print(f"soak: {(time.time() - real0) / 60:5.1f} min, fake "
                      f"{dt.datetime.fromtimestamp(clock.now(), tz):%m-%d %H:%M}, RSS {kb / 1024:.0f} MiB, "
                      f"max state age {stats.max_age:.2f} s, {stats.requests} requests, "
                      f"{stats.events} events, {len(stats.imports)} imports", flush=True)
            if serve.poll() is not None:
                print("soak: serve exited", file=sys.stderr)
                break
        stop_writers.set()
        sim.send_signal(signal.SIGINT)
        sim.wait(30)
        threads[2].join()
        served, fresh, diffs = final_check(args, binary, db, token, stats)
        stop.set()
        for t in threads[:2] + threads[3:3 + args.clients]:
            t.join()
    finally:
        for p in (sim, serve):
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
        for f in logs.values():
            f.close()

    found = scan_logs(args.dir)
    rss = [kb for _, kb in stats.rss]
    warm = [kb for t, kb in stats.rss if t >= 300] or rss
    summary = {
        "minutes": args.minutes,
        "speed": args.speed,
        "fake_from": start.isoformat(),
        "local_days_seen": sorted(stats.midnights),
        "rss_mib": {
            "start": round(rss[0] / 1024, 1) if rss else None,
            "after_5_min": round(warm[0] / 1024, 1) if warm else None,
            "peak": round(max(rss) / 1024, 1) if rss else None,
            "end": round(rss[-1] / 1024, 1) if rss else None,
        },
        "state": {"polls": stats.state_polls, "max_age_s": round(stats.max_age, 3),
                  "polls_over_limit": stats.ages_over, "stale_seen": stats.stale},
        "events": {"count": stats.events, "max_gap_s": round(stats.max_event_gap, 3),
                   "reconnects": stats.reconnects},
        "requests": stats.requests,
        "http_errors": stats.http_errors,
        "imports": {"runs": len(stats.imports),
                    "failed": [k for k, rc, _ in stats.imports if rc != 0],
                    "max_s": round(max((s for _, _, s in stats.imports), default=0), 2)},
        "logs": {k: (v if not isinstance(v, list) else v[:5]) for k, v in found.items()},
        "final": {"seq": served["seq"], "as_of": served["as_of"],
                  "figures_compared": count_figures(served["windows"]),
                  "differences": diffs[:20], "difference_count": len(diffs)},
    }
    with open(os.path.join(args.dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
    print(json.dumps(summary, indent=2, ensure_ascii=False))

    failures = []
    if found["panics"]:
        failures.append(f"{len(found['panics'])} panics in the logs")
    if found["errors"]:
        failures.append(f"{len(found['errors'])} errors in the logs")
    if stats.ages_over:
        failures.append(f"the state was older than {args.max_age} s in {stats.ages_over} polls")
    if stats.stale:
        failures.append(f"the wall said its figures were stale: {stats.stale}")
    if stats.http_errors:
        failures.append(f"failed requests: {stats.http_errors}")
    if diffs:
        failures.append(f"{len(diffs)} figures differ from kpi --json")
    if len(stats.midnights) < 2:
        failures.append("no local midnight was crossed")
    if rss and warm and rss[-1] > warm[0] * 1.25:
        failures.append(f"resident memory grew from {warm[0] // 1024} to {rss[-1] // 1024} MiB")
    if [k for k, rc, _ in stats.imports if rc != 0]:
        failures.append("an import failed (see import.log)")
    if failures:
        print("soak FAILED: " + "; ".join(failures), file=sys.stderr)
        sys.exit(1)
    print("soak passed")


if __name__ == "__main__":
    main()
