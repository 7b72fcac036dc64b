"""The whole public URL map: which prefix goes to which service, and which needs a token."""

from __future__ import annotations

from aiohttp import web

from gateway import openapi
from gateway.aggregate import Backends, dashboard_handler, export_handler
from gateway.console import console_routes
from gateway.console_vendor import vendor_routes
from gateway.proxy import PUBLIC_PREFIX, Upstream, proxy_handler
from gateway.user_limits import UserRequestLimiter, limited
from nestegg_common.auth import JwtVerifier
from nestegg_common.problems import Handler
from nestegg_common.upstream_client import UPSTREAM_SESSION

LEDGER_COLLECTIONS = ("assets", "debts", "incomes", "expenses")
PROJECTION = f"{PUBLIC_PREFIX}/projections/{{projection_id}}"
SCENARIO = f"{PROJECTION}/scenarios/{{scenario_id}}"
# The compute routes (DESIGN §4).
COMPUTE_ACTIONS = ("run", "compare", "solve", "optimize")


def setup_routes(
    app: web.Application,
    *,
    accounts: Upstream,
    ledger: Upstream,
    projections: Upstream,
    verifier: JwtVerifier,
    backends: Backends,
    compute_timeout_s: float,
    user_limiter: UserRequestLimiter,
) -> None:
    """Register the public routes; nothing else (in particular no `/internal/`) is reachable.

    Run, compare, solve and optimize may take the service's whole compute budget: they are given
    `compute_timeout_s` (GatewaySettings.compute_timeout_s), the other routes the usual timeout,
    and a client leaving them cancels the forwarded request. Projections' routes, the dashboard
    and the export also count against the user's request limit (user_limits.py): reading a
    stored result takes no computation slot, so this is what bounds a user's reads.
    """

    def to(upstream: Upstream, *, authenticated: bool) -> Handler:
        handler = proxy_handler(
            lambda: app[UPSTREAM_SESSION], upstream, verifier=verifier if authenticated else None
        )
        if authenticated and upstream is projections:
            return limited(handler, verifier, user_limiter)
        return handler

    def compute(action: str) -> web.RouteDef:
        # The service's whole budget, and dropped (so cancelled there) when the client leaves.
        handler = proxy_handler(
            lambda: app[UPSTREAM_SESSION],
            projections,
            verifier=verifier,
            time_limit_s=compute_timeout_s,
            drop_with_client=True,
        )
        return web.post(f"{PROJECTION}/{action}", limited(handler, verifier, user_limiter))

    app.add_routes(
        [
            web.post(
                f"{PUBLIC_PREFIX}/auth/{{action:register|login|refresh|logout}}",
                to(accounts, authenticated=False),
            ),
            web.get(f"{PUBLIC_PREFIX}/me", to(accounts, authenticated=True)),
            web.delete(f"{PUBLIC_PREFIX}/me", to(accounts, authenticated=True)),
            web.get(f"{PUBLIC_PREFIX}/me/profile", to(accounts, authenticated=True)),
            web.put(f"{PUBLIC_PREFIX}/me/profile", to(accounts, authenticated=True)),
            web.patch(f"{PUBLIC_PREFIX}/me/profile", to(accounts, authenticated=True)),
            web.post(f"{PUBLIC_PREFIX}/me/password", to(accounts, authenticated=True)),
            web.get(f"{PUBLIC_PREFIX}/ledger/summary", to(ledger, authenticated=True)),
            web.get(f"{PUBLIC_PREFIX}/projections", to(projections, authenticated=True)),
            web.post(f"{PUBLIC_PREFIX}/projections", to(projections, authenticated=True)),
            web.get(PROJECTION, to(projections, authenticated=True)),
            web.patch(PROJECTION, to(projections, authenticated=True)),
            web.delete(PROJECTION, to(projections, authenticated=True)),
            web.get(f"{PROJECTION}/scenarios", to(projections, authenticated=True)),
            web.post(f"{PROJECTION}/scenarios", to(projections, authenticated=True)),
            web.get(SCENARIO, to(projections, authenticated=True)),
            web.patch(SCENARIO, to(projections, authenticated=True)),
            web.delete(SCENARIO, to(projections, authenticated=True)),
            *(compute(action) for action in COMPUTE_ACTIONS),
            web.get(
                f"{PUBLIC_PREFIX}/dashboard",
                limited(dashboard_handler(backends, verifier), verifier, user_limiter),
            ),
            web.get(
                f"{PUBLIC_PREFIX}/me/export",
                limited(export_handler(backends, verifier), verifier, user_limiter),
            ),
            web.get(f"{PUBLIC_PREFIX}/openapi.json", openapi.get_openapi_document),
            web.get(f"{PUBLIC_PREFIX}/docs", openapi.get_docs_page),
        ]
    )
    for name in LEDGER_COLLECTIONS:
        app.add_routes(
            [
                web.get(f"{PUBLIC_PREFIX}/{name}", to(ledger, authenticated=True)),
                web.post(f"{PUBLIC_PREFIX}/{name}", to(ledger, authenticated=True)),
                web.get(f"{PUBLIC_PREFIX}/{name}/{{id}}", to(ledger, authenticated=True)),
                web.patch(f"{PUBLIC_PREFIX}/{name}/{{id}}", to(ledger, authenticated=True)),
                web.delete(f"{PUBLIC_PREFIX}/{name}/{{id}}", to(ledger, authenticated=True)),
            ]
        )
    app.add_routes(console_routes())  # the web console at `/`, outside /api/v1
    app.add_routes(vendor_routes())  # its chart library, from the installed plotly wheel
