"""infra/template.yaml -> the local stack: physical names, resolved properties, functions.

The template is the single source of truth for both homes. Locally it is
translated with samtranslator exactly as CloudFormation's SAM transform would,
then intrinsic functions are resolved against local names (moto's CloudFormation
drops CORS, notifications and website config, so the local cloud does not use it).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"
# Translations kept by what they were made from (build/ is the repository's place for what is built);
# the newest few (a template edit, another parameter or samtranslator release makes one of its own).
TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "build" / "sam-translations"
TRANSLATIONS_KEPT = 16
# A start on port 0 (every test cloud) has a site origin of its own, which SAM's transform has no use
# for: translations are made and kept with this stand-in, and the origin is put back where it shows.
SITE_ORIGIN_STAND_IN = "https://site-origin.pettube.invalid"
# Stands in for the Lambda deployment package; nothing reads it locally.
LOCAL_CODE_URI = "s3://pettube-local-artifacts/lambda.zip"


class StackError(Exception):
    """The template uses something the local cloud cannot resolve."""


@dataclass(frozen=True)
class FunctionSpec:
    """What the local Lambda runtime needs to run one function like AWS would."""

    logical_id: str
    name: str
    handler: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    max_retries: int
    on_failure_queue: str | None


# What Ref AWS::NoValue yields: the property (or list item) is removed.
_NO_VALUE = object()


def _sam_transform(sam: dict[str, Any], parameters: dict[str, str], region: str) -> dict[str, Any]:
    """CloudFormation's SAM transform, as samtranslator (imported here: only a new template needs it)."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    translator = Translator({}, Parser(), boto_session=boto3.Session(region_name=region))
    return translator.translate(sam, parameter_values=dict(parameters))


