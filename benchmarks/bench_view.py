"""Time-to-interactive of the network view for a synthetic bundle in real Chromium.

``python benchmarks/bench_view.py [--scale national] [--seed 0] [--cold 3] [--runs 5]``
generates the bundle (:func:`generate.generate`), imports it into a fresh SQLite database
through the app's import, serves the app on a free local port (a thread), signs in with
Debian's Chromium (Playwright, ``/usr/bin/chromium``) and opens ``/regions/<slug>/network``,
the real page.

Two moments are read in the page, as ``performance.now()`` (milliseconds since the
navigation started):

- ``interactive``: vis-network has drawn the graph data for the first time; from then on
  clicks, hover, search, filters and "Aufklappen" work;
- ``analysed``: the analysis marks (Taktgeber, gaps, transfer routes) are drawn.

A "cold" load finds nothing cached in the server (as the first view after a change of the
region's data): the server reads the region from the database, builds the graph, lays it out,
and for the marks runs the analysis. Before each cold load the server's caches (graphs, vis
data, reports) are emptied. "Warm" loads follow without emptying them. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
#: The issue's target for the national bundle, seconds.
TARGET_S = 3.0


def prepare(scale: str, seed: int, directory: str):
    """A new app on a SQLite file holding the generated bundle and a coordinator account."""
    from collab import create_app
    from collab.accounts import services as account_services
    from collab.bundles.services import import_bundle
    from collab.core.models import Region
    from collab.core.permissions import SYSTEM
    from collab.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.sqlite",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    bundle = generate(scale, seed)
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        import_bundle(bundle, SYSTEM)
        imported = time.perf_counter() - start
        region = db.session.scalar(db.select(Region).filter_by(slug=bundle["region"]["slug"]))
        account_services.create_user("bench", "bench", "coordinator", region=region)
        db.session.remove()
    counts = {k: len(bundle[k]) for k in ("municipalities", "actors", "initiatives", "ties")}
    return app, bundle["region"]["slug"], imported, counts


def phases(app, slug: str, repeat: int = 3) -> dict:
    """Where a cold graph request spends its time on the server (median ms of ``repeat``
    runs): reading the region (:func:`collab.core.records.network_records`), building the view's
    graph (:func:`graphs.vis.view_graph`), the vis data (filters, aggregation, layout,
    lists) and its JSON, each as the server runs it (garbage collector paused); and for
    comparison the path the view took before: the ORM export, ``build_graph`` and
    ``network_graph`` with the collector running."""
    import graphs
    from collab.bundles.services import export_bundle
    from collab.core.models import Region
    from collab.core.records import network_records
    from collab.extensions import db
    from graphs import vis
    from graphs.report import gc_paused

    times: dict[str, list[float]] = {}

    def timed(name, work, *args, **kwargs):
        start = time.perf_counter()
        value = work(*args, **kwargs)
        times.setdefault(name, []).append((time.perf_counter() - start) * 1000)
        return value

    with app.app_context():
        region = db.session.scalar(db.select(Region).filter_by(slug=slug))
        for _run in range(repeat):
            with gc_paused():
                records = timed("records", network_records, region)
                network = timed("view_graph", vis.view_graph, records)
                data = timed("vis_data", vis.vis_data, U=network)
                timed("json", json.dumps, data)
            del records, network, data
            bundle = timed("before_export_bundle", export_bundle, region)
            multigraph = timed("before_build_graph", graphs.build_graph, bundle)
            timed("before_network_graph", graphs.network_graph, multigraph)
            del bundle, multigraph
            db.session.expunge_all()
        db.session.remove()
    return {name: round(statistics.median(values)) for name, values in times.items()}


def _load(page, base: str, slug: str) -> dict:
    page.goto(f"{base}/regions/{slug}/network")
    page.wait_for_selector("#network-app[data-state=ready]", timeout=600_000)
    interactive = page.evaluate("window.networkReadyAt")
    page.wait_for_selector("#network-app[data-analysis=ready]", state="attached",
                           timeout=600_000)
    return {"interactive": interactive, "analysed": page.evaluate("window.networkAnalysedAt"),
            "data": page.evaluate("({mode: networkView.data.mode, "
                                  "counts: networkView.data.counts, "
                                  "edges: networkView.data.edges.length})")}


def _summary(values: list[float]) -> dict:
    return {"median_ms": round(statistics.median(values)), "best_ms": round(min(values)),
            "worst_ms": round(max(values))}


def measure(app, slug: str, cold_runs: int, runs: int) -> dict:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from collab.analysis import network as view
    from collab.analysis import reports
    from collab.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cold, warm = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/login")
            page.fill("input[name=login]", "bench")
            page.fill("input[name=password]", "bench")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            for _run in range(cold_runs):
                view.clear_caches()
                reports.clear_cache()
                cold.append(_load(page, base, slug))
            for _run in range(runs):
                warm.append(_load(page, base, slug))
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return {
        "cold_interactive": _summary([load["interactive"] for load in cold]),
        "cold_analysed": _summary([load["analysed"] for load in cold]),
        "warm_interactive": _summary([load["interactive"] for load in warm]),
        "warm_analysed": _summary([load["analysed"] for load in warm]),
        "cold_runs": len(cold), "warm_runs": len(warm), "view": warm[-1]["data"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cold", type=int, default=3, help="cold loads (caches emptied)")
    parser.add_argument("--runs", type=int, default=5, help="warm loads after the cold ones")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        app, slug, imported, counts = prepare(args.scale, args.seed, directory)
        server_phases = phases(app, slug)
        result = measure(app, slug, args.cold, args.runs)
        result["server_phases_ms"] = server_phases
    result.update({"scale": args.scale, "seed": args.seed, "bundle": counts,
                   "import_s": round(imported, 1), "target_s": TARGET_S,
                   "cold_within_target":
                       result["cold_interactive"]["worst_ms"] <= TARGET_S * 1000,
                   "warm_within_target":
                       result["warm_interactive"]["worst_ms"] <= TARGET_S * 1000,
                   "cpus": os.cpu_count(), "machine": platform.machine(),
                   "python": platform.python_version()})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
