"""infra/template.yaml -> the picture's nodes and edges (no drawing here).

Nodes are the template's resources, named by logical id, plus what the template
only refers to: the browser, the sign-in providers, MediaConvert, and one node per
event rule or schedule a function declares. Edges come from the template's own
wiring: function events, IAM policy statements (what each role may do to which
resource), the identity pool's role attachment, CloudFront's origins and the
functions' failure destinations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

BROWSER = "Browser"
MEDIACONVERT = "MediaConvert"
# What plays each kind of node in the local cloud (make dev): the picture's second home.
LOCAL = {
    "AWS::S3::Bucket": "moto S3",
    "AWS::DynamoDB::Table": "moto DynamoDB",
    "AWS::SQS::Queue": "moto SQS",
    "AWS::Serverless::Function": "PetTube's Lambda runtime",
    "AWS::Serverless::Api": "PetTube's API Gateway",
    "AWS::CloudFront::Distribution": "PetTube's site server",
    "AWS::Cognito::UserPool": "moto Cognito user pool",
    "AWS::Cognito::IdentityPool": "PetTube's Cognito Identity",
    "AWS::IAM::Role": "PetTube's access guard",
    "EventBridgeRule": "moto EventBridge",
    "Schedule": "PetTube's scheduler",
    "mediaconvert": "PetTube's MediaConvert (ffmpeg)",
    "accounts.google.com": "PetTube's Google stand-in",
    "browser": "the same page",
}
# Function event types drawn as a rule node of their own (S3 and Api events are edges).
RULE_EVENTS = ("EventBridgeRule", "Schedule", "ScheduleV2", "CloudWatchEvent")
OPERATIONS = ("AWS::CloudWatch::Alarm", "AWS::Logs::LogGroup", "AWS::SNS::Topic")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


@dataclass(frozen=True)
class Node:
    """One box: ``kind`` picks its shape and colour; ``local`` is what runs it in the local cloud."""

    id: str
    kind: str
    title: str
    detail: str = ""
    local: str = ""


@dataclass(frozen=True)
class Edge:
    """An arrow: ``style`` is "flow" (the video's path), "grant" (what a role may do) or "failure"."""

    source: str
    target: str
    label: str = ""
    style: str = "flow"


@dataclass
class Diagram:
    """Everything drawn, in template order (so the picture is stable from run to run)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    operations: dict[str, list[str]] = field(default_factory=dict)

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def link(self, edge: Edge) -> None:
        """Add ``edge``, or merge its label into the arrow already drawn between the same nodes."""
        for index, drawn in enumerate(self.edges):
            if (drawn.source, drawn.target, drawn.style) == (edge.source, edge.target, edge.style):
                if edge.label and edge.label not in drawn.label:
                    glue = ", " if "\n" not in drawn.label + edge.label else "\n"
                    self.edges[index] = Edge(drawn.source, drawn.target, glue.join(filter(None, (drawn.label, edge.label))),
                                             drawn.style)
                return
        self.edges.append(edge)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The SAM template as data (short-form intrinsics expanded, as the deploy reads it)."""
    return yaml_parse(path.read_text(encoding="utf-8"))


def refs(value: Any, names: set[str]) -> Iterator[str]:
    """Logical ids among ``names`` that ``value`` refers to through Ref, GetAtt or Sub."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and inner in names:
                yield inner
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                if target in names:
                    yield target
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                yield from (name for name in _SUB_NAME.findall(text) if name in names)
            else:
                yield from refs(inner, names)
    elif isinstance(value, list):
        for inner in value:
            yield from refs(inner, names)


def build(template: dict[str, Any]) -> Diagram:
    """The picture of ``template``."""
    resources: dict[str, dict[str, Any]] = template["Resources"]
    diagram = Diagram()
    diagram.add(Node(BROWSER, "browser", "Browser", "the PyScript page", LOCAL["browser"]))
    for lid, resource in resources.items():
        kind = resource["Type"]
        if kind in OPERATIONS:
            diagram.operations.setdefault(kind, []).append(lid)
        elif kind in LOCAL and not _service_role(resource):
            diagram.add(Node(lid, kind, lid, _detail(resource), LOCAL[kind]))
    _sign_in(diagram, resources)
    for lid, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            _function(diagram, lid, resource, resources)
        elif resource["Type"] == "AWS::CloudFront::Distribution":
            diagram.link(Edge(BROWSER, lid, "loads the page"))
            for origin in resource["Properties"]["DistributionConfig"]["Origins"]:
                # An origin a condition picks (the site bucket's website or REST endpoint): either branch.
                for choice in origin["Fn::If"][1:] if "Fn::If" in origin else [origin]:
                    for target in refs(choice["DomainName"], set(resources)):
                        diagram.link(Edge(lid, target))
        elif resource["Type"] == "AWS::IAM::Role":
            _grants(diagram, lid, resource, resources)
    return diagram


def _detail(resource: dict[str, Any]) -> str:
    """One short line of what a resource is, from its own properties."""
    props = resource.get("Properties", {})
    match resource["Type"]:
        case "AWS::Serverless::Function":
            return props.get("Handler", "")
        case "AWS::DynamoDB::Table":
            indexes = props.get("LocalSecondaryIndexes", []) + props.get("GlobalSecondaryIndexes", [])
            return ", ".join(index["IndexName"] for index in indexes)
        case "AWS::Cognito::IdentityPool":
            return "guests allowed" if props.get("AllowUnauthenticatedIdentities") else "signed-in users only"
        case "AWS::Serverless::Api":
            return str(props.get("Auth", {}).get("DefaultAuthorizer", ""))
    return ""


def _sign_in(diagram: Diagram, resources: dict[str, dict[str, Any]]) -> None:
    """Browser -> sign-in providers -> identity pool -> the role each kind of visitor gets."""
    names = set(resources)
    for lid, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Cognito::IdentityPool":
            for provider in props.get("SupportedLoginProviders", {}):
                diagram.add(Node(provider, "provider", provider, "ID tokens", LOCAL.get(provider, "")))
                diagram.link(Edge(BROWSER, provider, "sign in"))
            for provider in props.get("CognitoIdentityProviders", []):
                for pool in refs(provider, names):
                    if resources[pool]["Type"] == "AWS::Cognito::UserPool":
                        diagram.link(Edge(BROWSER, pool, "sign in"))
            diagram.link(Edge(BROWSER, lid, "ID token (or none: guest)\n-> temporary credentials"
                              if props.get("AllowUnauthenticatedIdentities") else "ID token -> temporary credentials"))
        elif resource["Type"] == "AWS::Cognito::IdentityPoolRoleAttachment":
            for pool in refs(props["IdentityPoolId"], names):
                for visitor, role in props.get("Roles", {}).items():
                    for target in refs(role, names):
                        diagram.link(Edge(pool, target, f"{visitor} visitors", "grant"))


def _statements(policies: Any) -> Iterator[dict[str, Any]]:
    """Allow statements of SAM function policies or IAM role inline policies."""
    for policy in policies if isinstance(policies, list) else [policies]:
        if not isinstance(policy, dict):
            continue  # a managed policy's name: nothing to draw
        document = policy.get("PolicyDocument", policy)
        for statement in document.get("Statement", []):
            if statement.get("Effect") == "Allow":
                yield statement


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return action if isinstance(action, list) else [action]


def _grant_label(statement: dict[str, Any], target: str) -> str:
    """The actions, without their service prefix, and what part of the target (a key or route pattern)."""
    label = ", ".join(action.split(":", 1)[1] for action in _actions(statement))
    for resource in statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]:
        text = resource.get("Fn::Sub", "") if isinstance(resource, dict) else ""
        text = text[0] if isinstance(text, list) else text
        marker = f"${{{target}}}/"
        if marker in text:  # an API: the route pattern after its stage, e.g. GET/shared/*
            label += "\n" + text.split(marker, 1)[1].split("/", 1)[1]
        elif "${!cognito-identity.amazonaws.com:sub}" in text:
            label += "\nunder the visitor's own prefix"
    return label


def _service_role(resource: dict[str, Any]) -> str:
    """The AWS service a role is for ('' for a role people's credentials come from): drawn as that service."""
    if resource["Type"] != "AWS::IAM::Role":
        return ""
    statements = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return next((s["Principal"]["Service"] for s in statements if "Service" in s.get("Principal", {})), "")


def _grants(diagram: Diagram, lid: str, resource: dict[str, Any], resources: dict[str, dict[str, Any]]) -> None:
    """What a role may do, drawn from the role to each resource its policies name."""
    props = resource["Properties"]
    source = MEDIACONVERT if _service_role(resource) == "mediaconvert.amazonaws.com" else lid
    if source == MEDIACONVERT:
        _mediaconvert(diagram, f"as {lid}")
    for statement in _statements(props.get("Policies", [])):
        for target in dict.fromkeys(refs(statement.get("Resource"), set(resources))):
            diagram.link(Edge(source, target, _grant_label(statement, target), "flow" if source == MEDIACONVERT
                              else "grant"))


def _function(diagram: Diagram, lid: str, resource: dict[str, Any], resources: dict[str, dict[str, Any]]) -> None:
    """A function's triggers (S3, API routes, rules, schedules), its calls and its failure destination."""
    names = set(resources)
    props = resource["Properties"]
    routes: dict[str, list[str]] = {}
    for event_name, event in props.get("Events", {}).items():
        event_props = event.get("Properties", {})
        if event["Type"] == "S3":
            for bucket in refs(event_props["Bucket"], names):
                diagram.link(Edge(bucket, lid, str(event_props["Events"]).removeprefix("s3:")))
        elif event["Type"] == "Api":
            for api in refs(event_props.get("RestApiId"), names):
                routes.setdefault(api, []).append(f"{event_props['Method'].upper()} {event_props['Path']}")
        elif event["Type"] in RULE_EVENTS:
            rule = f"{lid}.{event_name}"
            pattern = event_props.get("Pattern", {})
            detail = event_props.get("Schedule") or ", ".join(pattern.get("detail-type", []))
            kind = "Schedule" if "Schedule" in event["Type"] else "EventBridgeRule"
            title = f"{event_name} ({'schedule' if kind == 'Schedule' else 'EventBridge rule'})"
            diagram.add(Node(rule, kind, title, detail, LOCAL[kind]))
            diagram.link(Edge(rule, lid))
            for source in pattern.get("source", []):
                if source == "aws.mediaconvert":
                    _mediaconvert(diagram)
                    diagram.link(Edge(MEDIACONVERT, rule, "job events"))
    for api, paths in routes.items():
        diagram.link(Edge(api, lid, "\n".join(paths)))
    failure = props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure", {})
    failed_to = set(refs(failure.get("Destination"), names))
    for target in failed_to:
        diagram.link(Edge(lid, target, "failed events", "failure"))
    for statement in _statements(props.get("Policies", [])):
        actions = _actions(statement)
        targets = [t for t in dict.fromkeys(refs(statement.get("Resource"), names)) if t not in failed_to]
        if any(action.startswith("mediaconvert:") for action in actions):
            _mediaconvert(diagram)
            diagram.link(Edge(lid, MEDIACONVERT, _grant_label(statement, MEDIACONVERT)))
        elif not any(action.startswith("iam:") for action in actions):
            for target in targets:
                if target in diagram.nodes:
                    diagram.link(Edge(lid, target, _grant_label(statement, target)))


def _mediaconvert(diagram: Diagram, detail: str = "") -> None:
    """The MediaConvert node: a service the template only refers to (jobs, events, its role)."""
    current = diagram.nodes.get(MEDIACONVERT)
    if current is None or (detail and not current.detail):
        diagram.nodes[MEDIACONVERT] = Node(MEDIACONVERT, "service", "AWS Elemental MediaConvert", detail,
                                           LOCAL["mediaconvert"])
