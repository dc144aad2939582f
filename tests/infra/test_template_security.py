"""Production defaults of the translated template: least privilege, private storage, logs, alarms."""

from __future__ import annotations

from typing import Any

import pytest

# The site bucket's design depends on SiteHosting: tests/infra/test_template_site.py.
BUCKETS = ("OriginalsBucket", "TranscodedBucket")
FUNCTIONS = ("UploadFunction", "JobStateFunction", "MyMediaFunction", "SweeperFunction")
OWN_PREFIX = "${cognito-identity.amazonaws.com:sub}/*"


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """Every inline policy statement of an IAM role resource."""
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def sub_text(value: Any) -> str:
    """The text of a Fn::Sub (or a plain string) resource."""
    return value["Fn::Sub"] if isinstance(value, dict) and "Fn::Sub" in value else str(value)


def either_branch(statements: Any) -> list[Any]:
    """A list of statements, or both branches of the Fn::If that picks one (the site bucket's)."""
    if isinstance(statements, dict) and "Fn::If" in statements:
        return [s for branch in statements["Fn::If"][1:] for s in branch]
    return statements


def bucket_policy(resources: dict[str, Any], bucket: str) -> list[dict[str, Any]]:
    return [s for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"
            and r["Properties"]["Bucket"] == {"Ref": bucket}
            for s in r["Properties"]["PolicyDocument"]["Statement"]]


def test_signed_in_users_write_only_under_their_own_identity_prefix(resources: dict[str, Any]) -> None:
    """A user's temporary credentials cannot touch another user's originals."""
    object_statements = [s for s in statements(resources["AuthenticatedRole"])
                         if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert object_statements, "the role grants no upload permission at all"
    for statement in object_statements:
        for resource in as_list(statement["Resource"]):
            assert sub_text(resource).endswith("/" + OWN_PREFIX.replace("${", "${!")), resource
    assert not any(s["Effect"] == "Allow" and "s3:GetObject" in as_list(s["Action"])
                   for s in statements(resources["AuthenticatedRole"])), "users read videos via presigned URLs only"


def test_authenticated_role_trusts_only_this_pools_signed_in_identities(resources: dict[str, Any]) -> None:
    trust = resources["AuthenticatedRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert len(trust) == 1
    condition = trust[0]["Condition"]
    assert trust[0]["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
    assert condition["StringEquals"]["cognito-identity.amazonaws.com:aud"] == {"Ref": "IdentityPool"}
    assert condition["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] == "authenticated"


def test_with_the_basic_flow_on_every_role_cognito_identities_can_assume_pins_the_pool_and_a_kind(
        resources: dict[str, Any]) -> None:
    """AllowClassicFlow lets anyone ask STS for any role with a Cognito token: only trust policies decide."""
    assert resources["IdentityPool"]["Properties"]["AllowClassicFlow"] is True
    trusting = {lid: s for lid, r in resources.items() if r["Type"] == "AWS::IAM::Role"
                for s in r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                if "cognito-identity.amazonaws.com" in as_list(s.get("Principal", {}).get("Federated", []))}
    assert set(trusting) == {"AuthenticatedRole", "GuestRole"}
    for logical_id, statement in trusting.items():
        condition = statement["Condition"]
        assert condition["StringEquals"]["cognito-identity.amazonaws.com:aud"] == {"Ref": "IdentityPool"}, logical_id
        assert condition["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] in (
            "authenticated", "unauthenticated"), logical_id


def test_originals_cors_exposes_etag_for_multipart_uploads(resources: dict[str, Any]) -> None:
    """Without ETag in the CORS answer the browser cannot complete a multipart upload."""
    (rule,) = resources["OriginalsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert "ETag" in rule["ExposedHeaders"]
    assert "*" not in rule["AllowedOrigins"]


@pytest.mark.parametrize("bucket", ["OriginalsBucket", "TranscodedBucket"])
def test_bucket_cors_allows_only_the_sites_origin(resources: dict[str, Any], bucket: str) -> None:
    for rule in resources[bucket]["Properties"]["CorsConfiguration"]["CorsRules"]:
        (origin,) = rule["AllowedOrigins"]
        cloudfront, override = origin["Fn::If"][1:]
        assert sub_text(cloudfront) == "https://${SiteDistribution.DomainName}"
        assert override == {"Ref": "SiteOrigin"}


@pytest.mark.parametrize("bucket", BUCKETS)
def test_every_bucket_is_private_encrypted_and_tls_only(resources: dict[str, Any], bucket: str) -> None:
    props = resources[bucket]["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    denies = [s for s in bucket_policy(resources, bucket) if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*"
               for s in denies), f"{bucket} accepts plain HTTP"


def test_presigned_urls_live_at_most_an_hour(translated: dict[str, Any], resources: dict[str, Any]) -> None:
    env = resources["MyMediaFunction"]["Properties"]["Environment"]["Variables"]
    assert env["URL_EXPIRY_SECONDS"] == {"Ref": "UrlExpirySeconds"}
    assert translated["Parameters"]["UrlExpirySeconds"]["MaxValue"] <= 3600


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_logs_to_a_group_with_retention(resources: dict[str, Any], function: str) -> None:
    group = resources[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert resources[group]["Type"] == "AWS::Logs::LogGroup"
    assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def alarms(resources: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]


def test_a_message_in_the_dead_letter_queue_raises_an_alarm(resources: dict[str, Any]) -> None:
    (alarm,) = [a for a in alarms(resources) if a["Namespace"] == "AWS/SQS"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_every_function_error_raises_an_alarm(resources: dict[str, Any]) -> None:
    watched = {a["Dimensions"][0]["Value"]["Ref"] for a in alarms(resources)
               if a["Namespace"] == "AWS/Lambda" and a["MetricName"] == "Errors"
               and (a["ComparisonOperator"], a["Threshold"]) == ("GreaterThanThreshold", 0)}
    assert watched == set(FUNCTIONS)


def test_alarms_mail_the_alarm_email_only_when_one_is_given(translated: dict[str, Any],
                                                            resources: dict[str, Any]) -> None:
    assert translated["Parameters"]["AlarmEmail"]["Default"] == ""
    assert resources["AlarmTopic"]["Condition"] == "HasAlarmEmail"
    for alarm in alarms(resources):
        assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}


def test_no_allow_statement_uses_a_wildcard_action(resources: dict[str, Any]) -> None:
    """Wildcards appear only in Deny statements (the TLS-only bucket policies)."""
    documents = [s for r in resources.values() if r["Type"] == "AWS::IAM::Role" for s in statements(r)]
    documents += [s for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"
                  for s in either_branch(r["Properties"]["PolicyDocument"]["Statement"])]
    wild = [s for s in documents if s["Effect"] == "Allow" and any("*" in a for a in as_list(s["Action"]))]
    assert wild == []


def test_no_allow_statement_grants_every_resource(resources: dict[str, Any]) -> None:
    """Resource "*" only where AWS offers nothing narrower (none, today)."""
    roles = [s for r in resources.values() if r["Type"] == "AWS::IAM::Role" for s in statements(r)]
    assert [s for s in roles if s["Effect"] == "Allow" and "*" in as_list(s.get("Resource"))] == []
