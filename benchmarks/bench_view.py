"""Time-to-interactive of the network view for a synthetic bundle in real Chromium.

``python benchmarks/bench_view.py [--scale national] [--seed 0] [--runs 5]`` generates the
bundle (:func:`generate.generate`), imports it into a fresh SQLite database through the app's
import, serves the app on a free local port (a thread), signs in with Debian's Chromium
(Playwright, ``/usr/bin/chromium``) and opens ``/regions/<slug>/network``, the real page.

Time-to-interactive is read in the page: ``performance.now()`` (milliseconds since the
navigation started) when vis-network has drawn the data for the first time, the moment from
which clicks, hover and search work. The first load is "cold" (the server builds the graph
from the database and runs the analysis); the following loads are "warm" (the server's caches
hold graph and report, as on a server that has shown the region once since its last change).
Prints one JSON line.
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
    from collab import create_app, services
    from collab.bundle import import_bundle
    from collab.extensions import db
    from collab.models import Region
    from collab.permissions import SYSTEM

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.sqlite",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    bundle = generate(scale, seed)
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        import_bundle(bundle, SYSTEM)
        imported = time.perf_counter() - start
        region = db.session.scalar(db.select(Region).filter_by(slug=bundle["region"]["slug"]))
        services.create_user("bench", "bench", "coordinator", region=region)
        db.session.remove()
    counts = {k: len(bundle[k]) for k in ("municipalities", "actors", "initiatives", "ties")}
    return app, bundle["region"]["slug"], imported, counts


def measure(app, slug: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from collab.extensions import db

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    loads = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/login")
            page.fill("input[name=login]", "bench")
            page.fill("input[name=password]", "bench")
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
            for _run in range(runs + 1):
                page.goto(f"{base}/regions/{slug}/network")
                page.wait_for_selector("#network-app[data-state=ready]", timeout=600_000)
                loads.append({
                    "ms": round(page.evaluate("window.networkReadyAt")),
                    "data": page.evaluate("({mode: networkView.data.mode, "
                                          "counts: networkView.data.counts, "
                                          "edges: networkView.data.edges.length})")})
            browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    warm = [load["ms"] for load in loads[1:]]
    return {"cold_ms": loads[0]["ms"], "warm_median_ms": round(statistics.median(warm)),
            "warm_best_ms": min(warm), "warm_worst_ms": max(warm), "view": loads[-1]["data"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="national")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5, help="warm loads after the cold one")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as directory:
        app, slug, imported, counts = prepare(args.scale, args.seed, directory)
        result = measure(app, slug, args.runs)
    result.update({"scale": args.scale, "seed": args.seed, "bundle": counts,
                   "import_s": round(imported, 1), "target_s": TARGET_S,
                   "warm_within_target": result["warm_worst_ms"] <= TARGET_S * 1000,
                   "cpus": os.cpu_count(), "machine": platform.machine(),
                   "python": platform.python_version()})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
