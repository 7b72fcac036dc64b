"""Run the gateway: `python -m gateway`."""

from gateway.app import create_app
from gateway.settings import GatewaySettings
from nestegg_common.service import serve


def main() -> None:
    """Serve the public API on NESTEGG_GATEWAY_PORT."""
    settings = GatewaySettings()
    serve(lambda: create_app(settings), settings, service="gateway", port=settings.port)


if __name__ == "__main__":
    main()
