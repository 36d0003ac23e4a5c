"""Load benchmark of the production topology (README, "Operations: measured load").

Starts what `make serve` starts (gunicorn with WEB_CONCURRENCY workers, an analysis worker on
Redis) on a throwaway PostgreSQL cluster and a throwaway redis-server, imports a generated
network (``--scale region``: 50 municipalities; ``national``: 10,800), then drives 1, 20 and
50 concurrent clients for ``--duration`` seconds each over a mix of the overview, the
analysis page, the network data, an API list and a write (an actor edit through the API:
every write changes the region's data, so reports are recomputed all the time), and, in the
same run, the same number of clients on a trivial endpoint (``/livez``: the ceiling of this
machine). Reports throughput, p50, p95 and errors (status >= 400 or no answer).

The clients run in ``--procs`` processes (threads inside; each thread one keep-alive
connection), on the same machine as the server: the ceiling includes the clients' cost.

    python benchmarks/bench_load.py --scale region [--duration 60] [--clients 1,20,50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

from tests.pg_server import ThrowawayCluster  # noqa: E402
from tests.redis_server import ThrowawayRedis  # noqa: E402

FLASK = [sys.executable, "-m", "flask", "--app", "collab.wsgi"]
PASSWORD = "benchmark-passwort-lang"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(env, *args) -> str:
    result = subprocess.run([*FLASK, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stdout + result.stderr)
    return result.stdout


class Conn:
    def __init__(self, port: int, cookie: str = "", token: str = ""):
        self.port, self.cookie, self.token = port, cookie, token
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in (1, 2):
            try:
                self.http.request(method, path, body=body, headers=headers)
                response = self.http.getresponse()
                data = response.read()
                return response.status, response, data
            except (http.client.HTTPException, OSError):
                self.http.close()
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise


def login(port: int) -> str:
    c = Conn(port)
    status, response, html = c.request("GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]
    c.cookie = cookie
    status, response, _ = c.request(
        "POST", "/login", urllib.parse.urlencode({"login": "bench", "password": PASSWORD,
                                                  "csrf_token": token.decode()}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, status
    return response.getheader("Set-Cookie").split(";", 1)[0]


def mix(slug: str, actors: list[str]) -> list[tuple[str, str, str | None]]:
    """One round of a client: (kind, method, path); the write's path is an actor."""
    r = f"/regions/{slug}"
    reads = [("overview", "GET", r), ("analysis", "GET", f"{r}/analysis"),
             ("network", "GET", f"{r}/network/data.json"),
             ("api_list", "GET", f"/api/v1{r}/actors?per_page=25")]
    return reads * 2 + [("write", "PATCH", f"/api/v1{r}/actors/{{actor}}")] + reads[:1]


def client_proc(port, cookie, token, slug, actors, threads, duration, trivial, out):
    results: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def run(n):
        rng = random.Random(n)
        c = Conn(port, cookie)
        plan = [("trivial", "GET", "/livez")] if trivial else mix(slug, actors)
        i = rng.randrange(len(plan))
        local = []
        while time.monotonic() < stop_at:
            kind, method, path = plan[i % len(plan)]
            i += 1
            headers, body = {}, None
            if kind == "write":
                path = path.format(actor=rng.choice(actors))
                body = json.dumps({"capacity_fte": rng.randint(1, 8)})
                headers = {"Authorization": f"Bearer {token}",
                           "Content-Type": "application/json"}
            elif path.startswith("/api/"):
                headers = {"Authorization": f"Bearer {token}"}
            t0 = time.perf_counter()
            try:
                status = c.request(method, path, body, headers)[0]
            except Exception:
                status = 599
            local.append((kind, time.perf_counter() - t0, status))
        with lock:
            results.extend(local)

    pool = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(results)


#: which processes do what, by their command line (for the CPU seconds per role)
ROLES = (("web", ("gunicorn",)), ("analysis", ("analysis-worker", "rq:", "rq ")),
         ("database", ("postgres",)), ("redis", ("redis-server",)))


