"""The leak patterns recognise internals of every common stack, and never a plain human-readable error."""

from __future__ import annotations

import pytest

from conformance.leaks import find_leak

pytestmark = pytest.mark.suite

LEAKS = {
    "python": 'Traceback (most recent call last):\n  File "/srv/app/main.py", line 3, in <module>',
    "python exception": "KeyError: 'name'",
    "java frame": "at com.cloudnx.api.VpcController.create(VpcController.java:88)",
    "java class": "java.lang.NullPointerException",
    "java cause": "Caused by: org.postgresql.util.PSQLException",
    "node frame": "TypeError x\n    at Object.<anonymous> (/app/server.js:10:5)",
    "node internal": "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    "go panic": "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:",
    "go frame": "main.handler(0xc000010000)\n\t/build/cmd/api/main.go:42 +0x1d",
    "dotnet frame": "at CloudNx.Api.Vpcs.Create() in C:\\src\\Api\\Vpcs.cs:line 17",
    "dotnet class": "System.NullReferenceException: Object reference not set",
    "dotnet end": "--- End of stack trace from previous location ---",
    "ruby": "app/models/vpc.rb:12:in `create'",
    "php": "Fatal error: Uncaught Error in /var/www/html/index.php on line 3",
    "postgres": 'ERROR: relation "vpcs" does not exist',
    "mysql": "You have an error in your SQL syntax; check the manual",
    "oracle": "ORA-00942: table or view does not exist",
    "sqlstate": "SQLSTATE[23505]: Unique violation",
    "sqlite": "sqlite3.OperationalError: no such table: vpcs",
    "unix path": "cannot open /opt/cloudnx/handlers/vpc.py",
    "windows path": "failed in D:\\build\\CloudNx\\Handlers\\Vpc.cs",
    "framework": "starlette.exceptions.HTTPException",
}
CLEAN = (
    "missing or invalid credentials",
    "body: 'name' is a required property",
    "instance i-0123456789abcdef is running; stop it first",
    "request body exceeds 65536 bytes",
    "the Idempotency-Key was used with a different request body",
    "bucket name cnx-logs-0a1b2c is already taken",
    "SigV4: X-Amz-Date '20261201T000000Z' is not YYYYMMDDTHHMMSSZ",
    "cursor is not valid for this list",
    "path /compute/vpcs/vpc-1 not found",
    "expires_in must be at most 604800 seconds",
)


@pytest.mark.parametrize("text", LEAKS.values(), ids=LEAKS.keys())
def test_internals_of_every_stack_are_found(text: str) -> None:
    assert find_leak(text), f"not recognised as a leak: {text!r}"


@pytest.mark.parametrize("text", CLEAN)
def test_human_readable_errors_are_not_leaks(text: str) -> None:
    assert find_leak(text) is None
