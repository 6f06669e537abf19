"""Tenant isolation, deletion, pagination, audit and schema-drift faults."""

from __future__ import annotations

import copy
from typing import Any

from killmatrix import routes
from killmatrix.fault import Fault
from killmatrix.wire import Forward, Request, Response

__all__ = [
    "AuditDropsDeletes",
    "CursorForgeable",
    "CursorStuck",
    "DeletedReadable",
    "DropRequiredField",
    "Foreign403",
    "ForeignReadable",
    "ListLeak",
    "PageDuplicates",
    "UndocumentedStatus",
    "WrongType",
]


def _foreign(fault: Fault, request: Request) -> bool:
    owner = fault.ctx.owner_of_path(request.path)
    caller = fault.ctx.account_of(request)
    return owner is not None and caller is not None and owner != caller


class Foreign403(Fault):
    name = "foreign-403"
    area = "isolation"
    description = "another account's resource answers 403 (revealing it exists) instead of 404"
    catches = ("ISO-FOREIGN-404",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 404 and _foreign(self, request):
            response.status = 403
            response.set_json({"error": "you do not own this resource"})
        return response


class ForeignReadable(Fault):
    name = "foreign-readable"
    area = "isolation"
    description = "GET on another account's resource returns it (BOLA, OWASP API1:2023)"
    catches = ("ISO-FOREIGN-404",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if request.method == "GET" and _foreign(self, request):
            owner = self.ctx.owner_of_path(request.path) or ""
            auth = self.ctx.credentials.get(owner)
            if auth:
                headers = [
                    (k, v) for k, v in request.scope["headers"] if k.lower() not in (b"authorization", b"cookie")
                ]
                request.scope = {**request.scope, "headers": headers + auth}
        return await forward(request)


class ListLeak(Fault):
    name = "list-leak"
    area = "isolation"
    description = "first pages of lists also show items another account created"
    catches = ("ISO-LIST",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: dict[str, list[dict[str, Any]]] = {}  # list key -> items of any account

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        if request.method == "POST" and response.status < 300 and isinstance(data, dict) and "account_id" in data:
            created_in = routes.list_key("GET", request.path)
            if created_in:
                self.seen.setdefault(created_in, []).append(data)
        key = routes.list_key(request.method, request.path)
        if key is None or response.status != 200 or not isinstance(data, dict):
            return response
        caller = self.ctx.account_of(request)
        items = data.get(key) or []
        pool = self.seen.setdefault(key, [])
        known = {i.get("id") for i in pool}
        pool.extend(i for i in items if isinstance(i, dict) and i.get("id") not in known)
        if "cursor" not in request.query:
            mine = {i.get("id") for i in items if isinstance(i, dict)}
            leaked = [i for i in pool if i.get("account_id") != caller and i.get("id") not in mine]
            data[key] = items + leaked[:5]
            response.set_json(data)
        return response


class DeletedReadable(Fault):
    name = "deleted-readable"
    area = "status"
    description = "a deleted resource still answers GET 200 with its last representation"
    catches = ("STATE-DELETED-GONE",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.last: dict[str, bytes] = {}
        self.deleted: set[str] = set()

    async def handle(self, request: Request, forward: Forward) -> Response:
        if request.method == "GET" and request.path in self.deleted:
            response = await forward(request)
            if response.status == 404:
                response.status, response.body = 200, self.last[request.path]
                response.set_header("content-type", "application/json")
            return response
        response = await forward(request)
        if request.method == "GET" and response.status == 200:
            self.last[request.path] = response.body
        data = response.json()
        if request.method == "POST" and response.status < 300 and isinstance(data, dict):
            rid = data.get("id") or data.get("name")
            if isinstance(rid, str):
                self.last[f"{request.path.rstrip('/')}/{rid}"] = response.body
        if request.method == "DELETE" and response.status == 200 and request.path in self.last:
            self.deleted.add(request.path)
        return response


class CursorStuck(Fault):
    name = "cursor-stuck"
    area = "pagination"
    description = "the second page's next_cursor repeats the cursor it was asked with: the walk never ends"
    catches = ("PAGE-WALK",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        cursor = request.query.get("cursor")
        if cursor and response.status == 200 and isinstance(data, dict) and "next_cursor" in data:
            data["next_cursor"] = cursor
            response.set_json(data)
        return response


class PageDuplicates(Fault):
    name = "page-duplicates"
    area = "pagination"
    description = "every page after the first repeats the previous page's last item"
    catches = ("PAGE-WALK",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.tail: dict[str, Any] = {}  # next_cursor handed out -> last item of that page

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        key = routes.list_key(request.method, request.path)
        data = response.json()
        if key is None or response.status != 200 or not isinstance(data, dict):
            return response
        items = list(data.get(key) or [])
        if items and data.get("next_cursor"):
            self.tail[str(data["next_cursor"])] = items[-1]
        repeated = self.tail.get(request.query.get("cursor", ""))
        if repeated is not None:
            data[key] = [repeated, *items]
            response.set_json(data)
        return response


class CursorForgeable(Fault):
    name = "cursor-forgeable"
    area = "pagination"
    description = "a cursor the server cannot read is ignored (first page) instead of 400"
    catches = ("PAGE-FORGED-CURSOR",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 400 and "cursor" in request.query and routes.list_key(request.method, request.path):
            query = "&".join(
                p for p in request.scope["query_string"].decode().split("&") if not p.startswith("cursor=")
            )
            request.scope = {**request.scope, "query_string": query.encode()}
            return await forward(request)
        return response


class AuditDropsDeletes(Fault):
    name = "audit-drops-deletes"
    area = "audit"
    description = "DELETE requests never show up in the audit log"
    catches = ("AUDIT-MUTATIONS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if routes.operation_id(request.method, request.path) == "audit_logs_list" and response.status == 200:
            data = response.json()
            data["events"] = [e for e in data.get("events", []) if e.get("method") != "DELETE"]
            response.set_json(data)
        return response


def _strip(data: Any, field: str) -> Any:
    if isinstance(data, dict):
        return {k: _strip(v, field) for k, v in data.items() if k != field}
    if isinstance(data, list):
        return [_strip(v, field) for v in data]
    return data


class DropRequiredField(Fault):
    name = "drop-required-field"
    area = "schema"
    description = "compute responses lose the required created_at field"
    catches = ("SCHEMA-RESPONSE",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if routes.service_of(request.path) == "compute" and response.status < 300 and response.json() is not None:
            response.set_json(_strip(response.json(), "created_at"))
        return response


class WrongType(Fault):
    name = "wrong-type"
    area = "schema"
    description = "storage buckets report object_count and size_bytes as strings"
    catches = ("SCHEMA-RESPONSE",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        if routes.service_of(request.path) == "storage" and response.status < 300 and isinstance(data, dict):
            data = copy.deepcopy(data)
            for record in [data, *data.get("buckets", [])]:
                for field in ("object_count", "size_bytes"):
                    if isinstance(record, dict) and isinstance(record.get(field), int):
                        record[field] = str(record[field])
            response.set_json(data)
        return response


class UndocumentedStatus(Fault):
    name = "undocumented-status"
    area = "schema"
    description = "instance start/stop/reboot answer 202, a status the spec does not document"
    catches = ("SCHEMA-STATUS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        op = routes.operation_id(request.method, request.path)
        if op in ("instances_start", "instances_stop", "instances_reboot") and response.status == 200:
            response.status = 202
        return response
