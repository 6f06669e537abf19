"""What an error body must never show: stack frames, exception names, SQL errors and source paths of any stack.

Spec ``components.responses.ServerError`` (never stack traces or internals) and OWASP API8:2023 (security
misconfiguration: verbose errors). The patterns are language-neutral — Python, Java/JVM, Node.js, Go, .NET, Ruby
and PHP frames, SQL engines' error texts, absolute source paths — so a target in any stack is judged alike. Each
pattern matches what only a leak looks like (a frame's ``file:line`` shape, an engine's error code), never plain
words a human-readable message may use.
"""

from __future__ import annotations

import re

__all__ = ["LEAK_PATTERNS", "find_leak"]

_SOURCE = r"(?:py|java|kt|scala|js|mjs|cjs|ts|go|cs|vb|rb|php|rs|c|cc|cpp|h)"

#: (what it reveals, pattern), tried in order.
LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)|\bFile \"[^\"]+\", line \d+")),
    ("a Python exception", re.compile(r"\b[A-Z]\w*(?:Error|Exception)\b: ")),
    ("a Java/JVM stack frame", re.compile(r"\bat [\w$.<>]+\([\w$]+\.(?:java|kt|scala):\d+\)|\bCaused by: [\w.$]+")),
    (
        "a Java exception class",
        re.compile(r"\b(?:java|javax|jakarta|org\.springframework)\.[\w.$]*(?:Exception|Error)\b"),
    ),
    (
        "a Node.js stack frame",
        re.compile(r"\bat (?:[\w$.<>\[\] ]+ )?\(?[^\s()]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?|node:internal/"),
    ),
    ("a Go panic or frame", re.compile(r"\bgoroutine \d+ \[|\bpanic: |\.go:\d+(?: \+0x[0-9a-f]+)?\b")),
    (
        "a .NET stack frame",
        re.compile(r"\bat [\w.`<>]+\(.*\) in .+:line \d+|--- End of (?:inner exception )?stack trace"),
    ),
    ("a .NET exception class", re.compile(r"\bSystem\.(?:[A-Z]\w*\.)*[A-Z]\w*Exception\b")),
    ("a Ruby frame", re.compile(r"\.rb:\d+:in [`']")),
    ("a PHP error", re.compile(r"(?:Fatal error|Warning|Notice): .+ on line \d+|Stack trace:\s*#0 ")),
    (
        "an SQL error",
        re.compile(
            r"SQLSTATE\[|\bORA-\d{5}\b|syntax error at or near|You have an error in your SQL syntax|"
            r"\bsqlite3?\.\w*Error\b|\bSQLITE_[A-Z]+\b|\bPG::\w+|\bpsycopg2?\.|duplicate key value violates|"
            r"\bSQLException\b|unterminated quoted string|relation \"[^\"]+\" does not exist",
            re.IGNORECASE,
        ),
    ),
    (
        "a server-side source path",
        re.compile(
            rf"(?:/(?:usr|srv|home|opt|var|app|src|root|go|workspace)/[\w.@+-]+(?:/[\w.@+-]+)*\.{_SOURCE}\b)"
            rf"|(?:\b[A-Za-z]:\\(?:[\w .-]+\\)+[\w .-]+\.{_SOURCE}\b)"
        ),
    ),
    (
        "a framework or driver name",
        re.compile(
            r"\b(?:starlette|uvicorn|jsonschema|sqlalchemy|psycopg2?|werkzeug|django|flask|fastapi|gunicorn|"
            r"springframework|hibernate|tomcat|jetty|aspnetcore|kestrel|gin-gonic|laravel)\b",
            re.IGNORECASE,
        ),
    ),
)


def find_leak(text: str) -> str | None:
    """What ``text`` leaks (e.g. ``a Go panic or frame: 'goroutine 1 ['``), or None when it shows no internals."""
    for what, pattern in LEAK_PATTERNS:
        match = pattern.search(text)
        if match:
            return f"{what}: {match.group(0)[:80]!r}"
    return None
