"""Issue 19, goal 2 alone: `GET /assets` on the floor, the ledger and the gateway, in ~2 minutes.

The same cluster, dataset and wrk load as `make bench --smoke`, but only the one endpoint of
goal 2: the bare aiohttp server with the page's bytes (floor), the ledger direct and the gateway,
each at `--connections`; `--profile` samples the ledger and the gateway with py-spy at the
busiest level; `--baseline REV` runs that revision's processes beside this code's and loads them
in pairs (alternating which goes first), so a change is measured against the code before it
at the same moment on a shared machine. Prints report.goal2's lines.

    .venv/bin/python bench/ledger_probe.py --profile
    .venv/bin/python bench/ledger_probe.py --baseline HEAD~1 --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import perf
import pyspy
import report
from cluster import ROOT, Cluster, CodeAt

ENDPOINT = "GET /assets"
_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _cpu_s(cluster: Cluster) -> dict[str, tuple[float, float]]:
    """Return the CPU seconds (user, system) each process of `cluster` has used so far."""
    used = {}
    for name, copies in cluster.processes.items():
        user = system = 0.0
        for process in copies:
            # /proc/<pid>/stat: the 14th and 15th fields, after the parenthesised command.
            fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
            user += int(fields[11]) * _TICK_S
            system += int(fields[12]) * _TICK_S
        used[name] = (user, system)
    return used


def _measured(
    bench: perf.Bench,
    via: str,
    connections: int,
    cluster: Cluster | None = None,
    endpoint: str = ENDPOINT,
) -> dict[str, Any]:
    """Load one point and add the CPU each process spent per request, in µs.

    CPU per request hardly moves with what else runs on the machine, unlike req/s: it is the
    figure to compare side by side on a shared machine.
    """
    cluster = cluster or bench.cluster
    before = _cpu_s(cluster)
    row = bench.load(via, endpoint, bench.targets[endpoint], connections, cluster=cluster)
    after = _cpu_s(cluster)
    served = max(1, row.get("requests") or round(row["rps"] * bench.args.duration))
    names = ("ledger", "gateway") if endpoint == ENDPOINT else tuple(cluster.processes)
    spent = {n: [a - b for a, b in zip(after[n], before[n], strict=True)] for n in names}
    row["cpu_us_per_request"] = {n: round(sum(spent[n]) / served * 1e6, 1) for n in names}
    # The kernel's part (socket reads and writes), which a Python profiler does not see.
    row["cpu_system_share"] = {n: round(spent[n][1] / max(sum(spent[n]), 1e-9), 2) for n in names}
    return row


def _profile(
    bench: perf.Bench, via: str, connections: int, duration: int, endpoint: str = ENDPOINT
) -> dict[str, Any]:
    """Load `via` with py-spy on the ledger and (through the gateway) the gateway too.

    Another `endpoint` than the page (e.g. the dashboard) samples every process.
    """
    names: tuple[str, ...] = ("ledger", "gateway") if via == "gateway" else ("ledger",)
    if endpoint != ENDPOINT:
        names = tuple(bench.cluster.processes)
    raw = {n: perf.RESULTS / f"probe-{bench.stamp}-{via}-{n}.pyspy.txt" for n in names}
    perf.RESULTS.mkdir(exist_ok=True)
    recorders = {
        n: pyspy.start_recording(bench.cluster.pid(n), p, max(1, duration - 1))
        for n, p in raw.items()
    }
    row = bench.load(via, endpoint, bench.targets[endpoint], connections, duration)
    out: dict[str, Any] = {"load_while_profiling": row}
    for n, recorder in recorders.items():
        if recorder is None:
            return {"error": "py-spy is not installed"}
        recorder.communicate(timeout=duration + 30)
        if recorder.returncode == 0 and raw[n].exists():
            out[n] = {"raw": str(raw[n].relative_to(ROOT)), **pyspy.summarise(raw[n], top=25)}
    return out


def _pairs(
    bench: perf.Bench, tree: CodeAt, connections: list[int], rounds: int
) -> list[dict[str, Any]]:
    """Run `tree`'s processes beside this code's; load both in turn, which first alternating."""
    other = Cluster(
        bench.cluster.pg, bench.cluster.logs_dir / tree.rev, secrets=bench.cluster.secrets
    )
    other.logs_dir.mkdir()
    pairs: list[dict[str, Any]] = []
    try:
        other.start(tree.env())
        bench.warm_up(other)
        for round_ in range(rounds):
            for c in connections:
                for via in ("ledger", "gateway"):
                    order = [bench.cluster, other][:: 1 if round_ % 2 == 0 else -1]
                    rows = {id(k): _measured(bench, via, c, k) for k in order}
                    pair = {"via": via, "connections": c, "this": rows[id(bench.cluster)]}
                    pair["baseline"] = rows[id(other)]
                    pairs.append(pair)
                    bench.say(report.pair_line(tree.rev, pair))
    finally:
        other.stop()
    return pairs


@contextlib.contextmanager
def _cluster_loaded(
    args: argparse.Namespace, connections: list[int], endpoints: tuple[str, ...]
) -> Iterator[perf.Bench]:
    """Yield `make bench --smoke`'s cluster and dataset, warmed up on `endpoints`; stop it after."""
    options = ["--smoke", "--tunings", "none", "--duration", str(args.duration)]
    bench = perf.Bench(
        perf.parse_args([*options, "--connections", ",".join(map(str, connections))])
    )
    with bench.cluster_with_dataset():
        every = perf.targets(bench.asset_ids, bench.projection_id)
        bench.targets = {name: every[name] for name in endpoints}
        bench.warm_up()
        yield bench


