"""Time build + analyse per scale, measure peak memory, check sampled brokerage accuracy."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from generate import SCALES, generate  # noqa: E402

#: Targets (2-core machine), seconds: CPU time of ``graphs.analyse`` in the process (issue
#: #14: state 0.8 s, national 4 s; region from issue #3).
TARGETS = {"region": 0.05, "state": 0.8, "national": 4.0}
REPEATS = {"region": 30, "state": 5, "national": 3}
MEMORY_LIMIT_MB = 2048


def bundle_path(scale: str, seed: int) -> Path:
    """The generated bundle of ``scale`` (written to benchmarks/out/ on first use)."""
    path = OUT / f"{scale}-{seed}.json"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        path.write_text(json.dumps(generate(scale, seed), ensure_ascii=False), encoding="utf-8")
    return path


def worker(scale: str, seed: int, repeats: int) -> dict:
    """Run in a fresh process: time ``analyse`` (which builds the graph) ``repeats`` times;
    its phases (``timings_ms``) in CPU time where the ``graphs`` package can (``CLOCK``)."""
    import graphs.report
    from graphs import analyse

    graphs.report.CLOCK = time.process_time  # a previous version without CLOCK: wall time

    bundle = json.loads(bundle_path(scale, seed).read_text(encoding="utf-8"))
    analyse(bundle, seed=seed)  # warm-up: imports, caches
    walls, cpus, phases = [], [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        report = analyse(bundle, seed=seed)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        phases.append(report["timings_ms"])
    summary = report["summary"]
    nodes = summary["municipalities"] + summary["actors"] + summary["initiatives"]
    edges = summary["ties"] + sum(1 for a in bundle["actors"] if a.get("municipality")) + sum(
        len(i["participants"]) for i in bundle["initiatives"])
    return {
        "scale": scale,
        "municipalities": summary["municipalities"],
        "nodes": nodes,
        "edges": edges,
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "cpu_median_s": statistics.median(cpus),
        "cpu_min_s": min(cpus),
        "phases_ms": {k: statistics.median(p[k] for p in phases) for k in phases[0]},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "gaps": summary["gaps"],
        "brokerage": summary["brokerage"],
        "top": [r["key"] for r in report["taktgeber"][:3]],
    }


def ceiling(scale: str, seed: int, repeats: int) -> dict:
    """CPU seconds of networkit's C++ kernels on the same network graph (the machine's
    ceiling for the heavy part of the analysis): conversion from the CSR adjacency,
    connected components, biconnected components, PLM communities (one thread) and a
    200-source betweenness estimate (Brandes-Pich, all pairs); median of ``repeats``."""
    import networkit as nk
    import numpy as np

    from graphs.brokerage import to_csr
    from graphs.build import build_graph, network_graph

    bundle = json.loads(bundle_path(scale, seed).read_text(encoding="utf-8"))
    _nodes, _index, A = to_csr(network_graph(build_graph(bundle)))
    nk.setNumberOfThreads(1)
    nk.engineering.setSeed(seed, False)
    runs = []
    for _ in range(repeats + 1):  # the first is a warm-up
        start = time.process_time()
        rows, cols = A.nonzero()
        upper = rows < cols
        G = nk.graph.Graph(A.shape[0])
        G.addEdges((rows[upper].astype(np.uint64), cols[upper].astype(np.uint64)))
        nk.components.ConnectedComponents(G).run()
        nk.components.BiconnectedComponents(G).run()
        nk.community.PLM(G, refine=True).run()
        nk.centrality.EstimateBetweenness(G, 200, False, False).run()
        runs.append(time.process_time() - start)
    return {"scale": scale, "cpu_median_s": statistics.median(runs[1:])}


def accuracy(seed: int = 0, seeds: int = 5) -> dict:
    """Compare the sampled Taktgeber ranking with the exact one at state scale."""
    from graphs.brokerage import to_csr
    from graphs.build import build_graph, municipality_graph, network_graph
    from graphs.structure import communities, cut_structure, main_component
    from graphs.taktgeber import SAMPLE_SOURCES, rank_taktgeber

    bundle = json.loads(bundle_path("state", seed).read_text(encoding="utf-8"))
    G = build_graph(bundle)
    U = network_graph(G)
    csr = to_csr(U)
    partition = communities(municipality_graph(G, regional=True), seed=seed)
    community_of = {x: i for i, c in enumerate(partition) for x in c}
    cut_pairs = cut_structure(U, main_component(U))["cut_pairs"]
    start = time.perf_counter()
    exact = rank_taktgeber(G, U, community_of=community_of, exact=True, csr=csr,
                           cut_pairs=cut_pairs)
    exact_s = time.perf_counter() - start
    truth = [r["key"] for r in exact["ranking"][:10]]
    by_key = {r["key"]: r for r in exact["ranking"]}
    pairs = exact["method"]["of"] * (exact["method"]["of"] - 1) / 2
    runs = []
    for sample_seed in range(seeds):
        start = time.perf_counter()
        sampled = rank_taktgeber(G, U, community_of=community_of, exact=False, csr=csr,
                                 seed=sample_seed, cut_pairs=cut_pairs)
        elapsed = time.perf_counter() - start
        top = [r["key"] for r in sampled["ranking"][:10]]
        error = max(abs(r["raw"]["betweenness"] - by_key[r["key"]]["raw"]["betweenness"])
                    / pairs for r in sampled["ranking"])
        swapped = [abs(by_key[a]["score"] - by_key[b]["score"])
                   for i, a in enumerate(top) for b in top[i + 1:]
                   if a in truth and b in truth and truth.index(a) > truth.index(b)]
        runs.append({
            "seed": sample_seed,
            "swapped_gap": max(swapped, default=0.0),
            "seconds": elapsed,
            "same_set": set(top) == set(truth),
            "same_order": top == truth,
            "max_shift": max(abs(top.index(k) - truth.index(k)) for k in truth if k in top),
            "max_score_diff": max(abs(r["score"] - by_key[r["key"]]["score"])
                                  for r in sampled["ranking"][:10]),
            "max_normalised_error": error,
            "error_bound": sampled["method"]["error_bound"],
        })
    gaps = [truth_score - next_score for truth_score, next_score in zip(
        [by_key[k]["score"] for k in truth], [by_key[k]["score"] for k in truth][1:],
        strict=False)]
    return {"k": SAMPLE_SOURCES, "exact_seconds": exact_s, "runs": runs,
            "smallest_score_gap_in_top10": min(gaps) if gaps else 0.0,
            "score_gap_10_11": by_key[truth[-1]]["score"] - exact["ranking"][10]["score"]}


def table(results: list, check: dict | None) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        f"Measured on {time.strftime('%a %d %b %Y %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end; time = CPU time (`time.process_time`) of "
        "`graphs.analyse(bundle)` (builds the graph, runs every analysis) in its process, "
        "median and best of repeated runs after one warm-up, beside the wall time; memory = "
        "peak resident set size of the process (bundle loaded, graph built, report made).",
        "",
        "| scale | municipalities | nodes | edges | CPU median | CPU best | target (CPU) | "
        "wall median | peak memory | brokerage | gaps |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        b = r["brokerage"]
        method = ("exact" if b["betweenness"] == "exact"
                  else f"sampled, k = {b['sources']} of {b['of']}")
        lines.append(
            f"| {r['scale']} | {r['municipalities']:,} | {r['nodes']:,} | {r['edges']:,} | "
            f"{_seconds(r['cpu_median_s'])} | {_seconds(r['cpu_min_s'])} | "
            f"≤ {_seconds(TARGETS[r['scale']])} | {_seconds(r['wall_median_s'])} | "
            f"{r['peak_rss_mb']:,.0f} MB | {method} | {r['gaps']:,} |")
    lines += ["", "Phases (median, CPU ms):", "",
              "| scale | " + " | ".join(k for k in results[0]["phases_ms"]) + " |",
              "|---|" + "---:|" * len(results[0]["phases_ms"])]
    for r in results:
        lines.append(f"| {r['scale']} | " + " | ".join(
            _ms(v) for v in r["phases_ms"].values()) + " |")
    if any("baseline" in r or "ceiling" in r for r in results):
        lines += ["", "Same run, CPU median (s): the previous code (`--baseline`, its phases in "
                  "wall time when it predates `graphs.report.CLOCK`), this code, and "
                  "networkit's C++ kernels on the same network graph (`--ceiling`: "
                  "conversion, components, biconnected components, PLM, 200-source "
                  "betweenness estimate):", "",
                  "| scale | previous | this | networkit kernels |", "|---|---:|---:|---:|"]
        for r in results:
            before = r.get("baseline", {}).get("cpu_median_s")
            kernels = r.get("ceiling", {}).get("cpu_median_s")
            lines.append(f"| {r['scale']} | {_seconds(before) if before else '–'} | "
                         f"{_seconds(r['cpu_median_s'])} | "
                         f"{_seconds(kernels) if kernels else '–'} |")
        if any("baseline" in r for r in results):
            phases = list(results[0]["phases_ms"])
            lines += ["", "Phases of the previous code (median, ms):", "",
                      "| scale | " + " | ".join(phases) + " |",
                      "|---|" + "---:|" * len(phases)]
            for r in results:
                if "baseline" in r:
                    lines.append(f"| {r['scale']} | " + " | ".join(
                        _ms(r["baseline"]["phases_ms"].get(k, 0.0)) for k in phases) + " |")
    if check:
        runs = check["runs"]
        lines += [
            "", f"Sampled vs exact brokerage at state scale (k = {check['k']} stratified "
            f"source municipalities, {len(runs)} seeds; exact ranking took "
            f"{check['exact_seconds']:.1f} s):", "",
            "| seed | top 10 same set | same order | max rank shift | largest exact score gap "
            "of a swapped pair | max score diff | max normalised betweenness error | "
            "bound (95 %) |",
            "|---:|---|---|---:|---:|---:|---:|---:|",
        ]
        for run in runs:
            lines.append(
                f"| {run['seed']} | {'yes' if run['same_set'] else 'NO'} | "
                f"{'yes' if run['same_order'] else 'no'} | {run['max_shift']} | "
                f"{run['swapped_gap']:.4f} | "
                f"{run['max_score_diff']:.4f} | {run['max_normalised_error']:.4f} | "
                f"{run['error_bound']:.4f} |")
        lines += ["", f"Smallest score gap between neighbours in the exact top 10: "
                      f"{check['smallest_score_gap_in_top10']:.4f}; gap between rank 10 and "
                      f"11: {check['score_gap_10_11']:.4f}."]
    return "\n".join(lines) + "\n"


def _ms(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 else f"{v:.1f}"


def _seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="*", default=list(SCALES), choices=list(SCALES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, help="runs per scale (default by scale)")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the accuracy check")
    parser.add_argument("--write", type=Path, help="also write the table to this file")
    parser.add_argument("--baseline", type=Path, help="also time the `graphs` package under "
                        "this directory (e.g. `git archive <commit> graphs | tar -x -C DIR`), "
                        "alternating with this one, and print both")
    parser.add_argument("--ceiling", action="store_true", help="also time networkit's C++ "
                        "kernels (components, biconnected components, PLM, a 200-source "
                        "betweenness estimate) on the same network graph")
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--ceiling-of", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.root:
        sys.path.insert(0, str(args.root))
    if args.ceiling_of:
        print(json.dumps(ceiling(args.ceiling_of, args.seed,
                                 args.repeat or REPEATS[args.ceiling_of])))
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.seed, args.repeat or REPEATS[args.worker])))
        return 0
    results = []
    for scale in args.scales:
        bundle_path(scale, args.seed)
        runs = {}
        for root in ([args.baseline] if args.baseline else []) + [None]:
            out = subprocess.run(
                [sys.executable, __file__, "--worker", scale, "--seed", str(args.seed),
                 "--repeat", str(args.repeat or REPEATS[scale])]
                + (["--root", str(root)] if root else []),
                check=True, capture_output=True, text=True)
            runs[root] = result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{scale} ({root or 'this'}): wall {result['wall_median_s']:.3f} s, "
                  f"cpu {result['cpu_median_s']:.3f} s, phases {result['phases_ms']}",
                  file=sys.stderr)
        result = runs[None]
        if args.baseline:
            result["baseline"] = runs[args.baseline]
        if args.ceiling:
            out = subprocess.run(
                [sys.executable, __file__, "--ceiling-of", scale, "--seed", str(args.seed),
                 "--repeat", str(args.repeat or REPEATS[scale])],
                check=True, capture_output=True, text=True)
            result["ceiling"] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{scale} (networkit kernels): cpu {result['ceiling']['cpu_median_s']:.3f} s",
                  file=sys.stderr)
        results.append(result)
    check = None if args.no_accuracy or "state" not in args.scales else accuracy(args.seed)
    text = table(results, check)
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    ok = all(r["cpu_median_s"] <= TARGETS[r["scale"]] and r["peak_rss_mb"] < MEMORY_LIMIT_MB
             for r in results) and (check is None or all(r["same_set"] for r in check["runs"]))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
