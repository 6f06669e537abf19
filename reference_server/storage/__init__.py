"""The storage service: buckets, lifecycle configuration, per-bucket keys, presigned URLs, and (``s3``) the
S3-compatible data plane the platform mounts at ``/s3``.

Importing the package registers every storage handler with ``reference_server.platform.core.handler``.
"""

from __future__ import annotations

import functools

from reference_server.platform.core import ServerContext

from . import buckets, keys, lifecycle, presign
from .common import flush_storage_usage

__all__ = [
    "buckets",
    "keys",
    "lifecycle",
    "presign",
    "setup",
]


def setup(ctx: ServerContext) -> None:
    """Start-up hook, called once per context by the app: stored GiB-hours are metered lazily, so the usage meter
    runs their catch-up before it totals an account (an open invoice is exact when read)."""
    ctx.usage.add_flusher(functools.partial(flush_storage_usage, ctx))
