"""Create the template's resources in moto with plain boto3 calls.

moto's CloudFormation drops bucket CORS, notifications and website settings,
so each resource type the template uses is provisioned here from its resolved
properties. Event wiring that AWS does inside Lambda (S3 -> function,
EventBridge rule -> function) becomes "-> the function's event queue", which
the local Lambda runtime polls. Every step is idempotent: a restarted cloud
with kept state provisions onto what is already there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from localcloud.lambdaruntime.schedules import Schedule, UnsupportedSchedule, rate_seconds
from localcloud.stack import Stack

log = logging.getLogger("localcloud.provision")


# CloudFormation's CorsRule property names -> the S3 API's.
_CORS_API_NAMES = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}


def event_queue_name(function_name: str) -> str:
    """The local stand-in for Lambda's internal async-invocation queue of one function."""
    return f"{function_name}-events"


class Provisioner:
    """Turns the resolved stack into moto resources through admin boto3 clients."""

    def __init__(self, stack: Stack, client: Callable[[str], Any]) -> None:
        self.stack = stack
        self._client = client
        self.queue_urls: dict[str, str] = {}
        self.schedules: list[Schedule] = []

    def run(self) -> None:
        # User pools first: moto chooses their ids, and other resources refer to them.
        self._user_pools()
        resources = self.stack.resources
        for lid, resource in resources.items():
            handler = {
                "AWS::S3::Bucket": self._bucket,
                "AWS::DynamoDB::Table": self._table,
                "AWS::SQS::Queue": self._queue,
            }.get(resource["Type"])
            if handler:
                handler(lid, resource["Properties"])
        for spec in self.stack.functions.values():
            self.queue_urls[spec.logical_id] = self._ensure_queue(event_queue_name(spec.name), {})
        for lid, resource in resources.items():
            if resource["Type"] == "AWS::S3::Bucket":
                self._notifications(lid, resource["Properties"])
            elif resource["Type"] == "AWS::S3::BucketPolicy":
                self._bucket_policy(resource["Properties"])
            elif resource["Type"] == "AWS::Events::Rule":
                self._rule(lid, resource["Properties"])

    # ------------------------------------------------------------ S3
    def _bucket(self, lid: str, props: dict[str, Any]) -> None:
        s3, name = self._client("s3"), self.stack.physical_name(lid)
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if name not in existing:
            s3.create_bucket(Bucket=name)
        if "CorsConfiguration" in props:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
                {_CORS_API_NAMES.get(k, k): v for k, v in rule.items()}
                for rule in props["CorsConfiguration"]["CorsRules"]]})
        if "LifecycleConfiguration" in props:
            rules = [{"ID": r["Id"], "Status": r["Status"], "Filter": {"Prefix": ""},
                      "AbortIncompleteMultipartUpload": r["AbortIncompleteMultipartUpload"]}
                     for r in props["LifecycleConfiguration"]["Rules"] if "AbortIncompleteMultipartUpload" in r]
            if rules:
                s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        if "BucketEncryption" in props:
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if "WebsiteConfiguration" in props:
            # CloudFormation's IndexDocument and ErrorDocument are the API's Suffix and Key.
            website = props["WebsiteConfiguration"]
            error = {"ErrorDocument": {"Key": website["ErrorDocument"]}} if "ErrorDocument" in website else {}
            s3.put_bucket_website(Bucket=name, WebsiteConfiguration={
                "IndexDocument": {"Suffix": website["IndexDocument"]}, **error})

    def _bucket_policy(self, props: dict[str, Any]) -> None:
        """The policy without its TLS-only statements: the edge's plain HTTP on 127.0.0.1 stands in for
        S3's HTTPS endpoint, and moto would refuse it (the site's public reads are what matters here)."""
        statements = [s for s in props["PolicyDocument"]["Statement"]
                      if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))]
        if statements:
            self._client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(
                {**props["PolicyDocument"], "Statement": statements}))

    def _notifications(self, lid: str, props: dict[str, Any]) -> None:
        lambdas = props.get("NotificationConfiguration", {}).get("LambdaConfigurations", [])
        if not lambdas:
            return
        sqs = self._client("sqs")
        configurations = []
        for entry in lambdas:
            spec = self.stack.function_by_arn(entry["Function"])
            queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_urls[spec.logical_id],
                                                 AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            configuration = {"QueueArn": queue_arn, "Events": [entry["Event"]]}
            if "Filter" in entry:
                configuration["Filter"] = entry["Filter"]
            configurations.append(configuration)
        self._client("s3").put_bucket_notification_configuration(
            Bucket=self.stack.physical_name(lid),
            NotificationConfiguration={"QueueConfigurations": configurations})

    # ------------------------------------------------------ DynamoDB
    def _table(self, lid: str, props: dict[str, Any]) -> None:
        ddb, name = self._client("dynamodb"), self.stack.physical_name(lid)
        if name in ddb.list_tables()["TableNames"]:
            self._missing_indexes(name, props)
            return
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes", "StreamSpecification", "ProvisionedThroughput"):
            if key in props:
                args[key] = props[key]
        ddb.create_table(**args)

    def _missing_indexes(self, name: str, props: dict[str, Any]) -> None:
        """Add the GSIs a newer template declares to a table kept from an earlier start, as a stack update would."""
        ddb = self._client("dynamodb")
        table = ddb.describe_table(TableName=name)["Table"]
        present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
        for index in props.get("GlobalSecondaryIndexes", []):
            if index["IndexName"] not in present:
                # UpdateTable creates one GSI per call, with the definitions of its key attributes.
                ddb.update_table(TableName=name, AttributeDefinitions=props["AttributeDefinitions"],
                                 GlobalSecondaryIndexUpdates=[{"Create": index}])
                log.info(json.dumps({"event": "index_added", "table": name, "index": index["IndexName"]}))

    # ----------------------------------------------------------- SQS
    def _queue(self, lid: str, props: dict[str, Any]) -> None:
        attributes = {k: str(v) for k, v in props.items()
                      if k in ("MessageRetentionPeriod", "VisibilityTimeout", "DelaySeconds")}
        self._ensure_queue(self.stack.physical_name(lid), attributes)

    def _ensure_queue(self, name: str, attributes: dict[str, str]) -> str:
        return self._client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    # --------------------------------------------------- EventBridge
    def _rule(self, lid: str, props: dict[str, Any]) -> None:
        if "ScheduleExpression" in props:
            self._schedule(lid, props)
            return
        events, sqs = self._client("events"), self._client("sqs")
        name = self.stack.physical_name(lid)
        events.put_rule(Name=name, EventPattern=json.dumps(props["EventPattern"]),
                        State=props.get("State", "ENABLED"))
        targets = []
        for target in props.get("Targets", []):
            spec = self.stack.function_by_arn(target["Arn"])
            queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_urls[spec.logical_id],
                                                 AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            targets.append({"Id": target["Id"], "Arn": queue_arn})
        if targets:
            events.put_targets(Rule=name, Targets=targets)

    def _schedule(self, lid: str, props: dict[str, Any]) -> None:
        if props.get("State", "ENABLED") != "ENABLED":
            return
        try:
            period = rate_seconds(props["ScheduleExpression"])
        except UnsupportedSchedule as exc:
            log.warning("%s: %s", lid, exc)
            return
        for target in props.get("Targets", []):
            spec = self.stack.function_by_arn(target["Arn"])
            self.schedules.append(Schedule(self.stack.arn(lid), spec.logical_id, period))

    # ------------------------------------------------------- Cognito
    def _user_pools(self) -> None:
        idp = self._client("cognito-idp")
        template = self.stack.template["Resources"]
        existing = {p["Name"]: p["Id"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]}
        for lid in self.stack.of_type("AWS::Cognito::UserPool"):
            props = self.stack.resolve(template[lid].get("Properties", {}))
            name = self.stack.physical_name(lid)
            if name in existing:
                pool_id = existing[name]
            else:
                args = {k: props[k] for k in ("UsernameAttributes", "AutoVerifiedAttributes", "Policies",
                                              "AccountRecoverySetting") if k in props}
                pool_id = idp.create_user_pool(PoolName=name, **args)["UserPool"]["Id"]
            self.stack.overrides[lid] = pool_id
        for lid in self.stack.of_type("AWS::Cognito::UserPoolClient"):
            props = self.stack.resolve(template[lid].get("Properties", {}))
            pool_id, name = props["UserPoolId"], self.stack.physical_name(lid)
            clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
            found = [c["ClientId"] for c in clients if c["ClientName"] == name]
            args = {k: props[k] for k in ("ExplicitAuthFlows", "PreventUserExistenceErrors") if k in props}
            if found:  # a library kept from an older template: its client gets today's flows
                client_id = found[0]
                idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, **args)
            else:
                client_id = idp.create_user_pool_client(
                    UserPoolId=pool_id, ClientName=name, GenerateSecret=bool(props.get("GenerateSecret", False)),
                    **args)["UserPoolClient"]["ClientId"]
            self.stack.overrides[lid] = client_id
