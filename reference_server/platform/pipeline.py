"""One request through the platform, in the order docs/server-internals.md fixes:

route (404/405) -> read body (bounded) -> authenticate -> rate limit (429) -> 401 / 413 -> validate (415/400)
-> IAM (403, before any lookup) -> idempotency (replay / 409 / 422) -> handler -> audit + idempotency store
(+ response validation in debug mode).

The limiter counts every request, including the ones answered 401 (per client address), so bad credentials
cannot be tried faster than the limit allows.
"""

from __future__ import annotations

import functools
import logging
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request

import cloudnx_spec
from reference_server import errors
from reference_server.errors import ApiError
from reference_server.platform import Platform
from reference_server.platform.audit import MUTATING
from reference_server.platform.authn import IAM_USER, POLICY, AuthenticationFailed, Authenticator
from reference_server.platform.core import HANDLERS, Call, Principal, Reply, ServerContext, anonymous
from reference_server.platform.iam import RequestContext, evaluate, render_resource
from reference_server.platform.idempotency import IdempotencyKeys, StoredResponse, fingerprint
from reference_server.platform.response_check import ResponseChecker
from reference_server.platform.responses import JSON_TYPE, encode_json, error_body, send_response
from reference_server.platform.routing import RouteEntry
from reference_server.platform.sigv4 import SignedRequest
from reference_server.platform.wire import created_id, parse_json_body, read_body, read_headers

__all__ = ["Pipeline"]

log = logging.getLogger("reference_server")