def _keep(path: Path, text: str) -> None:
    """Write a translation for later starts, and drop all but the newest few."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(text)
        os.replace(partial, path)
        by_age = sorted(path.parent.glob("*.json"), key=lambda kept: kept.stat().st_mtime)
        for stale in by_age[:-TRANSLATIONS_KEPT]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only checkout translates at every start; another start may prune at the same time


def _kebab(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


class Stack:
    """The template resolved for one local deployment."""

    def __init__(
        self,
        parameters: dict[str, str],
        *,
        stack_name: str = "pettube",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        template_path: Path = TEMPLATE_PATH,
        attributes: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        try:
            sam = yaml_parse(template_path.read_text())  # the SAM CLI's own reader for !Ref and friends
        except Exception as exc:
            raise StackError(f"{template_path}: {exc}") from exc
        self._parameters_given = dict(parameters)
        self.sam_template = sam
        self.template = self._translate(sam)
        # Physical ids the provisioner only learns from moto (user pools, say).
        self.overrides: dict[str, str] = {}
        # Extra attribute values (GetAtt) known only at run time: site domain, ...
        self.attributes: dict[tuple[str, str], str] = dict(attributes or {})

    def _translate(self, sam: dict[str, Any]) -> dict[str, Any]:
        """The SAM transform of ``sam``; read from build/ when the same template, parameters, region and
        samtranslator release were translated before (importing and running samtranslator is 0.3-0.5 s
        of a cloud's start)."""
        sam = copy.deepcopy(sam)
        sam.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = LOCAL_CODE_URI
        origin = self._parameters_given.get("SiteOrigin", "")
        parameters = {**self._parameters_given, **({"SiteOrigin": SITE_ORIGIN_STAND_IN} if origin else {})}
        made_from = json.dumps({"sam": sam, "parameters": parameters, "region": self.region,
                                "samtranslator": version("aws-sam-translator")}, sort_keys=True, default=str)
        kept = TRANSLATIONS_DIR / f"{hashlib.sha256(made_from.encode()).hexdigest()}.json"
        # The template's AllowedPattern keeps the origin to characters JSON writes as they are.
        try:
            return json.loads(kept.read_text().replace(SITE_ORIGIN_STAND_IN, origin))
        except (OSError, ValueError):
            pass
        text = json.dumps(_sam_transform(sam, parameters, self.region))
        _keep(kept, text)
        return json.loads(text.replace(SITE_ORIGIN_STAND_IN, origin))

    @cached_property
    def parameters(self) -> dict[str, str]:
        """Template parameters with defaults applied."""
        values: dict[str, str] = {}
        for name, spec in self.template.get("Parameters", {}).items():
            if name in self._parameters_given:
                values[name] = str(self._parameters_given[name])
            elif "Default" in spec:
                values[name] = str(spec["Default"])
            else:
                raise StackError(f"parameter {name} has no value and no default")
        return values

    # ------------------------------------------------------------ naming
    def physical_name(self, logical_id: str) -> str:
        """The local physical id of a resource (what Ref returns)."""
        if logical_id in self.overrides:
            return self.overrides[logical_id]
        resource = self.template["Resources"].get(logical_id)
        if resource is None:
            raise StackError(f"no resource {logical_id}")
        kind, props = resource["Type"], resource.get("Properties", {})
        explicit = {"AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName",
                    "AWS::DynamoDB::Table": "TableName", "AWS::Logs::LogGroup": "LogGroupName"}.get(kind)
        if explicit and explicit in props:
            return self.resolve(props[explicit])
        if kind == "AWS::Cognito::IdentityPool":
            return f"{self.region}:{uuid.uuid5(uuid.NAMESPACE_URL, self.stack_name + '/' + logical_id)}"
        if kind == "AWS::ApiGateway::RestApi":
            return uuid.uuid5(uuid.NAMESPACE_URL, self.stack_name + "/" + logical_id).hex[:10]
        return f"{self.stack_name}-{_kebab(logical_id)}"

    def arn(self, logical_id: str) -> str:
        kind = self.template["Resources"][logical_id]["Type"]
        name, r, a = self.physical_name(logical_id), self.region, self.account_id
        arns = {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{r}:{a}:table/{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{r}:{a}:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{a}:role/{name}",
            "AWS::Lambda::Function": f"arn:aws:lambda:{r}:{a}:function:{name}",
            "AWS::Cognito::UserPool": f"arn:aws:cognito-idp:{r}:{a}:userpool/{name}",
            "AWS::Events::Rule": f"arn:aws:events:{r}:{a}:rule/{name}",
        }
        if kind in arns:
            return arns[kind]
        service = kind.split("::")[1].lower()  # resources the local cloud does not run (alarms, ...)
        return f"arn:aws:{service}:{r}:{a}:{name}"

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if (logical_id, attribute) in self.attributes:
            return self.attributes[(logical_id, attribute)]
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "ProviderName":  # a user pool's issuer, as Cognito Identity names it
            return f"cognito-idp.{self.region}.amazonaws.com/{self.physical_name(logical_id)}"
        if attribute == "QueueUrl":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{self.physical_name(logical_id)}"
        if attribute == "WebsiteURL":  # a bucket's website endpoint, as S3 names it
            return f"http://{self.physical_name(logical_id)}.s3-website-{self.region}.amazonaws.com"
        # Attributes of resources that exist only on AWS (CloudFront, OAC, ...): a
        # recognisable placeholder, never used by anything the local cloud runs.
        return f"{self.physical_name(logical_id)}.{attribute.lower()}.local"

    # -------------------------------------------------------- intrinsics
    def _pseudo(self, name: str) -> str:
        return {"AWS::Region": self.region, "AWS::AccountId": self.account_id,
                "AWS::StackName": self.stack_name, "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com"}[name]

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name.startswith("AWS::"):
            return self._pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        return self.physical_name(name)

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):  # ${!Literal} stays as ${Literal}: IAM policy variables
                return "${" + expr[1:] + "}"
            if expr in variables:
                return str(self.resolve(variables[expr]))
            if "." in expr and not expr.startswith("AWS::"):
                logical_id, attribute = expr.split(".", 1)
                return self._get_att(logical_id, attribute)
            return self._ref(expr)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:
        """Resolve the intrinsic functions in ``value`` to local strings."""
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._get_att(logical_id, attribute)
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                return self._sub(text, variables)
            if key == "Fn::Join":
                return str(arg[0]).join(str(self.resolve(v)) for v in arg[1])
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Condition":
                return self.condition(arg)
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not _NO_VALUE}

    # ------------------------------------------------------------ views
    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Every translated resource with its properties resolved to local values."""
        return {lid: {"Type": r["Type"], "Properties": self.resolve(r.get("Properties", {}))}
                for lid, r in self.template["Resources"].items()}

    def of_type(self, kind: str) -> list[str]:
        return [lid for lid, r in self.template["Resources"].items() if r["Type"] == kind]

    @property
    def functions(self) -> dict[str, FunctionSpec]:
        """Lambda functions with their environment, timeout and async retry settings."""
        invoke_configs = {props["FunctionName"]: props
                          for props in (self.resolve(self.template["Resources"][lid]["Properties"])
                                        for lid in self.of_type("AWS::Lambda::EventInvokeConfig"))}
        specs = {}
        for lid in self.of_type("AWS::Lambda::Function"):
            props = self.resolve(self.template["Resources"][lid]["Properties"])
            name = self.physical_name(lid)
            invoke = invoke_configs.get(name, {})
            on_failure = invoke.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            specs[lid] = FunctionSpec(
                logical_id=lid,
                name=name,
                handler=props["Handler"],
                timeout=int(props.get("Timeout", 3)),
                memory_mb=int(props.get("MemorySize", 128)),
                environment={k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()},
                max_retries=int(invoke.get("MaximumRetryAttempts", 2)),
                on_failure_queue=on_failure.rsplit(":", 1)[-1] if on_failure else None,
            )
        return specs

    def function_by_arn(self, arn: str) -> FunctionSpec:
        for spec in self.functions.values():
            if arn.rsplit(":", 1)[-1] == spec.name or arn == spec.name:
                return spec
        raise StackError(f"no function for {arn}")

    def outputs(self) -> dict[str, str]:
        return {name: str(self.resolve(o["Value"])) for name, o in self.template.get("Outputs", {}).items()}
