"""The whole public URL map: which prefix goes to which service, and which needs a token."""

from __future__ import annotations

from aiohttp import web

from gateway.proxy import PUBLIC_PREFIX, Upstream, proxy_handler
from nestegg_common.auth import JwtVerifier
from nestegg_common.problems import Handler
from nestegg_common.service import HTTP_CLIENT

LEDGER_COLLECTIONS = ("assets", "debts", "incomes", "expenses")


def setup_routes(
    app: web.Application, *, accounts: Upstream, ledger: Upstream, verifier: JwtVerifier
) -> None:
    """Register the public routes; nothing else (in particular no `/internal/`) is reachable."""

    def to(upstream: Upstream, *, authenticated: bool) -> Handler:
        return proxy_handler(
            lambda: app[HTTP_CLIENT], upstream, verifier=verifier if authenticated else None
        )

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
            web.get(f"{PUBLIC_PREFIX}/ledger/summary", to(ledger, authenticated=True)),
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
