"""Run the ledger service: `python -m ledger`."""

from ledger.app import create_app
from ledger.settings import LedgerSettings
from nestegg_common.service import serve


def main() -> None:
    """Serve the ledger API on its configured port."""
    settings = LedgerSettings()
    serve(lambda: create_app(settings), settings, service="ledger", port=settings.port)


if __name__ == "__main__":
    main()
