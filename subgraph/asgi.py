"""Entry point for uvicorn workers: ``subgraph.asgi:app_factory``."""

from __future__ import annotations

from starlette.applications import Starlette

from subgraph.app import create_app
from subgraph.settings import load_settings


def app_factory() -> Starlette:
    return create_app(load_settings())
