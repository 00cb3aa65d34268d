"""Entry point for uvicorn workers: ``subgraph.asgi:app_factory``."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraph.app import create_app
from subgraph.logs import configure_logging
from subgraph.settings import load_settings


def app_factory() -> Starlette:
    settings = load_settings()
    configure_logging(settings.log_level)  # each worker process sets up its own logging
    return create_app(settings)
