"""The ASGI application: the platform pipeline for the three services, plus the S3 data plane under ``/s3``.

``create_app()`` imports every handler module of the service packages (auth, compute, storage), so the route
table built from the spec meets the handlers registered with ``@handler``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import TYPE_CHECKING, Any

import cloudnx_spec
from reference_server.platform import Platform
from reference_server.platform.audit import AuditLog
from reference_server.platform.core import HANDLERS, ServerContext
from reference_server.platform.idempotency import IdempotencyKeys
from reference_server.platform.pipeline import Pipeline
from reference_server.platform.ratelimit import Limiter, SlidingWindowLimiter
from reference_server.platform.response_check import ResponseChecker
from reference_server.platform.routing import RouteTable
from reference_server.platform.store import MemoryStore, Store
from reference_server.platform.token_bucket import TokenBucketLimiter
from reference_server.platform.tokens import TokenService
from reference_server.settings import Settings

if TYPE_CHECKING:
    from reference_server.storage.s3 import S3App

__all__ = ["SERVICE_PACKAGES", "PlatformApp", "create_app", "load_handlers", "setup_services"]

log = logging.getLogger("reference_server")
SERVICE_PACKAGES = ("auth", "compute", "storage")


def load_handlers() -> dict[str, list[str]]:
    """Import every module of each service package that exists; {service: [module names]}."""
    loaded: dict[str, list[str]] = {}
    for service in SERVICE_PACKAGES:
        name = f"reference_server.{service}"
        try:
            package = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        modules = []
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            importlib.import_module(f"{name}.{info.name}")
            modules.append(info.name)
        loaded[service] = modules
    return loaded


def setup_services(ctx: ServerContext) -> None:
    """Run each service package's start-up hook ``setup(ctx)``, in ``SERVICE_PACKAGES`` order."""
    for service in load_handlers():
        importlib.import_module(f"reference_server.{service}").setup(ctx)


def _s3_app(ctx: ServerContext) -> S3App:
    from reference_server.storage.s3 import create_s3_app  # the storage package registers handlers on import

    return create_s3_app(ctx)


class PlatformApp:
    def __init__(self, ctx: ServerContext, pipeline: Pipeline, s3_app: S3App | None) -> None:
        self.ctx = ctx
        self.pipeline = pipeline
        self.s3_app = s3_app
        # Where the S3 data plane lives on the API host: the spec's path_prefix_on_api_host (e.g. /s3).
        self.s3_prefix = cloudnx_spec.s3_data_plane().path_prefix_on_api_host

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            prefix = self.s3_prefix
            if self.s3_app is not None and (path == prefix or path.startswith(prefix + "/")):
                # Mounted like Starlette's Mount: the full path stays (SigV4 signs it), root_path gains the prefix.
                child = {**scope, "root_path": scope.get("root_path", "") + prefix}
                await self.s3_app(child, receive, send)
                return
            await self.pipeline(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def _limiter(settings: Settings) -> Limiter:
    if settings.rate_limiter == "token-bucket":
        rate = settings.rate_limit / settings.rate_window_seconds
        return TokenBucketLimiter(rate, settings.rate_burst, max_keys=settings.limiter_max_keys)
    return SlidingWindowLimiter(settings.rate_limit, settings.rate_window_seconds, max_keys=settings.limiter_max_keys)


def create_app(settings: Settings | None = None, store: Store | None = None) -> PlatformApp:
    settings = settings or Settings.load()
    load_handlers()
    ctx = ServerContext(settings, store if store is not None else MemoryStore())
    platform = Platform(
        tokens=TokenService(settings, ctx.clock),
        limiter=_limiter(settings),
        idempotency=IdempotencyKeys(
            ctx.store,
            ctx.clock,
            settings.idempotency_key_seconds,
            max_per_principal=settings.idempotency_max_per_principal,
            max_records=settings.idempotency_max_records,
        ),
        audit=AuditLog(ctx.store, ctx.clock),
        routes=RouteTable(),
    )
    ctx.extras["platform"] = platform
    unknown = sorted(set(HANDLERS) - set(platform.routes.entries))
    if unknown:
        raise RuntimeError(f"handlers registered for operationIds the spec does not have: {unknown}")
    pipeline = Pipeline(ctx, platform, ResponseChecker() if settings.debug_validation else None)
    s3_app = _s3_app(ctx)
    setup_services(ctx)
    return PlatformApp(ctx, pipeline, s3_app)