class Pipeline:
    def __init__(self, ctx: ServerContext, platform: Platform, checker: ResponseChecker | None) -> None:
        self.ctx = ctx
        self.platform = platform
        self.authenticator = Authenticator(ctx)
        self.checker = checker

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = read_headers(scope)
        client = (scope.get("client") or ("unknown", 0))[0]
        try:
            entry, raw_params = self.platform.routes.match(scope["method"], scope["path"])
        except ApiError as no_route:
            decision = self.platform.limiter.hit(anonymous(client).id)
            answer = no_route if decision.allowed else errors.rate_limited(decision.retry_after, {})
            await self._send_error(send, answer, decision.headers())
            return
        body, too_large = await read_body(receive, headers, self.ctx.settings.max_body_bytes)
        principal, claimed = anonymous(client), None
        auth_error: ApiError | None = None
        if not entry.public:
            try:
                principal = self.authenticator.authenticate(
                    entry.security_schemes, headers, self._signed(scope, headers, body)
                )
            except AuthenticationFailed as exc:
                auth_error, claimed = exc, exc.claimed
            except ApiError as exc:
                auth_error = exc
            except Exception:
                # A bug, but the request is still counted by the limiter and audited like any other.
                log.exception("unhandled error authenticating %s", entry.operation_id)
                auth_error = errors.internal_error()
        decision = self.platform.limiter.hit(principal.id)
        rate_headers = decision.headers()
        call: Call | None = None
        try:
            if not decision.allowed:
                raise errors.rate_limited(decision.retry_after, {})
            if auth_error is not None:
                raise auth_error
            if too_large:
                raise errors.payload_too_large(self.ctx.settings.max_body_bytes)
            path_params, query, parsed = self._validate(entry, raw_params, scope, headers, body)
            self._authorize(entry, principal, path_params, client)
            call = Call(
                ctx=self.ctx,
                operation=entry.operation,
                principal=principal,
                request=self._request(scope, receive, body),
                path_params=path_params,
                query=query,
                headers=headers,
                body=parsed,
                client_address=client,
            )
            status, payload, extra, cookies, replayed = await self._run(entry, call, headers, body)
            if status == 201 and not replayed:
                call.created_id = created_id(payload)
        except ApiError as exc:
            status, payload, extra, cookies, replayed = exc.status, error_body(exc), exc.headers, [], False
        except Exception:
            log.exception("unhandled error in %s", entry.operation_id)
            crash = errors.internal_error()
            status, payload, extra, cookies, replayed = crash.status, error_body(crash), {}, [], False
        if self.checker is not None and not replayed:
            status, payload = self.checker.check(entry, status, payload)
        out = {"content-type": JSON_TYPE, **rate_headers, **extra}
        if replayed:
            out["idempotent-replayed"] = "true"
        await send_response(send, status, payload, out, cookies)
        self._audit(entry, call, claimed or principal, scope, status, client, raw_params)

    # -- stages ---------------------------------------------------------------------------------------------

    @staticmethod
    def _signed(scope: dict[str, Any], headers: dict[str, str], body: bytes) -> SignedRequest | None:
        query = scope.get("query_string", b"").decode("latin-1")
        if not headers.get("authorization", "").startswith("AWS4-") and "X-Amz-Algorithm=" not in query:
            return None
        raw_path = scope.get("raw_path") or scope["path"].encode()
        return SignedRequest(
            method=scope["method"],
            path=raw_path.decode("utf-8", "replace"),
            query=query,
            headers=tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
            body=body,
        )

    @staticmethod
    def _request(scope: dict[str, Any], receive: Any, body: bytes) -> Request:
        request = Request(scope, receive)
        request._body = body  # already read by the pipeline; handlers may still await request.body()
        return request

    def _validate(
        self,
        entry: RouteEntry,
        raw_params: dict[str, str],
        scope: dict[str, Any],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[dict[str, Any], dict[str, Any], Any]:
        raw_query: dict[str, str] = {}
        for key, value in parse_qsl(
            scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True
        ):
            raw_query.setdefault(key, value)
        sources = {"path": raw_params, "query": raw_query, "header": headers}
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for param in entry.params:
            source = sources.get(param.location, {})
            raw = source.get(param.name.lower() if param.location == "header" else param.name)
            value, problem = param.check(raw)
            if problem is not None:
                raise errors.bad_request(problem)
            values.setdefault(param.location, {})[param.name] = value
        parsed: Any = None
        if entry.body_schema is not None:
            parsed = parse_json_body(
                entry.body_required, entry.body_schema, headers, body, max_depth=self.ctx.settings.max_json_depth
            )
        return values["path"], values["query"], parsed

    def _authorize(self, entry: RouteEntry, principal: Principal, path_params: dict[str, Any], client: str) -> None:
        # Root users are not subject to policies (cloudnx_spec.iam_scheme().root_user_subject_to_policies is False).
        if principal.kind != "iam_user" or entry.iam is None:
            return
        user = self.ctx.store.get(IAM_USER, principal.id)
        if user is None:
            raise errors.unauthorized()
        documents = [p["document"] for pid in user["policy_ids"] if (p := self.ctx.store.get(POLICY, pid))]
        resource = render_resource(entry.iam["resource"], principal.account_id, path_params)
        request = RequestContext(
            action=entry.iam["action"],
            resource=resource,
            condition_values={
                "cnx:SourceIp": client,
                "cnx:PrincipalId": principal.id,
                "cnx:Service": entry.operation.service,
                "cnx:AuthMethod": principal.auth_method,
            },
        )
        if evaluate(documents, request) != "allow":
            raise ApiError(403, f"{principal.id} is not allowed to perform {request.action} on {resource}")

    async def _run(
        self, entry: RouteEntry, call: Call, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, dict[str, str], list[str], bool]:
        handler = HANDLERS.get(entry.operation_id)
        if handler is None:
            raise ApiError(501, f"{entry.operation_id} is not implemented by this server")
        key = headers.get("idempotency-key") if entry.idempotent else None
        if key is None:
            reply = await self._invoke(handler, call)
            return reply.status, encode_json(reply.body), reply.headers, reply.cookies, False
        keys: IdempotencyKeys = self.platform.idempotency
        scope = keys.scope(call.principal.id, entry.operation.method, call.request.url.path, key)
        stored = keys.begin(scope, fingerprint(call.body, body), call.principal.id)
        if stored is not None:
            replay_headers = {k: v for k, v in stored.headers if k != "set-cookie"}
            cookies = [v for k, v in stored.headers if k == "set-cookie"]
            return stored.status, stored.body, replay_headers, cookies, True
        try:
            reply = await self._invoke(handler, call)
        except ApiError as exc:
            if exc.status >= 500 or exc.status == 429:
                keys.abandon(scope)
            else:
                kept = tuple((k.lower(), v) for k, v in exc.headers.items())
                keys.complete(
                    scope, StoredResponse(exc.status, error_body(exc), (("content-type", JSON_TYPE), *kept))
                )
            raise
        except BaseException:
            keys.abandon(scope)
            raise
        payload = encode_json(reply.body)
        if reply.status >= 500:
            keys.abandon(scope)
        else:
            stored_headers = (
                ("content-type", JSON_TYPE),
                *((k.lower(), v) for k, v in reply.headers.items()),
                *(("set-cookie", c) for c in reply.cookies),
            )
            keys.complete(scope, StoredResponse(reply.status, payload, stored_headers))
        return reply.status, payload, reply.headers, reply.cookies, False

    @staticmethod
    async def _invoke(handler: Any, call: Call) -> Reply:
        reply = await handler(call)
        if not isinstance(reply, Reply):
            raise TypeError(f"handler {call.operation_id} returned {type(reply).__name__}, not Reply")
        return reply

    def _audit(
        self,
        entry: RouteEntry,
        call: Call | None,
        principal: Principal,
        scope: dict[str, Any],
        status: int,
        client: str,
        raw_params: dict[str, str],
    ) -> None:
        if scope["method"] not in MUTATING:
            return
        actor = call.audit_as if call is not None and call.audit_as is not None else principal
        if actor.is_anonymous or not actor.account_id:
            return  # no account to own the event (e.g. a failed login for an unknown email)
        action = entry.iam["action"] if entry.iam else f"{entry.operation.service}:{entry.operation_id}"
        target = call.audit_target if call is not None and call.audit_target else None
        if target is None:
            service, region = entry.operation.service, self.ctx.settings.region
            template = entry.iam["resource"] if entry.iam else f"crn:cloudnx:{service}:{region}:{{account_id}}:*"
            # Raw path values may be anything a client sent (a request refused by validation is audited too):
            # percent-encoded, a control character cannot break the CRN's shape.
            safe_params = {k: quote(v, safe="") for k, v in raw_params.items()}
            target = render_resource(template, actor.account_id, safe_params)
            if len(target) > _crn_max_length():
                # A refused request's over-long path value (percent-encoding triples non-ASCII): the event names
                # the resource type with a wildcard instead, so it keeps the Crn schema's bound.
                target = render_resource(template, actor.account_id, dict.fromkeys(raw_params, "*"))
            if status == 201 and target.endswith("/*") and call is not None and call.created_id:
                target = target[:-1] + call.created_id
        self.platform.audit.record(
            actor, actor.account_id, action, target, scope["method"], scope["path"], status, client
        )

    async def _send_error(self, send: Any, exc: ApiError, rate_headers: dict[str, str]) -> None:
        await send_response(
            send, exc.status, error_body(exc), {"content-type": JSON_TYPE, **rate_headers, **exc.headers}
        )


@functools.cache
def _crn_max_length() -> int:
    return int(cloudnx_spec.component("schemas", "Crn")["maxLength"])
