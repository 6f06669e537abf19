"""The CLI's exit codes and the errors that map onto them: a script tells an API error from a usage mistake
and from a network failure by the exit status alone, and never sees a traceback."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ApiError", "CliError", "ExitCode", "NetworkError", "UsageError"]


class ExitCode(IntEnum):
    OK = 0
    API_ERROR = 1  # the target answered 4xx/5xx; its {"error": ...} body is on stderr
    USAGE = 2  # bad options, bad --body, no profile configured (argparse also exits 2)
    NETWORK = 3  # no answer: connection refused, reset or timed out, after the allowed retries
    INTERRUPTED = 130  # Ctrl-C, the shell convention (128 + SIGINT)


class CliError(Exception):
    """A failure the CLI reports in one sentence on stderr and turns into an exit code."""

    code: ExitCode = ExitCode.USAGE


class UsageError(CliError):
    code = ExitCode.USAGE


class NetworkError(CliError):
    code = ExitCode.NETWORK


class ApiError(CliError):
    """The target answered with an error status; ``body`` is what it sent, printed as is."""

    code = ExitCode.API_ERROR

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"the target answered {status}")
        self.status = status
        self.body = body
