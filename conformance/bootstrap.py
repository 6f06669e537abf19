"""Create the suite's accounts through the target's public API (or log into configured ones).

signup -> login (session cookies read from Set-Cookie, sent explicitly) -> policies -> IAM users -> attach ->
access keys -> exchange-credentials (bearer). Every name carries the run prefix; every secret is registered with
the redactor before it can reach a recording.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx

from conformance.breach import ContractBreach, breach_check
from conformance.client import ApiClient
from conformance.config import AccountCredentials
from conformance.contract import Contract
from conformance.errors import BootstrapError, CredentialsError
from conformance.identities import Account, Identity, parse_set_cookies
from conformance.pacing import PacerPool
from conformance.recording import Recorder, Redactor, redactor

__all__ = ["ANONYMOUS", "Bootstrapper"]

#: Pacing key for unauthenticated traffic: the spec counts it per client address, i.e. all of it together.
ANONYMOUS = "anonymous"
# Policy documents follow the spec's PolicyDocument; actions are "<service>:<operationId>"
# (cloudnx_spec.iam_scheme().action).
_ALLOW_ALL = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
_READ_ONLY = [{"Effect": "Allow", "Action": ["*:*_get", "*:*_list"], "Resource": "*"}]


class Bootstrapper:
    def __init__(
        self,
        http: httpx.Client,
        contract: Contract,
        pacers: PacerPool,
        recorder: Callable[[], Recorder],
        redactor: Redactor,
        run_id: str,
        register_cleanup: Callable[[str, str, dict[str, str]], None],
        signup_token: str | None = None,
    ):
        self.http = http
        self.contract = contract
        self.pacers = pacers
        self.recorder = recorder
        self.redactor = redactor
        self.run_id = run_id
        self.register_cleanup = register_cleanup
        # A target without open signup accepts the operator's bearer token on signup (--bearer-token).
        self.signup_headers = {"Authorization": f"Bearer {signup_token}"} if signup_token else None
        self._version = self._policy_version()

    def client(self, identity: Identity, auth: str, *, retry_429: bool = True) -> ApiClient:
        return ApiClient(
            self.http,
            self.contract,
            identity,
            auth,
            self.pacers.get(identity.name),
            self.recorder,
            renew=self.renew,
            retry_429=retry_429,
        )

    def account(self, label: str, creds: AccountCredentials | None = None, extra_admins: int = 0) -> Account:
        anonymous = self.client(Identity(ANONYMOUS, "anonymous", ""), "none")
        if creds is None:
            email = f"cnx-{self.run_id}-{label}-{secrets.token_hex(3)}@example.com"
            password = secrets.token_urlsafe(18)
            self.redactor.add(password)
            reply = anonymous.call(
                "auth_signup",
                json={"email": email, "password": password, "display_name": f"cnx-{self.run_id}-{label}"},
                headers=self.signup_headers,
            )
            _expect(reply, "auth_signup", self.contract, BootstrapError, f"sign up account {label}")
        else:
            email, password = creds.email, creds.password
            self.redactor.add(password)
        root = Identity(f"{label}.root", "root", "")
        self._login(anonymous, root, email, password, CredentialsError if creds else BootstrapError)
        root_client = self.client(root, "cookie")
        admin_policy = self._create(
            root_client,
            "iam_policies_create",
            {
                "name": f"cnx-{self.run_id}-{label}-allow-all",
                "document": {"Version": self._version, "Statement": _ALLOW_ALL},
            },
        )
        read_policy = self._create(
            root_client,
            "iam_policies_create",
            {
                "name": f"cnx-{self.run_id}-{label}-read-only",
                "document": {"Version": self._version, "Statement": _READ_ONLY},
            },
        )
        admin = self._iam_user(root_client, f"{label}.admin", root.account_id, admin_policy["id"])
        restricted = self._iam_user(root_client, f"{label}.restricted", root.account_id, read_policy["id"])
        extra = [
            self._iam_user(root_client, f"{label}.admin{i}", root.account_id, admin_policy["id"])
            for i in range(2, 2 + extra_admins)
        ]
        return Account(label, root.account_id, email, password, root, admin, restricted, extra)

    def _login(
        self,
        anonymous: ApiClient,
        root: Identity,
        email: str,
        password: str,
        error: type[BootstrapError] | type[CredentialsError],
    ) -> None:
        reply = anonymous.call("auth_login", json={"email": email, "password": password})
        body = _expect(reply, "auth_login", self.contract, error, f"log in as {email}")
        cookies = parse_set_cookies(reply)
        if "cnx_access" not in cookies:
            exchange = Recorder(redactor()).record("bootstrap", reply.request, reply, reply.elapsed.total_seconds())
            raise ContractBreach(
                "COOKIE-FLAGS",
                f"auth_login answered {reply.status_code} without the cnx_access cookie the spec documents",
                exchange.to_dict(),
                "auth_login",
            )
        self.redactor.add(*cookies.values())
        root.cookie_header = f"cnx_access={cookies['cnx_access']}"
        root.refresh_cookie = cookies.get("cnx_refresh")
        root.cookie_obtained = time.monotonic()
        principal = body.get("principal", {})
        root.principal_id, root.account_id = principal.get("id", ""), principal.get("account_id", "")
        root.session_id = body.get("session_id")

    def _iam_user(self, root_client: ApiClient, name: str, account_id: str, policy_id: str) -> Identity:
        user = self._create(root_client, "iam_users_create", {"name": f"cnx-{self.run_id}-{name}"})
        attach = root_client.call(
            "iam_user_policies_attach", path_params={"iam_user_id": user["id"], "policy_id": policy_id}
        )
        _expect(attach, "iam_user_policies_attach", self.contract, BootstrapError, f"attach a policy to {name}")
        key = self._create(
            root_client, "access_keys_create", {}, path_params={"iam_user_id": user["id"]}, cleanup=False
        )  # deleting the IAM user removes its keys
        self.redactor.add(key.get("secret_access_key"))
        identity = Identity(
            name,
            "iam_user",
            account_id,
            principal_id=user["id"],
            access_key_id=key["id"],
            secret=key.get("secret_access_key"),
        )
        self.exchange(identity)
        return identity

    def exchange(self, identity: Identity) -> None:
        """Trade the identity's access key for a bearer JWT (iam_exchange_credentials)."""
        anonymous = self.client(Identity(ANONYMOUS, "anonymous", ""), "none")
        reply = anonymous.call(
            "iam_exchange_credentials",
            json={"access_key_id": identity.access_key_id, "secret_access_key": identity.secret},
        )
        body = _expect(
            reply,
            "iam_exchange_credentials",
            self.contract,
            BootstrapError,
            f"exchange the access key of {identity.name}",
        )
        identity.bearer = body["access_token"]
        identity.bearer_obtained = time.monotonic()
        self.redactor.add(identity.bearer)

    def renew(self, identity: Identity, auth: str) -> None:
        """Renew a token past 80% of its lifetime, so long runs never act with an expired one."""
        lifetimes = self.contract.ext("lifetimes")
        key = "exchange_token_seconds" if auth == "bearer" else "access_token_seconds"
        if identity.age(auth) < 0.8 * float(lifetimes[key]):
            return
        with identity.lock:
            if identity.age(auth) < 0.8 * float(lifetimes[key]):
                return
            if auth == "bearer" and identity.access_key_id:
                self.exchange(identity)
            elif auth == "cookie" and identity.refresh_cookie:
                self._refresh(identity)

    def _refresh(self, identity: Identity) -> None:
        anonymous = self.client(Identity(identity.name, "root", identity.account_id), "none")
        reply = anonymous.call("auth_refresh", headers={"Cookie": f"cnx_refresh={identity.refresh_cookie}"})
        _expect(reply, "auth_refresh", self.contract, BootstrapError, f"refresh the session of {identity.name}")
        cookies = parse_set_cookies(reply)
        self.redactor.add(*cookies.values())
        identity.cookie_header = f"cnx_access={cookies['cnx_access']}"
        identity.refresh_cookie = cookies.get("cnx_refresh", identity.refresh_cookie)
        identity.cookie_obtained = time.monotonic()

    def _create(
        self,
        client: ApiClient,
        operation_id: str,
        body: dict[str, Any],
        *,
        path_params: dict[str, str] | None = None,
        cleanup: bool = True,
    ) -> dict[str, Any]:
        reply = client.call(operation_id, json=body, path_params=path_params)
        created = _expect(
            reply, operation_id, self.contract, BootstrapError, f"{operation_id} {body.get('name', '')}"
        )
        if cleanup:
            delete = next((t for t in self.contract.op(operation_id).links.values() if t.endswith("_delete")), None)
            if delete:
                params = {**(path_params or {}), **_id_params(self.contract, delete, created)}
                self.register_cleanup(client.identity.name, delete, params)
        return created

    def _policy_version(self) -> str:
        document = self.contract.schema("PolicyDocument")
        return str(document["properties"]["Version"]["enum"][0])


