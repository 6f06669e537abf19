"""The one catalogue of error answers: every 4xx/5xx body is ``{"error": "..."}`` (seed, "Request / response shape").

Handlers raise these; the platform turns any ApiError (and the framework's own 404/405/413/415/500) into
the same JSON shape in ``responses.error_response``.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ApiError",
    "bad_request",
    "conflict",
    "forbidden",
    "gone",
    "method_not_allowed",
    "not_found",
    "payload_too_large",
    "rate_limited",
    "route_not_found",
    "unauthorized",
    "unprocessable",
    "unsupported_media_type",
]


class ApiError(Exception):
    """An error answer in the seed's shape: ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def unauthorized(message: str = "missing or invalid credentials") -> ApiError:
    return ApiError(401, message)


def forbidden(action: str) -> ApiError:
    return ApiError(403, f"not authorised to perform {action}: no IAM policy allows it, or one denies it")


def not_found(kind: str, resource_id: str) -> ApiError:
    # The same words for a missing resource and another account's: the two must be indistinguishable (BOLA).
    return ApiError(404, f"{kind} {resource_id} not found")


def route_not_found(path: str) -> ApiError:
    return ApiError(404, f"no route matches {path}")


def method_not_allowed(method: str, allowed: list[str]) -> ApiError:
    return ApiError(405, f"method {method} is not allowed here", {"Allow": ", ".join(allowed)})


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def gone(message: str) -> ApiError:
    return ApiError(410, message)


def payload_too_large(limit: int) -> ApiError:
    return ApiError(413, f"request body exceeds {limit} bytes")


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(415, f"unsupported Content-Type {content_type or '(none)'}: send application/json")


def unprocessable(message: str) -> ApiError:
    return ApiError(422, message)


def rate_limited(retry_after: int, headers: Mapping[str, str]) -> ApiError:
    return ApiError(
        429,
        f"rate limit exceeded; retry after {retry_after} s",
        {**headers, "Retry-After": str(retry_after)},
    )


def internal_error() -> ApiError:
    # Never a stack trace or an exception text: 5xx bodies must not leak internals (spec, "Errors").
    return ApiError(500, "internal server error; this is a bug in the reference server")