def cpu_by_role() -> dict[str, float]:
    """CPU seconds so far of the machine's processes by role (utime + stime, with the
    children each has waited for: the analysis worker's work horses)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = dict.fromkeys([r for r, _ in ROLES], 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        for role, marks in ROLES:
            if any(m in cmd for m in marks):
                found[role] += sum(int(f) for f in fields[11:15]) / tick
                break
    return found


def drive(port, cookie, token, slug, actors, clients, duration, procs, trivial) -> dict:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    n_procs = min(procs, clients)
    shares = [clients // n_procs + (1 if k < clients % n_procs else 0) for k in range(n_procs)]
    ps = [ctx.Process(target=client_proc, args=(port, cookie, token, slug, actors, share,
                                                duration, trivial, out)) for share in shares]
    before, clients_before = cpu_by_role(), os.times()
    for p in ps:
        p.start()
    results = [r for _ in ps for r in out.get()]
    for p in ps:
        p.join()
    after, clients_after = cpu_by_role(), os.times()
    summary = summarise(results, duration)
    summary["cpu_s"] = {role: round(after[role] - before[role], 1) for role in after}
    summary["cpu_s"]["clients"] = round(
        clients_after.children_user + clients_after.children_system
        - clients_before.children_user - clients_before.children_system, 1)
    return summary


def summarise(results, duration) -> dict:
    def stats(rows):
        times = sorted(t for _, t, _ in rows)
        if not times:
            return {"requests": 0}
        q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else \
            [times[0]] * 99
        return {"requests": len(rows), "rps": round(len(rows) / duration, 1),
                "p50_ms": round(1000 * q[49], 1), "p95_ms": round(1000 * q[94], 1),
                "errors": sum(1 for _, _, s in rows if s >= 400)}
    kinds = sorted({k for k, _, _ in results})
    return {"all": stats(results),
            "kinds": {k: stats([r for r in results if r[0] == k]) for k in kinds}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("region", "national"), default="region")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", default="1,20,50")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--web-concurrency", default="4")
    parser.add_argument("--threads", default="4")
    parser.add_argument("--analysis-workers", default="1")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of the mixed load "
                        "with 20 clients before the measured rows (not counted): every web "
                        "worker has drawn the picture and read the counts once")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)

    pg, rd = ThrowawayCluster(), ThrowawayRedis()
    if not (pg.available and rd.available):
        print("needs PostgreSQL (initdb, pg_ctl) and redis-server", file=sys.stderr)
        return 2
    pg_url, redis_url = pg.start(), rd.start()
    serve = None
    tmp = Path(tempfile.mkdtemp(prefix="kn-bench-"))
    try:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KN_", "FLASK_"))}
        env.update({"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "SECRET_KEY": "b" * 64,
                    "BASE_URL": f"http://127.0.0.1:{port}", "PORT": str(port),
                    "WEB_CONCURRENCY": args.web_concurrency,
                    "KN_THREADS": args.threads, "KN_ANALYSIS_WORKERS": args.analysis_workers,
                    "KN_ENV": "production", "KN_LOG_LEVEL": "INFO",
                    "KN_BALLOT_INTERVAL": "0"})
        bundle = generate(args.scale, 0)
        slug = bundle["region"]["slug"]
        path = tmp / "bundle.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        t0 = time.perf_counter()
        _run(env, "init-db")
        _run(env, "import", str(path))
        print(f"imported {args.scale} ({len(bundle['municipalities'])} municipalities) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        _run(env, "create-user", "bench", "--role", "coordinator", "--region", slug,
             "--password", PASSWORD)
        token = _run(env, "create-token", "bench").strip().splitlines()[-1]
        actors = [a["key"] for a in bundle["actors"]][:200]
        serve = subprocess.Popen([sys.executable, "-m", "collab.ops.serve"], env=env, cwd=ROOT,
                                 stdout=(tmp / "serve.log").open("w"),
                                 stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                if Conn(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError((tmp / "serve.log").read_text()[-3000:])
            time.sleep(0.5)
        cookie = login(port)
        # the first report, so that the measured runs start from a served region
        c = Conn(port, cookie)
        t0 = time.perf_counter()
        while json.loads(c.request("GET", f"/regions/{slug}/analysis/status.json")[2])[
                "state"] != "ready":
            time.sleep(0.5)
        first = time.perf_counter() - t0
        print(f"first report ready after {first:.1f} s", flush=True)
        warmup = None
        if args.warmup > 0:
            # a freshly started worker draws its first picture of a national network for
            # seconds; that is the start of a deployment, not the steady load measured here
            warmup = drive(port, cookie, token, slug, actors, 20, args.warmup, args.procs,
                           False)["all"]
            print(f"warm-up ({args.warmup:g} s, not counted): {warmup['rps']} req/s, "
                  f"p95 {warmup['p95_ms']} ms, errors {warmup['errors']}", flush=True)
        runs = []
        for clients in (int(x) for x in args.clients.split(",")):
            for trivial in (False, True):
                result = drive(port, cookie, token, slug, actors, clients, args.duration,
                               args.procs, trivial)
                runs.append({"clients": clients, "workload": "trivial" if trivial else "mixed",
                             **result})
                a = result["all"]
                print(f"{clients:>3} clients {'trivial' if trivial else 'mixed  '}: "
                      f"{a['rps']:>7} req/s  p50 {a['p50_ms']:>7} ms  p95 {a['p95_ms']:>7} ms  "
                      f"errors {a['errors']}", flush=True)
                print("      CPU s: " + ", ".join(f"{k} {v}" for k, v in result["cpu_s"].items()),
                      flush=True)
                if not trivial:
                    for kind, s in result["kinds"].items():
                        print(f"      {kind:<9} {s['requests']:>6} req  p50 {s['p50_ms']:>7} ms"
                              f"  p95 {s['p95_ms']:>7} ms  errors {s['errors']}", flush=True)
        log = (tmp / "serve.log").read_text()
        stored = log.count('"report stored"')
        doc = {"scale": args.scale, "municipalities": len(bundle["municipalities"]),
               "duration_s": args.duration, "web_concurrency": args.web_concurrency,
               "threads": args.threads, "analysis_workers": args.analysis_workers,
               "first_report_s": round(first, 1), "reports_stored": stored,
               "warmup": {"seconds": args.warmup, **(warmup or {})},
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()},
               "runs": runs}
        print(f"reports computed during the run: {stored}")
        if args.output:
            args.output.write_text(json.dumps(doc, indent=1) + "\n")
    finally:
        if serve is not None:
            os.killpg(serve.pid, signal.SIGTERM)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
        rd.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)  # the bundle (tens of MB) and the server's log
    return 0


if __name__ == "__main__":
    sys.exit(main())