def _id_params(contract: Contract, operation_id: str, created: dict[str, Any]) -> dict[str, str]:
    missing = list(contract.op(operation_id).path_params)
    return {missing[-1]: str(created.get("id", created.get("name", "")))} if missing else {}


def _expect(
    reply: httpx.Response,
    operation_id: str,
    contract: Contract,
    error: type[BootstrapError] | type[CredentialsError],
    doing: str,
) -> dict[str, Any]:
    """The JSON object of a setup reply; a reply against the contract is a ContractBreach (a failure).

    Only credentials from the user's config being refused stays a kit error (CredentialsError): that is a
    configuration to fix, not evidence about the target.
    """
    info = contract.op(operation_id)
    expected = info.success_status
    exchange = Recorder(redactor()).record("bootstrap", reply.request, reply, reply.elapsed.total_seconds())
    if reply.status_code != expected:
        detail = reply.text[:300]
        message = f"could not {doing}: {operation_id} answered {reply.status_code}, the spec requires {expected}"
        if error is CredentialsError and reply.status_code in (400, 401, 403):
            raise error(f"{message}: {detail}", hint="fix the [[accounts]] credentials in the config file")
        raise ContractBreach(breach_check(info, reply), f"{message}: {detail}", exchange.to_dict(), operation_id)
    try:
        body = reply.json()
    except ValueError:
        raise ContractBreach(
            "SCHEMA-CONTENT-TYPE",
            f"could not {doing}: {operation_id} answered a non-JSON body",
            exchange.to_dict(),
            operation_id,
        ) from None
    if not isinstance(body, dict):
        raise ContractBreach(
            "SCHEMA-RESPONSE",
            f"could not {doing}: {operation_id} answered {type(body).__name__}, not an object",
            exchange.to_dict(),
            operation_id,
        )
    return body
