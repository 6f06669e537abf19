"""Build the fault-injected ASGI app: the reference server (with the variant's settings) behind the fault."""

from __future__ import annotations

import importlib
from typing import Any

from killmatrix.asgi import ASGIApp
from killmatrix.context import Context
from killmatrix.fault import Fault, FaultMiddleware
from killmatrix.variants import variant

__all__ = ["build", "build_fault"]


def _reference_app(options: dict[str, Any]) -> ASGIApp:
    # The reference server is only a target: imported here, by the tool that wraps it, never by conformance/.
    settings_module = importlib.import_module("reference_server.settings")
    app_module = importlib.import_module("reference_server.app")
    settings = settings_module.Settings.load(options)
    app: ASGIApp = app_module.create_app(settings)
    return app


def build(name: str, **options: Any) -> tuple[ASGIApp, Fault]:
    """The app for variant ``name`` (``none`` = clean) and its fault object; ``options`` are server settings."""
    return build_fault(variant(name), **options)


def build_fault(fault_class: type[Fault], **options: Any) -> tuple[ASGIApp, Fault]:
    """The same for a fault outside the matrix's variants (e.g. ``killmatrix.variants.cli``)."""
    context = Context()
    fault = fault_class(context)
    merged = {**options, **fault_class.settings, "signing_key_path": str(context.key_path)}
    return FaultMiddleware(_reference_app(merged), fault), fault
