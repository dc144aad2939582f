"""Evaluate an IAM identity policy the way AWS does for one request.

Explicit Deny wins, then any Allow, otherwise the implicit deny. Supported:
Action/NotAction, Resource/NotResource with ``*``/``?`` wildcards, policy
variables such as ``${cognito-identity.amazonaws.com:sub}`` (a variable with no
value makes its statement match nothing, as in IAM), and the condition
operators String(Not)Equals, String(Not)Like, Bool and Null with optional
ForAnyValue/ForAllValues. A statement with any other operator is treated as
not matching for Allow and matching for Deny: unknown conditions fail closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class _Unresolved(Exception):
    """A policy variable has no value for this request."""


@lru_cache(maxsize=512)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _listify(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _substitute(text: str, variables: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) not in variables:
            raise _Unresolved(match.group(1))
        return variables[match.group(1)]

    return _VARIABLE.sub(one, text)


@dataclass(frozen=True)
class RequestContext:
    """One authorisation question: may this principal do ``action`` on ``resource``?"""

    action: str
    resource: str
    variables: Mapping[str, str] = field(default_factory=dict)
    # Condition keys (s3:prefix, aws:SecureTransport, ...) with their values.
    keys: Mapping[str, list[str]] = field(default_factory=dict)


def _matches_any(patterns: list[str], value: str, *, ignore_case: bool, variables: Mapping[str, str]) -> bool:
    for pattern in patterns:
        try:
            if _wildcard(_substitute(pattern, variables), ignore_case).match(value):
                return True
        except _Unresolved:
            continue
    return False


def _string_test(op: str, expected: list[str], actual: str, variables: Mapping[str, str]) -> bool:
    like = op.startswith("StringLike") or op.startswith("StringNotLike")
    ignore_case = "IgnoreCase" in op
    if like:
        return _matches_any(expected, actual, ignore_case=ignore_case, variables=variables)
    wanted = []
    for value in expected:
        try:
            wanted.append(_substitute(value, variables))
        except _Unresolved:
            continue
    return (actual.lower() in [w.lower() for w in wanted]) if ignore_case else actual in wanted


def _condition_holds(op: str, key: str, expected: list[str], context: RequestContext) -> bool | None:
    """True/False for a supported operator; None when the operator is not supported."""
    qualifier, _, base = op.rpartition(":")
    values = context.keys.get(key)
    if base == "Null":
        return (values is None) == (expected[0].lower() == "true")
    negated = base.startswith("StringNot")
    positive = base.replace("StringNot", "String")
    if positive not in ("StringEquals", "StringLike", "StringEqualsIgnoreCase", "Bool"):
        return None
    if values is None:
        return negated  # a missing key satisfies only the negated operators
    if positive == "Bool":
        results = [v.lower() in [e.lower() for e in expected] for v in values]
    else:
        results = [_string_test(positive, expected, v, context.variables) for v in values]
    if negated:
        results = [not r for r in results]
    if qualifier == "ForAllValues":
        return all(results)
    return any(results) if qualifier == "ForAnyValue" or len(results) != 1 else results[0]


def _conditions_hold(conditions: Mapping[str, Mapping[str, Any]], context: RequestContext) -> bool | None:
    for op, tests in conditions.items():
        for key, expected in tests.items():
            held = _condition_holds(op, key, _listify(expected), context)
            if held is not True:
                return held
    return True


def _statement_applies(statement: Mapping[str, Any], context: RequestContext) -> bool | None:
    if "Action" in statement:
        if not _matches_any(_listify(statement["Action"]), context.action, ignore_case=True, variables={}):
            return False
    elif _matches_any(_listify(statement.get("NotAction", [])), context.action, ignore_case=True, variables={}):
        return False
    if "Resource" in statement:
        if not _matches_any(_listify(statement["Resource"]), context.resource, ignore_case=False,
                            variables=context.variables):
            return False
    elif _matches_any(_listify(statement.get("NotResource", [])), context.resource, ignore_case=False,
                      variables=context.variables):
        return False
    return _conditions_hold(statement.get("Condition", {}), context)


@dataclass(frozen=True)
class Policy:
    """The statements of one principal's identity policies, ready to evaluate."""

    statements: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any]]) -> Policy:
        """Flatten policy documents (each with a Statement dict or list) into one policy."""
        statements: list[Mapping[str, Any]] = []
        for document in documents:
            found = document.get("Statement", [])
            statements.extend(found if isinstance(found, list) else [found])
        return cls(tuple(statements))

    def allows(self, context: RequestContext) -> bool:
        """True when an Allow statement matches and no Deny statement does."""
        allowed = False
        for statement in self.statements:
            applies = _statement_applies(statement, context)
            if statement.get("Effect") == "Deny" and applies is not False:
                return False  # an unsupported condition on a Deny fails closed too
            if statement.get("Effect") == "Allow" and applies is True:
                allowed = True
        return allowed


@dataclass(frozen=True)
class ScopedPolicy:
    """A role's policy narrowed by a session policy: allowed only where both allow (AWS's intersection)."""

    role: Policy
    session: Policy

    def allows(self, context: RequestContext) -> bool:
        """True when the role allows the request and the session policy does too."""
        return self.role.allows(context) and self.session.allows(context)


def role_policy(resources: Mapping[str, Mapping[str, Any]], logical_id: str) -> Policy:
    """The inline policies of a role in the resolved template (e.g. AuthenticatedRole)."""
    inline = resources[logical_id]["Properties"].get("Policies", [])
    return Policy.from_documents(p["PolicyDocument"] for p in inline)
