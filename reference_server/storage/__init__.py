"""The storage service: buckets, lifecycle configuration, per-bucket keys, presigned URLs, and (``s3``) the
S3-compatible data plane the platform mounts at ``/s3``.

Importing the package registers every storage handler with ``reference_server.core.handler``.
"""

from __future__ import annotations

from . import buckets, keys, lifecycle, presign

__all__ = ["buckets", "keys", "lifecycle", "presign"]
