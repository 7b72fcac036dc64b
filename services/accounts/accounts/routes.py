"""The whole URL map of the accounts service."""

from __future__ import annotations

from aiohttp import web

from accounts import api_spec, handlers
from nestegg_common.erasure import ERASED_USERS_PATH

# Paths under /auth/ and /.well-known/ need no access token; everything else does.
PUBLIC_PREFIXES = ("/auth/", "/.well-known/")


def setup_routes(app: web.Application) -> None:
    """Register every route of the service."""
    app.add_routes(
        [
            web.post("/auth/register", handlers.register_user),
            web.post("/auth/login", handlers.log_in),
            web.post("/auth/refresh", handlers.refresh_tokens),
            web.post("/auth/logout", handlers.log_out),
            web.get("/.well-known/jwks.json", handlers.get_jwks),
            web.get("/me", handlers.get_me),
            web.delete("/me", handlers.delete_me),
            web.get("/me/profile", handlers.get_profile),
            web.put("/me/profile", handlers.replace_profile),
            web.patch("/me/profile", handlers.patch_profile),
            web.post("/me/password", handlers.change_password),
            web.get("/internal/users/{user_id}/profile", handlers.get_user_profile),
            web.get("/internal/users/{user_id}/profile-version", handlers.get_user_profile_version),
            web.get("/internal/users/{user_id}/export", handlers.export_user),
            web.get(ERASED_USERS_PATH, handlers.list_erased_users),
            web.get("/internal/openapi.json", api_spec.get_openapi_fragment),
        ]
    )
