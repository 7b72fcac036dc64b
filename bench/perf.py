"""`make bench`: the API's throughput and latency against PostgreSQL's own ceiling, in one run.

Starts a scratch PostgreSQL and the four processes, seeds 10,000 users with COPY, then measures:
pgbench on the exact SQL of GET /assets and GET /assets/{id}; wrk through the gateway and
straight to the ledger; the framework floor (a bare aiohttp server with the same page bytes, and
a bare aiohttp proxy in front of it); the pool during the peak; a py-spy profile of the ledger
and gateway; and candidate tunings, each against the unchanged code in the same run. Prints a
table and writes bench/results/perf-<UTC time>.json. `--smoke` is a short run that checks the
whole path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ceiling
import httpx
import issue19
import load
import pyspy
import report
import resources
import seed
from cluster import ROOT, Cluster, CodeAt, ScratchPostgres
from sampler import PoolSampler, metrics_endpoint

from nestegg_common.testing.services import free_port, stop_process, wait_until_healthy

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PASSWORD = "bench password 1234"  # noqa: S105 (a throwaway user on a scratch database)
POSTED_NAME = "Bench POST"


@dataclass(frozen=True)
class Variant:
    """A second set of processes to compare with: extra environment, and copies per process."""

    env: dict[str, str] = field(default_factory=dict)
    # Several copies of a process on its port (NESTEGG_REUSE_PORT): workers.
    copies: dict[str, int] = field(default_factory=dict)


# Candidate tunings, each measured against the unchanged code in the same run. "control"
# changes nothing: its spread is the noise of the side-by-side comparison itself.
# `--baseline REV,...` adds one per revision: this code against that revision's.
TUNINGS: dict[str, Variant] = {
    "control": Variant(),
    "pool_max_20": Variant({"NESTEGG_DB_POOL_MAX": "20"}),
    "pool_max_5": Variant({"NESTEGG_DB_POOL_MAX": "5"}),
    "access_log_on": Variant({"NESTEGG_LOG_LEVEL": "INFO"}),
    "ledger_x2": Variant(copies={"ledger": 2}),
    "gateway_x2": Variant(copies={"gateway": 2}),
}


@dataclass
class ApiUser:
    """The one user registered through the API; the HTTP load runs with its token."""

    gateway: str
    email: str
    user_id: uuid.UUID

    @classmethod
    def register(cls, gateway: str) -> ApiUser:
        """Register a user and give it a profile."""
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        with httpx.Client(base_url=f"{gateway}/api/v1", timeout=30) as http:
            answer = http.post("/auth/register", json={"email": email, "password": PASSWORD})
            answer.raise_for_status()
            user = cls(gateway, email, uuid.UUID(answer.json()["id"]))
            profile = {"birth_date": "1980-01-01", "retirement_age": 65, "life_expectancy": 92}
            http.put("/me/profile", json=profile, headers=user.auth()).raise_for_status()
        return user

    def token(self) -> str:
        """Log in and return a fresh access token."""
        answer = httpx.post(
            f"{self.gateway}/api/v1/auth/login",
            json={"email": self.email, "password": PASSWORD},
            timeout=30,
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        return token

    def auth(self) -> dict[str, str]:
        """Return an Authorization header with a fresh token."""
        return {"Authorization": f"Bearer {self.token()}"}

    def create_projection(self) -> uuid.UUID:
        """Create a Monte Carlo projection with default assumptions and run it once."""
        with httpx.Client(base_url=f"{self.gateway}/api/v1", timeout=60) as http:
            headers = self.auth()
            created = http.post(
                "/projections",
                json={"name": "Retirement plan", "assumptions": {"mode": "monte_carlo"}},
                headers=headers,
            )
            created.raise_for_status()
            projection_id = uuid.UUID(created.json()["id"])
            for expect_cached in (False, True):
                run = http.post(f"/projections/{projection_id}/run", json={}, headers=headers)
                run.raise_for_status()
                assert run.json()["cached"] is expect_cached, run.json()["cached"]
        return projection_id


def targets(asset_ids: list[uuid.UUID], projection_id: uuid.UUID) -> dict[str, load.Target]:
    """Return the requests of the load, by name."""
    ids = tuple(str(i) for i in asset_ids)
    asset = {"name": POSTED_NAME, "kind": "taxable", "balance": "1000.00"}
    return {
        "GET /assets": load.Target("GET", "/assets?limit=50"),
        "GET /assets/{id}": load.Target("GET", "/assets/{id}", ids=ids),
        "GET /dashboard": load.Target("GET", "/dashboard"),
        "POST /projections/{id}/run (cached)": load.Target(
            "POST", f"/projections/{projection_id}/run", body="{}"
        ),
        "POST /assets": load.Target("POST", "/assets", body=json.dumps(asset)),
    }


DIRECT = ("GET /assets", "GET /assets/{id}")  # also sent straight to the ledger


def error_sample(base: str, target: load.Target, token: str) -> str:
    """Send the request once more and say what came back (wrk counts errors, it does not say)."""
    path = target.path.replace("{id}", target.ids[0]) if target.ids else target.path
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        answer = httpx.request(
            target.method, base + path, content=target.body, headers=headers, timeout=30
        )
    except httpx.HTTPError as err:
        return f"{type(err).__name__} (after the load)"
    return f"{answer.status_code} {answer.text[:200]} (after the load)"


class Bench:
    """One benchmark run: the cluster, the dataset and every measurement."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.shape = seed.Shape(users=args.users)
        self.stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.out: dict[str, Any] = {"ceiling": [], "api": [], "floor": [], "tunings": {}}
        self.wrk = None if args.loader == "asyncio" else load.ensure_wrk()
        if self.wrk is None:
            print("wrk is not available: using the asyncio load generator in this process, which")
            print("competes with the API for the CPU and reads lower than wrk would.")

    def say(self, text: str) -> None:
        """Print progress with the time since the start."""
        print(f"[{time.monotonic() - self.t0:6.1f}s] {text}", flush=True)

    @contextlib.contextmanager
    def cluster_with_dataset(self) -> Iterator[None]:
        """Start the clock, a scratch PostgreSQL and every process, seed the dataset; stop after."""
        self.t0 = time.monotonic()
        self.out["meta"] = {"stamp": self.stamp, **machine_info(self.args, self.wrk)}
        pg = ScratchPostgres.start()
        logs = Path(pg.folder.name) / "logs"
        logs.mkdir()
        self.cluster = Cluster(pg, logs)
        try:
            self.cluster.migrate()
            self.cluster.start()
            self.prepare_dataset()
            yield
        finally:
            self.cluster.stop()
            pg.stop()

    def run(self) -> dict[str, Any]:
        """Run everything and return the results."""
        with self.cluster_with_dataset():
            issue19.measure_at_rest(self)
            self.measure_ceiling()
            self.measure_api()
            if self.args.compute:
                issue19.measure_compute(self)
            if self.args.floor:
                self.measure_floor()
            if self.args.profile:
                self.profile()
            if self.args.tunings or self.args.baseline:
                self.compare_tunings()
        self.out["meta"]["load_average_end"] = os.getloadavg()
        self.out["meta"]["elapsed_s"] = round(time.monotonic() - self.t0, 1)
        self.out["ratios"] = report.ratios(self.out)
        return self.out

    def prepare_dataset(self) -> None:
        """Register the API user, seed everyone else with COPY, and ANALYZE."""
        c = self.cluster
        self.user = ApiUser.register(c.url("gateway"))
        ledger_dsn = c.pg.dsn(c.databases["ledger"])
        projections_dsn = c.pg.dsn(c.databases["projections"])
        self.asset_ids = asyncio.run(seed.seed_bench_user_ledger(ledger_dsn, self.user.user_id))
        self.projection_id = self.user.create_projection()
        template = asyncio.run(seed.bench_run_template(projections_dsn, self.projection_id))
        self.say(f"API user ready; a stored run is {template['result_bytes']:,} bytes of JSON")
        started = time.monotonic()
        counts = asyncio.run(seed.seed_ledger(ledger_dsn, self.shape))
        counts["users"] = asyncio.run(
            seed.seed_accounts(c.pg.dsn(c.databases["accounts"]), self.shape)
        )
        counts |= asyncio.run(seed.seed_projections(projections_dsn, self.shape, template=template))
        for database in c.databases.values():
            asyncio.run(seed.vacuum_analyze(c.pg.dsn(database)))
        self.out["meta"]["dataset"] = {
            **counts,
            "api_user_assets": len(self.asset_ids),
            "stored_run_bytes": template["result_bytes"],
            "seed_s": round(time.monotonic() - started, 1),
        }
        self.say(f"seeded {counts} in {self.out['meta']['dataset']['seed_s']} s")

    def measure_ceiling(self) -> None:
        """Run pgbench on each statement at each concurrency."""
        dsn = self.cluster.pg.dsn(self.cluster.databases["ledger"])
        for endpoint, script in ceiling.scripts(self.shape).items():
            for clients in self.args.connections:
                result = ceiling.run_pgbench(
                    dsn, script, clients=clients, duration_s=self.args.pgbench_duration
                )
                row = {"via": "pgbench", "endpoint": endpoint, "connections": clients, **result}
                row["load_average"] = os.getloadavg()[0]
                self.out["ceiling"].append(row)
                self.say(report.line(row))

    def load(
        self,
        via: str,
        name: str,
        target: load.Target,
        connections: int,
        duration: int | None = None,
        cluster: Cluster | None = None,
        base: str | None = None,
        *,
        metered: bool = False,
    ) -> dict[str, Any]:
        """Run one load point (`duration` seconds, by default the run's) and return its row.

        `metered`: also measure every process's CPU per request and memory (issue 19 goal 4;
        only the recorded points, never a side-by-side probe: the sampler costs a little CPU).

        The load goes to `base` when given (the framework floor's apps), else to the gateway
        or the ledger of `cluster` according to `via`.
        """
        cluster = cluster or self.cluster
        if base is None:
            gateway = cluster.url("gateway") + "/api/v1"
            base = gateway if via == "gateway" else cluster.url("ledger")
        token = self.user.token()
        duration = duration or self.args.duration
        meter = resources.Meter(issue19.components(self)) if metered else None
        with meter or contextlib.nullcontext():
            if self.wrk is not None:
                result = load.run_wrk(
                    self.wrk, base, target, token, connections=connections, duration_s=duration
                )
            else:
                result = load.run_asyncio(
                    base, target, token, connections=connections, duration_s=duration
                )
        row = {"via": via, "endpoint": name, "connections": connections, **result}
        if meter is not None:
            row |= meter.result(result["requests"])
        row["load_average"] = os.getloadavg()[0]
        if row["errors"]:
            row["error_sample"] = error_sample(base, target, token)
        if name == "POST /assets":
            dsn = self.cluster.pg.dsn(self.cluster.databases["ledger"])
            # Requests queued when wrk stopped still create rows: wait for them, then delete
            # (the cached run's inputs, and the 200-asset limit of a plan, need the seeded set).
            asyncio.run(seed.wait_until_settled(dsn, self.user.user_id, POSTED_NAME))
            asyncio.run(seed.delete_rows_named(dsn, self.user.user_id, POSTED_NAME))
            asyncio.run(seed.vacuum_analyze(dsn))
        return row

    def warm_up(self, cluster: Cluster | None = None) -> None:
        """Send each kind of request for a second (prepared statements, pools, caches)."""
        for name, target in self.targets.items():
            if name != "POST /assets":
                self.load("gateway", name, target, 16, duration=1, cluster=cluster)

    def measure_api(self) -> None:
        """Load each endpoint through the gateway (and the two GETs directly) at each level."""
        self.targets = targets(self.asset_ids, self.projection_id)
        self.warm_up()
        peak = max(self.args.connections)
        ledger = self.cluster.url("ledger")
        headers = metrics_endpoint(ledger, self.cluster.secrets.internal_token)
        for connections in self.args.connections:
            for name, target in self.targets.items():
                for via in ("gateway", "ledger") if name in DIRECT else ("gateway",):
                    sampler = None
                    if connections == peak and name == "GET /assets":
                        sampler = PoolSampler(
                            metrics_url=f"{ledger}/metrics" if headers is not None else None,
                            metrics_headers=headers or {},
                            dsn=self.cluster.pg.dsn("postgres"),
                            database=self.cluster.databases["ledger"],
                        )
                        with sampler:
                            row = self.load(via, name, target, connections, metered=True)
                        row["pool"] = sampler.summary()
                    else:
                        row = self.load(via, name, target, connections, metered=True)
                    self.out["api"].append(row)
                    self.say(report.line(row))

    def measure_floor(self) -> None:
        """Load a bare aiohttp server, and a bare aiohttp proxy in front of it, with one real page.

        Both run on uvloop without middlewares (bench/floor_app.py), on this machine in this
        run: what they reach is the most aiohttp and one HTTP hop allow here, so the distance
        from them to the ledger and the gateway is Nestegg's own code, and the distance from
        them to pgbench is the framework's.
        """
        name = report.FLOOR_ENDPOINT
        target = self.targets["GET /assets"]
        page = httpx.get(
            self.cluster.url("ledger") + target.path,
            headers={"Authorization": f"Bearer {self.user.token()}"},
            timeout=30,
        )
        page.raise_for_status()
        # In the scratch server's folder, which is removed with it.
        body = self.cluster.logs_dir / "floor-page.json"
        body.write_bytes(page.content)
        self.out["meta"]["floor_page_bytes"] = len(page.content)
        processes: list[subprocess.Popen[bytes]] = []
        try:
            direct = self.start_floor_app(processes, "serve", "--body", str(body))
            proxy = self.start_floor_app(processes, "proxy", "--upstream", direct)
            # Fills the proxy's connection pool, as warm_up does for the cluster; not recorded.
            self.load("floor-proxy", name, target, max(self.args.connections), 1, base=proxy)
            for connections in self.args.connections:
                for via, base in (("floor-direct", direct), ("floor-proxy", proxy)):
                    row = self.load(via, name, target, connections, base=base)
                    self.out["floor"].append(row)
                    self.say(report.line(row))
        finally:
            for process in reversed(processes):
                stop_process(process)

    def start_floor_app(
        self, processes: list[subprocess.Popen[bytes]], mode: str, *options: str
    ) -> str:
        """Start bench/floor_app.py in `mode` on a free port, wait until it answers, give its URL.

        The process is appended to `processes` as soon as it exists, so the caller stops it
        even when it never answers.
        """
        port = free_port()
        log = (self.cluster.logs_dir / f"floor-{mode}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, str(BENCH / "floor_app.py"), mode, "--port", str(port), *options],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        log.close()  # the child has its own copy
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(f"{url}/readyz", timeout_s=30, process=processes[-1])
        return url

    def profile(self) -> None:
        """Profile the ledger and the gateway during GET /assets at the peak concurrency."""
        connections = max(self.args.connections)
        duration = self.args.duration
        raw = {n: RESULTS / f"perf-{self.stamp}-{n}.pyspy.txt" for n in ("ledger", "gateway")}
        RESULTS.mkdir(exist_ok=True)
        recorders = {
            n: pyspy.start_recording(self.cluster.pid(n), path, max(1, duration - 1))
            for n, path in raw.items()
        }
        if any(r is None for r in recorders.values()):
            self.out["profile"] = {"error": "py-spy is not installed"}
            return
        row = self.load("gateway", "GET /assets", self.targets["GET /assets"], connections)
        self.out["profile"] = {"load_while_profiling": row}
        for name, recorder in recorders.items():
            assert recorder is not None
            _, err = recorder.communicate(timeout=duration + 30)
            if recorder.returncode != 0 or not raw[name].exists():
                self.out["profile"][name] = {"error": err.decode(errors="replace")[-500:]}
                continue
            self.out["profile"][name] = {
                "raw": str(raw[name].relative_to(ROOT)),
                **pyspy.summarise(raw[name]),
            }
        self.say("profiled: " + report.profile_brief(self.out["profile"]))
        self.profile_stored_reads()

    def profile_stored_reads(self) -> None:
        """Profile projections and the gateway during cached runs at 16 connections (issue 19)."""
        duration, name = self.args.duration, "POST /projections/{id}/run (cached)"
        raw = {
            n: RESULTS / f"perf-{self.stamp}-cached-run-{n}.pyspy.txt"
            for n in ("projections", "gateway")
        }
        recorders = {
            n: pyspy.start_recording(self.cluster.pid(n), path, max(1, duration - 1))
            for n, path in raw.items()
        }
        row = self.load("gateway", name, self.targets[name], 16)
        profile: dict[str, Any] = {"load_while_profiling": row}
        for n, recorder in recorders.items():
            if recorder is None:
                continue
            recorder.communicate(timeout=duration + 30)
            if recorder.returncode == 0 and raw[n].exists():
                profile[n] = {"raw": str(raw[n].relative_to(ROOT)), **pyspy.summarise(raw[n])}
        self.out["profile_cached_run"] = profile
        self.say("profiled cached runs: " + report.profile_brief(profile))

    def probe(
        self, via: str, endpoint: str, connections: int, duration: int, cluster: Cluster
    ) -> dict[str, Any]:
        """Load one probe point; a read probe goes through the gateway, labelled `via`."""
        target = self.targets[endpoint]
        if endpoint == "GET /assets":
            return self.load(via, endpoint, target, connections, duration, cluster)
        base = cluster.url("gateway") + "/api/v1"
        row = self.load("gateway", endpoint, target, connections, duration, cluster, base)
        return {**row, "via": via}

    def compare_tunings(self) -> None:
        """Measure each tuning against the unchanged code, both running side by side.

        A second set of the four processes, with the tuning, runs on other ports against the
        same databases. Each probe point is sent to one set and then at once to the other
        (which goes first alternates), for several rounds: the two halves of a pair see the
        same background load, which on a shared machine drifts by more than most effects.
        """
        levels = sorted({min(self.args.connections), max(self.args.connections)})
        points = [(via, c) for c in levels for via in ("gateway", "ledger")]
        duration = self.args.tuning_duration
        candidates = [(name, TUNINGS[name], False) for name in self.args.tunings]
        trees = [CodeAt(rev) for rev in self.args.baseline]
        # Reported as this code ÷ the baseline's, so ×2 means this code is twice as fast.
        candidates += [(f"this code vs {t.rev}", Variant(t.env()), True) for t in trees]
        try:
            for name, variant, reverse in candidates:
                effect = self.compare(name, variant, points, duration, reverse=reverse)
                self.out["tunings"][name] = effect
                self.say(report.tuning_line(effect))
        finally:
            for tree in trees:
                tree.remove()

    def compare(
        self,
        name: str,
        variant: Variant,
        points: list[tuple[str, int]],
        duration: int,
        *,
        reverse: bool,
    ) -> dict[str, Any]:
        """Run the probe points in pairs against a second set of processes, as `variant` says."""
        # Revisions are also compared on the stored-result reads (issue 19), through the gateway.
        reads = READ_PROBES if reverse else ()
        folder = self.cluster.logs_dir / name.replace(" ", "_")
        tuned = Cluster(self.cluster.pg, folder, secrets=self.cluster.secrets)
        tuned.logs_dir.mkdir()
        tuned.start(variant.env, copies=variant.copies)
        try:
            self.warm_up(tuned)
            pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
            for round_ in range(self.args.tuning_rounds):
                probes = [(via, "GET /assets", c) for via, c in points]
                probes += [(label, e, c) for label, e in reads for _, c in points[::2]]
                for via, endpoint, connections in probes:
                    order = [self.cluster, tuned] if round_ % 2 == 0 else [tuned, self.cluster]
                    rows = {
                        id(c): self.probe(via, endpoint, connections, duration, c) for c in order
                    }
                    pair = (rows[id(self.cluster)], rows[id(tuned)])
                    pairs.append(pair[::-1] if reverse else pair)
        finally:
            tuned.stop()
        return report.tuning_effect(name, asdict(variant), pairs)


# (label, endpoint) of the stored-result reads a revision is also compared on.
READ_PROBES = (
    ("run (cached)", "POST /projections/{id}/run (cached)"),
    ("dashboard", "GET /dashboard"),
)


def machine_info(args: argparse.Namespace, wrk: str | None) -> dict[str, Any]:
    """Describe the machine, the code and the run's settings."""
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "date": date.today().isoformat(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit + ("+uncommitted" if dirty else ""),
        "load_generator": "wrk 1 thread" if wrk else "asyncio (fallback: wrk unavailable)",
        "load_average_start": os.getloadavg(),
        "duration_s": args.duration,
        "pgbench_duration_s": args.pgbench_duration,
        "connections": args.connections,
        "users": args.users,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="short run: 1,000 users, 2 s points")
    parser.add_argument("--duration", type=int, help="seconds per HTTP load point (10)")
    parser.add_argument("--pgbench-duration", type=int, help="seconds per pgbench point (10)")
    parser.add_argument("--users", type=int, help="seeded users (10,000)")
    parser.add_argument(
        "--connections", type=lambda s: [int(x) for x in s.split(",")], help="1,16,64"
    )
    parser.add_argument(
        "--tunings",
        type=lambda s: [] if s == "none" else s.split(","),
        help=f"comma list of {','.join(TUNINGS)}, or none (default: all; none in --smoke)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV[,REV...]",
        type=lambda s: s.split(","),
        default=[],
        help="also compare this code with git revisions', side by side (e.g. HEAD~5); with a "
        "list of successive commits, the ratios between neighbours are each commit's effect",
    )
    parser.add_argument("--tuning-duration", type=int, help="seconds per tuning probe point (3)")
    parser.add_argument("--tuning-rounds", type=int, default=3, help="pairs per probe point (3)")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument(
        "--no-compute",
        dest="compute",
        action="store_false",
        help="skip the computations (uncached run, compare, solve of a us couple: issue 19)",
    )
    parser.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the framework floor (bare aiohttp server and proxy with the same page)",
    )
    parser.add_argument("--loader", choices=["wrk", "asyncio"], default="wrk")
    args = parser.parse_args(argv)
    smoke = args.smoke
    args.duration = args.duration or (2 if smoke else 10)
    args.pgbench_duration = args.pgbench_duration or (2 if smoke else 10)
    args.users = args.users or (1_000 if smoke else 10_000)
    args.tuning_duration = args.tuning_duration or (2 if smoke else 3)
    args.connections = args.connections or ([1, 16] if smoke else [1, 16, 64])
    if args.tunings is None:
        args.tunings = [] if smoke else list(TUNINGS)
    unknown = set(args.tunings) - set(TUNINGS)
    if unknown:
        parser.error(f"unknown tunings: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write the JSON."""
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the processes and the scratch server are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = Bench(args).run()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"perf-{results['meta']['stamp']}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(report.render(results))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
