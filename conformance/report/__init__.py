"""Reports of a run: the versioned JSON document (the source of truth), Markdown and HTML summaries, verify."""

from __future__ import annotations

from conformance.report.finish import finish

__all__ = ["finish"]
