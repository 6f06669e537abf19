"""CloudNx conformance suite: certify any target URL against spec/openapi.yaml."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cloudnx-conformance")
except PackageNotFoundError:  # a plain checkout on sys.path, not installed
    __version__ = "0.1.0+checkout"
