"""Run the projections service: `python -m projections`."""

from nestegg_common.service import serve
from projections.app import create_app
from projections.settings import ProjectionsSettings


def main() -> None:
    """Serve the projections API on its configured port."""
    settings = ProjectionsSettings()
    serve(lambda: create_app(settings), settings, service="projections", port=settings.port)


if __name__ == "__main__":
    main()
