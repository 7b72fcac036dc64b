"""Turn the measurements into ratios, verdicts and the printed table."""

from __future__ import annotations

from typing import Any

GOAL_SHARE_OF_PGBENCH = 0.25
GOAL_P99_MS = 25.0
GOAL_GATEWAY_OVER_DIRECT_P50 = 1.3
FLOOR_ENDPOINT = "GET /assets (same bytes)"  # the framework floor's rows (bench/perf.py)
_ROWS_HEAD = (
    "| via | endpoint | conn | req/s | p50 ms | p95 ms | p99 ms | errors | load |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def line(row: dict[str, Any]) -> str:
    """Return one measurement as a progress line."""
    return (
        f"{row['via']:8} {row['endpoint']:38} c={row['connections']:<3} "
        f"{row['rps']:9.0f} req/s  p50 {_ms(row['p50_ms'])}  p95 {_ms(row['p95_ms'])}  "
        f"p99 {_ms(row['p99_ms'])} ms  errors {row['errors']}  load {row['load_average']:.2f}"
    )


def _find(rows: list[dict[str, Any]], via: str, endpoint: str, c: int) -> dict[str, Any] | None:
    return next(
        (
            r
            for r in rows
            if r["via"] == via and r["endpoint"] == endpoint and r["connections"] == c
        ),
        None,
    )


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else round(a / b, 3)


def ratios(out: dict[str, Any]) -> dict[str, Any]:
    """Return API ÷ pgbench throughput, gateway ÷ direct p50, pool use and the goals' state."""
    table = []
    for endpoint in ("GET /assets", "GET /assets/{id}"):
        for c in out["meta"]["connections"]:
            pg = _find(out["ceiling"], "pgbench", endpoint, c)
            gw = _find(out["api"], "gateway", endpoint, c)
            direct = _find(out["api"], "ledger", endpoint, c)
            if not (pg and gw and direct):
                continue
            table.append(
                {
                    "endpoint": endpoint,
                    "connections": c,
                    "gateway_rps_over_pgbench": _ratio(gw["rps"], pg["rps"]),
                    "direct_rps_over_pgbench": _ratio(direct["rps"], pg["rps"]),
                    "gateway_rps_over_direct": _ratio(gw["rps"], direct["rps"]),
                    "gateway_p50_over_direct_p50": _ratio(gw["p50_ms"], direct["p50_ms"]),
                    "gateway_p99_ms": gw["p99_ms"],
                }
            )
    peak = max(out["meta"]["connections"])
    at_peak = next(
        (r for r in table if r["endpoint"] == "GET /assets" and r["connections"] == peak), None
    )
    pool = next(
        (r["pool"] for r in out["api"] if "pool" in r and r["via"] == "gateway"),
        None,
    )
    goals: dict[str, Any] = {}
    if at_peak:
        share, p99 = at_peak["gateway_rps_over_pgbench"], at_peak["gateway_p99_ms"]
        goals[f"GET /assets via gateway >= 25% of pgbench at {peak}"] = _verdict(
            share, share is not None and share >= GOAL_SHARE_OF_PGBENCH
        )
        goals[f"GET /assets via gateway p99 < 25 ms at {peak}"] = _verdict(
            p99, p99 is not None and p99 < GOAL_P99_MS
        )
    for r in table:
        if r["endpoint"] == "GET /assets":
            value = r["gateway_p50_over_direct_p50"]
            goals[f"gateway p50 <= 1.3 x direct, GET /assets at {r['connections']}"] = _verdict(
                value, value is not None and value <= GOAL_GATEWAY_OVER_DIRECT_P50
            )
    goals |= issue19_goals(out)
    return {
        "table": table,
        "floor": floor_ratios(out),
        "pool_at_peak": pool,
        "goals": goals,
        "goal2": goal2(out),
    }


def floor_ratios(out: dict[str, Any]) -> list[dict[str, Any]]:
    """Return GET /assets against the framework floor at each concurrency.

    The bare server and proxy send the ledger's own page bytes, so: floor ÷ pgbench is what
    aiohttp (and one hop) can reach of the database's ceiling here; ledger ÷ floor-direct and
    gateway ÷ floor-proxy are the share of the bare framework's throughput Nestegg keeps; and
    floor-proxy p50 ÷ floor-direct p50 is what the hop alone costs in latency.
    """
    table = []
    for c in out["meta"]["connections"]:
        pg = _find(out["ceiling"], "pgbench", "GET /assets", c)
        bare = _find(out.get("floor", []), "floor-direct", FLOOR_ENDPOINT, c)
        bare_proxy = _find(out.get("floor", []), "floor-proxy", FLOOR_ENDPOINT, c)
        if not (bare and bare_proxy):
            continue
        ledger = _find(out["api"], "ledger", "GET /assets", c)
        gateway = _find(out["api"], "gateway", "GET /assets", c)
        pg_rps = pg["rps"] if pg else None
        ledger_rps = ledger["rps"] if ledger else None
        gateway_rps = gateway["rps"] if gateway else None
        table.append(
            {
                "endpoint": "GET /assets",
                "connections": c,
                "floor_direct_rps_over_pgbench": _ratio(bare["rps"], pg_rps),
                "floor_proxy_rps_over_pgbench": _ratio(bare_proxy["rps"], pg_rps),
                "ledger_rps_over_floor_direct": _ratio(ledger_rps, bare["rps"]),
                "gateway_rps_over_floor_proxy": _ratio(gateway_rps, bare_proxy["rps"]),
                "floor_proxy_p50_over_floor_direct_p50": _ratio(
                    bare_proxy["p50_ms"], bare["p50_ms"]
                ),
            }
        )
    return table


def _verdict(value: float | None, met: bool) -> dict[str, Any]:
    return {"value": value, "met": met}


def profile_brief(profile: dict[str, Any]) -> str:
    """Return the top layers of each profiled process in one line."""
    parts = []
    for name in ("ledger", "projections", "gateway"):
        layers = profile.get(name, {}).get("self_by_layer_pct")
        if layers:
            parts.append(f"{name}: " + ", ".join(f"{k} {v}%" for k, v in layers[:5]))
    return "; ".join(parts) or "no profile"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def tuning_effect(
    name: str, variant: dict[str, Any], pairs: list[tuple[dict[str, Any], dict[str, Any]]]
) -> dict[str, Any]:
    """Sum up (baseline, tuned) pairs per probe point: median ratio, range and a verdict.

    A tuning "helps" at a point when every pair's throughput ratio is above 1 and the median
    above 1.05; it "hurts" in the mirror case; anything else is within the noise.
    """
    points = []
    for via, connections in dict.fromkeys((b["via"], b["connections"]) for b, _ in pairs):
        mine = [(b, t) for b, t in pairs if (b["via"], b["connections"]) == (via, connections)]
        rps = [t["rps"] / b["rps"] for b, t in mine if b["rps"]]
        p50 = [t["p50_ms"] / b["p50_ms"] for b, t in mine if b["p50_ms"]]
        p99 = [t["p99_ms"] / b["p99_ms"] for b, t in mine if b["p99_ms"]]
        median = _median(rps)
        if min(rps) > 1 and median > 1.05:
            verdict = "helps"
        elif max(rps) < 1 and median < 0.95:
            verdict = "hurts"
        else:
            verdict = "no clear effect"
        points.append(
            {
                "via": via,
                "connections": connections,
                "pairs": len(mine),
                "baseline_rps_median": round(_median([b["rps"] for b, _ in mine]), 1),
                "tuned_rps_median": round(_median([t["rps"] for _, t in mine]), 1),
                "rps_ratio_median": round(median, 3),
                "rps_ratio_range": [round(min(rps), 3), round(max(rps), 3)],
                "p50_ratio_median": round(_median(p50), 3),
                "p99_ratio_median": round(_median(p99), 3),
                "baseline_p50_ms_median": round(_median([b["p50_ms"] for b, _ in mine]), 3),
                "tuned_p50_ms_median": round(_median([t["p50_ms"] for _, t in mine]), 3),
                "tuned_errors": sum(t["errors"] for _, t in mine),
                "verdict": verdict,
            }
        )
    return {"tuning": name, "variant": variant, "points": points}


def tuning_line(effect: dict[str, Any]) -> str:
    """Return a tuning's effect in one line."""
    parts = [
        f"{p['via']}@{p['connections']}: x{p['rps_ratio_median']:.2f} req/s "
        f"[{p['rps_ratio_range'][0]:.2f}-{p['rps_ratio_range'][1]:.2f}], "
        f"p50 x{p['p50_ratio_median']:.2f}, p99 x{p.get('p99_ratio_median', float('nan')):.2f} "
        f"({p['verdict']})"
        for p in effect["points"]
    ]
    return f"tuning {effect['tuning']}: " + "; ".join(parts)


def _row(row: dict[str, Any]) -> str:
    return (
        f"| {row['via']} | {row['endpoint']} | {row['connections']} | {row['rps']:,.0f} | "
        f"{_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | "
        f"{row['errors']} | {row['load_average']:.2f} |"
    )


def _render_floor(out: dict[str, Any]) -> list[str]:
    """Return the framework floor's rows and its ratios; nothing when the run skipped it."""
    if not out.get("floor"):
        return []
    size = out["meta"].get("floor_page_bytes")
    lines = [
        "",
        "framework floor: bare aiohttp + uvloop, no middlewares, answering the ledger's GET "
        f"/assets?limit=50 page ({size:,} bytes); floor-proxy is a bare aiohttp proxy in front"
        if size is not None
        else "framework floor: bare aiohttp + uvloop, no middlewares",
        "",
        *_ROWS_HEAD,
        *(_row(row) for row in out["floor"]),
        "",
        "| endpoint | conn | floor-direct ÷ pgbench | floor-proxy ÷ pgbench "
        "| ledger ÷ floor-direct | gateway ÷ floor-proxy | floor-proxy p50 ÷ floor-direct p50 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in out["ratios"].get("floor", []):
        lines.append(
            f"| {r['endpoint']} | {r['connections']} | {r['floor_direct_rps_over_pgbench']} | "
            f"{r['floor_proxy_rps_over_pgbench']} | {r['ledger_rps_over_floor_direct']} | "
            f"{r['gateway_rps_over_floor_proxy']} | "
            f"{r['floor_proxy_p50_over_floor_direct_p50']} |"
        )
    return lines


def render(out: dict[str, Any]) -> str:
    """Return the whole run as text tables."""
    meta = out["meta"]
    lines = [
        "",
        f"Nestegg API vs PostgreSQL — {meta['started_at']}  commit {meta['commit']}",
        f"{meta['cpu']}, {meta['cores']} cores, Python {meta['python']}, "
        f"load generator: {meta['load_generator']}",
        f"load average at start {meta['load_average_start']}, at end {meta['load_average_end']}",
        f"dataset: {meta.get('dataset')}",
        "",
        *_ROWS_HEAD,
    ]
    for row in out["ceiling"] + out["api"]:
        lines.append(_row(row))
    lines += [
        "",
        "| endpoint | conn | gateway ÷ pgbench | direct ÷ pgbench | gateway ÷ direct req/s "
        "| gateway p50 ÷ direct p50 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in out["ratios"]["table"]:
        lines.append(
            f"| {r['endpoint']} | {r['connections']} | {r['gateway_rps_over_pgbench']} | "
            f"{r['direct_rps_over_pgbench']} | {r['gateway_rps_over_direct']} | "
            f"{r['gateway_p50_over_direct_p50']} |"
        )
    lines += _render_floor(out)
    lines += render_issue19(out)
    lines += ["", f"pool at peak: {out['ratios']['pool_at_peak']}", "", "goals:"]
    for goal, state in out["ratios"]["goals"].items():
        lines.append(f"  {'met    ' if state['met'] else 'NOT met'}  {goal}: {state['value']}")
    lines += render_goal2(out["ratios"].get("goal2") or goal2(out))
    if "profile" in out:
        lines += ["", "profile: " + profile_brief(out["profile"])]
    for effect in out["tunings"].values():
        lines.append(tuning_line(effect))
    return "\n".join(lines)


# Issue 19, goal 2: the ledger near its framework's floor.
GOAL2_LEDGER_OVER_FLOOR = 0.30  # ledger GET /assets ÷ the bare server, at 16 connections
GOAL2_GATEWAY_OVER_LEDGER = 0.60  # gateway ÷ ledger direct, req/s, at 16 connections
GOAL2_P99_MS = 25.0  # at 64 connections, direct and through the gateway


def goal2(out: dict[str, Any]) -> dict[str, Any]:
    """Return issue 19's goal 2, each with its value and verdict; None where not measured."""
    api, floor = out.get("api", []), out.get("floor", [])
    bare = _find(floor, "floor-direct", FLOOR_ENDPOINT, 16)
    ledger = _find(api, "ledger", "GET /assets", 16)
    gateway = _find(api, "gateway", "GET /assets", 16)
    # Judged on the exact ratios; shown rounded (0.2999 is not 30 %).
    share = ledger["rps"] / bare["rps"] if ledger and bare and bare["rps"] else None
    hop = gateway["rps"] / ledger["rps"] if gateway and ledger and ledger["rps"] else None
    goals = {
        "ledger GET /assets >= 30% of the bare server at 16": _verdict(
            _ratio(share, 1), share is not None and share >= GOAL2_LEDGER_OVER_FLOOR
        ),
        "gateway GET /assets >= 60% of the ledger direct at 16": _verdict(
            _ratio(hop, 1), hop is not None and hop >= GOAL2_GATEWAY_OVER_LEDGER
        ),
    }
    for via in ("ledger", "gateway"):
        row = _find(api, via, "GET /assets", 64)
        p99 = row["p99_ms"] if row else None
        goals[f"{via} GET /assets p99 < 25 ms at 64"] = _verdict(
            p99, p99 is not None and p99 < GOAL2_P99_MS
        )
    return goals


def render_goal2(goals: dict[str, Any]) -> list[str]:
    """Return goal 2's lines: met or NOT met, and the value (ratio, or p99 in ms)."""
    lines = ["goal 2 (issue 19):"]
    for goal, state in goals.items():
        value = "not measured" if state["value"] is None else state["value"]
        lines.append(f"  {'met    ' if state['met'] else 'NOT met'}  {goal}: {value}")
    return lines


def pair_line(rev: str, pair: dict[str, Any]) -> str:
    """Return one side-by-side pair: this code's and `rev`'s req/s and p99."""
    this, base = pair["this"], pair["baseline"]
    cpu = this.get("cpu_us_per_request", {}), base.get("cpu_us_per_request", {})
    return (
        f"{pair['via']}@{pair['connections']}: this {this['rps']:.0f} req/s p99 "
        f"{_ms(this['p99_ms'])} cpu {cpu[0]} | {rev} {base['rps']:.0f} req/s p99 "
        f"{_ms(base['p99_ms'])} cpu {cpu[1]} | x{this['rps'] / max(base['rps'], 1e-9):.2f}"
    )


def render_pairs(rev: str, pairs: list[dict[str, Any]]) -> str:
    """Return the median ratio (this code ÷ `rev`) per point, with its range over the pairs."""
    lines = [f"this code ÷ {rev}, GET /assets (median [lowest-highest] of the pairs):"]
    for via, c in dict.fromkeys((p["via"], p["connections"]) for p in pairs):
        mine = [p for p in pairs if (p["via"], p["connections"]) == (via, c)]
        rps = [p["this"]["rps"] / p["baseline"]["rps"] for p in mine if p["baseline"]["rps"]]
        p99 = [
            p["this"]["p99_ms"] / p["baseline"]["p99_ms"] for p in mine if p["baseline"]["p99_ms"]
        ]
        this = _median([p["this"]["rps"] for p in mine])
        base = _median([p["baseline"]["rps"] for p in mine])
        cpu = ""
        if "cpu_us_per_request" in mine[0]["this"]:
            # CPU per request of the process that serves the point (the ledger direct, else both)
            for name in ("ledger", "gateway") if via == "gateway" else ("ledger",):
                t = _median([p["this"]["cpu_us_per_request"][name] for p in mine])
                b = _median([p["baseline"]["cpu_us_per_request"][name] for p in mine])
                cpu += f", {name} CPU {b:.0f} → {t:.0f} µs/request (x{t / max(b, 1e-9):.2f})"
        lines.append(
            f"  {via}@{c}: {base:,.0f} → {this:,.0f} req/s, x{_median(rps):.2f} "
            f"[{min(rps):.2f}-{max(rps):.2f}], p99 x{_median(p99):.2f}{cpu}"
        )
    return "\n".join(lines)


# --- Issue 19, goals 1, 3 and 4 (stored reads, computations, resources) ---------------------------

STORED_READS = {  # endpoint → its name in the goals
    "POST /projections/{id}/run (cached)": "stored run",
    "GET /dashboard": "dashboard (latest run)",
}
GOAL_STORED_RPS_AT_16 = 1000.0
GOAL_STORED_P50_MS_AT_1 = 2.0


def _goal(value: float | None, target: float, *, at_most: bool) -> dict[str, Any]:
    """A verdict with the value's ratio to its target (> 1 = better than the goal)."""
    if value is None:
        return {"value": None, "ratio": None, "met": False}
    ratio = (target / value if value else None) if at_most else value / target
    met = value <= target if at_most else value >= target
    return {"value": value, "ratio": None if ratio is None else round(ratio, 2), "met": met}


def issue19_goals(out: dict[str, Any]) -> dict[str, Any]:
    """Return goals 1 (stored reads), 3 (computations) and 4 (resources) with their ratios."""
    goals: dict[str, Any] = {}
    for endpoint, label in STORED_READS.items():
        at_16 = _find(out["api"], "gateway", endpoint, 16)
        at_1 = _find(out["api"], "gateway", endpoint, 1)
        goals[f"19.1 {label} via gateway >= 1,000 req/s at 16"] = _goal(
            at_16 and round(at_16["rps"]), GOAL_STORED_RPS_AT_16, at_most=False
        )
        goals[f"19.1 {label} via gateway p50 <= 2 ms at 1"] = _goal(
            at_1 and at_1["p50_ms"], GOAL_STORED_P50_MS_AT_1, at_most=True
        )
    for row in out.get("compute", []):
        goals[
            f"19.3 {row['case']} (couple, us, guardrails, 10,000 paths) p50 <= "
            f"{row['goal_ms']:,.0f} ms"
        ] = _goal(row["p50_ms"], row["goal_ms"], at_most=True)
    metered = [r for r in out["api"] if "cpu_ms_per_request" in r] + out.get("compute", [])
    reported = bool(out.get("resources_at_rest")) and bool(metered)
    goals["19.4 RSS per process at rest and under load, CPU-ms per request per endpoint"] = {
        "value": f"{len(metered)} endpoint rows" if reported else None,
        "ratio": None,
        "met": reported,
    }
    return goals


def _cpu_cells(row: dict[str, Any], names: list[str]) -> str:
    cpu = row.get("cpu_ms_per_request", {})
    return " | ".join(f"{cpu.get(n, 0):.2f}" for n in [*names, "total"])


def render_issue19(out: dict[str, Any]) -> list[str]:
    """Return the computations' timings and every process's memory and CPU per request."""
    lines: list[str] = []
    if out.get("compute"):
        lines += [
            "",
            "computations through the gateway (couple, us taxes, guardrails, 10,000 paths):",
            "",
            "| case | n | p50 ms | min ms | max ms | goal ms | p50 ÷ goal | CPU ms/req | load |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in out["compute"]:
            lines.append(
                f"| {r['case']} | {r['n']} | {r['p50_ms']:,.1f} | {r['min_ms']:,.1f} | "
                f"{r['max_ms']:,.1f} | {r['goal_ms']:,.0f} | {r['p50_ms'] / r['goal_ms']:.2f} | "
                f"{r['cpu_ms_per_request']['total']:,.1f} | {r['load_average']:.2f} |"
            )
    rest = out.get("resources_at_rest")
    if not rest:
        return lines
    names = list(rest)
    lines += [
        "",
        "memory (RSS MB, each process with its children; shared pages counted in each):",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        "| at rest | " + " | ".join(f"{rest[n]['rss_mb']:,.0f}" for n in names) + " |",
    ]
    metered = [r for r in out["api"] if "rss_mb_peak" in r]
    for label, rows in (
        ("peak under the HTTP load", metered),
        ("peak computing", out.get("compute", [])),
    ):
        if rows:
            peak = {n: max(r["rss_mb_peak"].get(n, 0) for r in rows) for n in names}
            lines.append(f"| {label} | " + " | ".join(f"{peak[n]:,.0f}" for n in names) + " |")
    lines += [
        "",
        "CPU ms per request, every process in the path (/proc utime+stime delta ÷ requests):",
        "",
        "| via | endpoint | conn | " + " | ".join(names) + " | total |",
        "|---|---|---:|" + "---:|" * (len(names) + 1),
    ]
    for r in metered:
        lines.append(
            f"| {r['via']} | {r['endpoint']} | {r['connections']} | {_cpu_cells(r, names)} |"
        )
    for r in out.get("compute", []):
        lines.append(f"| gateway | {r['case']} (computed) | 1 | {_cpu_cells(r, names)} |")
    return lines