def main(argv: list[str] | None = None) -> int:
    """Run the probe and print the rows, the pairs and goal 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per point (5)")
    parser.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--baseline",
        metavar="REV[,REV...]",
        type=lambda s: s.split(","),
        default=[],
        help="revisions to compare side by side, each in turn against this code",
    )
    parser.add_argument("--rounds", type=int, default=3, help="pairs per point with --baseline")
    parser.add_argument(
        "--endpoint",
        default=ENDPOINT,
        help="load this instead (e.g. 'GET /dashboard': through the gateway only, no floor, "
        "CPU and py-spy for every process; not with --baseline)",
    )
    args = parser.parse_args(argv)
    if args.endpoint != ENDPOINT:
        return _other_endpoint(args)
    connections = args.connections or [16, 64]
    trees = [CodeAt(rev) for rev in args.baseline]
    try:
        with _cluster_loaded(args, connections, (ENDPOINT, "GET /assets/{id}")) as bench:
            bench.measure_floor()
            for c in connections:
                for via in ("ledger", "gateway"):
                    row = _measured(bench, via, c)
                    bench.out["api"].append(row)
                    bench.say(report.line(row))
            if args.profile:
                peak = 16 if 16 in connections else max(connections)
                bench.out["profile"] = {
                    via: _profile(bench, via, peak, args.duration) for via in ("ledger", "gateway")
                }
            bench.out["pairs"] = {t.rev: _pairs(bench, t, connections, args.rounds) for t in trees}
    finally:
        for tree in trees:
            tree.remove()
    bench.out["meta"]["load_average_end"] = os.getloadavg()
    bench.out["ceiling"] = []
    bench.out["ratios"] = {"goal2": report.goal2(bench.out)}
    path = perf.RESULTS / f"probe-{bench.stamp}.json"
    path.write_text(json.dumps(bench.out, indent=2, default=str) + "\n")
    meta = bench.out["meta"]
    print(
        f"\ncommit {meta['commit']}, load average {meta['load_average_start']} → "
        f"{meta['load_average_end']}"
    )
    for rev, pairs in bench.out["pairs"].items():
        print(report.render_pairs(rev, pairs))
    print("\n".join(report.render_goal2(bench.out["ratios"]["goal2"])))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


def _other_endpoint(args: argparse.Namespace) -> int:
    """Load one other endpoint through the gateway: rows, CPU per process, py-spy of each."""
    connections = args.connections or [1, 16]
    with _cluster_loaded(args, connections, (args.endpoint,)) as bench:
        for c in connections:
            row = _measured(bench, "gateway", c, endpoint=args.endpoint)
            bench.out["api"].append(row)
            bench.say(f"{report.line(row)}  CPU µs/request {row['cpu_us_per_request']}")
        if args.profile:
            peak = max(connections)
            bench.out["profile"] = {
                "gateway": _profile(bench, "gateway", peak, args.duration, args.endpoint)
            }
    bench.out["meta"]["load_average_end"] = os.getloadavg()
    path = perf.RESULTS / f"probe-{bench.stamp}.json"
    path.write_text(json.dumps(bench.out, indent=2, default=str) + "\n")
    print(f"load average {bench.out['meta']['load_average_start']} → {os.getloadavg()}")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
