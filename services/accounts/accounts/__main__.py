"""Run the accounts service: `python -m accounts`."""

from accounts.app import create_app
from accounts.settings import AccountsSettings
from nestegg_common.service import serve


def main() -> None:
    """Serve the accounts API on NESTEGG_ACCOUNTS_PORT."""
    settings = AccountsSettings()
    serve(lambda: create_app(settings), settings, service="accounts", port=settings.port)


if __name__ == "__main__":
    main()
