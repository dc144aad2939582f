"""The identity pool's roles, from the template's role attachment, and the policy of each.

Cognito Identity gives signed-in identities the attachment's ``authenticated``
role and guests its ``unauthenticated`` one; the session token records which
(and any managed session policy that scopes it down), and the S3 guard and the
local API Gateway hold each request to that role's inline policies, intersected
with the session policy. Nothing here names a role: the attachment does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from localcloud.access.credentials import SessionCredentials
from localcloud.access.policy import Policy, ScopedPolicy, role_policy
from localcloud.access.sessionpolicies import MANAGED_SESSION_POLICIES
from localcloud.stack import Stack, StackError

POOL_LOGICAL_ID = "IdentityPool"
_NOTHING = Policy(())


@dataclass(frozen=True)
class PoolRoles:
    """Role ARNs by kind of identity ("authenticated", "unauthenticated"), and each role's policy by ARN."""

    by_kind: Mapping[str, str]
    policies: Mapping[str, Policy]

    def policy_of(self, session: SessionCredentials) -> Policy | ScopedPolicy:
        """What the session may do: its role's policy (nothing for a role the pool no longer attaches), within
        the session policy the credentials were issued with, if any (an unknown one allows nothing)."""
        role = self.policies.get(session.role_arn, _NOTHING)
        if not session.session_policy:
            return role
        return ScopedPolicy(role, MANAGED_SESSION_POLICIES.get(session.session_policy, _NOTHING))


def pool_roles(stack: Stack) -> PoolRoles:
    """The roles the template's IdentityPoolRoleAttachment gives the pool's identities."""
    resources = stack.resources
    pool_id = stack.physical_name(POOL_LOGICAL_ID)
    attached = [r["Properties"].get("Roles", {}) for r in resources.values()
                if r["Type"] == "AWS::Cognito::IdentityPoolRoleAttachment"
                and r["Properties"].get("IdentityPoolId") == pool_id]
    if len(attached) != 1:
        raise StackError(f"the template must attach roles to {POOL_LOGICAL_ID} exactly once")
    by_kind = {kind: str(arn) for kind, arn in attached[0].items()}
    role_ids = {stack.arn(lid): lid for lid in stack.of_type("AWS::IAM::Role")}
    unknown = sorted(set(by_kind.values()) - role_ids.keys())
    if unknown:
        raise StackError(f"{POOL_LOGICAL_ID}'s role attachment names roles the template lacks: {unknown}")
    return PoolRoles(by_kind, {arn: role_policy(resources, role_ids[arn]) for arn in by_kind.values()})
