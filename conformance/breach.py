"""A contract breach found while the suite sets itself up: a failure of the target, never a kit error.

The bootstrap (signup, login, IAM users, keys, token exchange) goes through the target's public API, so an
answer there that the spec forbids is evidence like any other: the run records it under the check id of the
broken rule, with the exchange and a curl line, and ends NON-CONFORMANT. Only a target that does not answer,
or is not a CloudNx API at all, stays a kit error.
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance.contract import OperationInfo

__all__ = ["ContractBreach", "breach_check"]


class ContractBreach(AssertionError):
    """The target answered a setup request against the contract."""

    def __init__(
        self, check_id: str, message: str, exchange: dict[str, Any] | None = None, operation: str | None = None
    ) -> None:
        super().__init__(message)
        self.check_id = check_id
        self.exchanges = [exchange] if exchange else []
        self.operation = operation  # the operationId whose answer broke the rule

    def again(self) -> ContractBreach:
        """The same breach as a fresh exception: re-raising one instance would grow its traceback every time."""
        return ContractBreach(self.check_id, str(self), self.exchanges[0] if self.exchanges else None, self.operation)


def breach_check(info: OperationInfo, reply: httpx.Response) -> str:
    """The catalogue check whose rule a wrong answer to a valid setup request breaks."""
    status = reply.status_code
    if status >= 500:
        return "NO-5XX"
    if 200 <= status < 300 and info.success_status == 201:
        return "STATUS-CREATE-201"  # a create answered with another 2xx
    if not info.documents(status) or 200 <= status < 300:
        return "SCHEMA-STATUS"
    return "INPUT-VALID-ACCEPTED"  # a documented refusal of the kit's valid request
