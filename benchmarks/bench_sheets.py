"""Time importing the synthetic network as an Excel workbook (issue 13.1).

``python benchmarks/bench_sheets.py [--scale national] [--seed 0]`` generates the bundle
(:func:`generate.generate`), writes it as a workbook (:func:`collab.bundles.sheets.
workbook_bytes`, the export's writer), then times in a fresh SQLite database: reading the
workbook into a bundle (:func:`collab.bundles.sheets.workbook_to_bundle`) and the import
through :func:`collab.bundles.services.import_spreadsheet` (reading, validation and all
writes). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def run(scale: str, seed: int) -> dict:
    from collab import create_app
    from collab.bundles import sheets
    from collab.bundles.services import import_spreadsheet
    from collab.core.permissions import SYSTEM
    from collab.extensions import db

    doc = generate(scale, seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            body = sheets.workbook_bytes(doc)
            write_s = time.perf_counter() - start
            start = time.perf_counter()
            converted = sheets.workbook_to_bundle(body)
            read_s = time.perf_counter() - start
            assert not converted.problems, converted.problems[:5]
            start = time.perf_counter()
            summary, _doc = import_spreadsheet(body, "bench.xlsx", SYSTEM)
            import_s = time.perf_counter() - start
            db.session.remove()
            db.engine.dispose()
    assert summary["changed"]
    rows = (len(doc["municipalities"]) + len(doc["actors"]) + len(doc["initiatives"])
            + sum(len(i["participants"]) for i in doc["initiatives"]) + len(doc["ties"])
            + len(doc.get("formats", [])))
    return {
        "scale": scale, "seed": seed, "rows": rows, "workbook_mb": round(len(body) / 2**20, 1),
        "write_s": round(write_s, 2), "read_s": round(read_s, 2),
        "import_s": round(import_s, 2),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=["region", "state", "national"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale, args.seed)))


if __name__ == "__main__":
    main()
