"""docs/architecture.svg shows what infra/template.yaml deploys: every function, bucket, table,
queue, rule, API route, identity pool and role, and nothing typed by hand."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tools.architecture import __main__ as architecture
from tools.architecture import dot, model

DOCS = Path(__file__).resolve().parents[2] / "docs"
SVG_NS = {"svg": "http://www.w3.org/2000/svg"}
# Resource types the picture must show as a box of their own, named by logical id.
DRAWN = {"AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::S3::Bucket", "AWS::DynamoDB::Table",
         "AWS::SQS::Queue", "AWS::Serverless::Api", "AWS::ApiGateway::RestApi", "AWS::Events::Rule",
         "AWS::Cognito::IdentityPool", "AWS::Cognito::UserPool", "AWS::IAM::Role"}


def expected(template: dict[str, Any]) -> tuple[set[str], set[str]]:
    """What the template says must be in the picture: box names, and texts (routes, service roles)."""
    boxes, texts = set(), set()
    for lid, resource in template["Resources"].items():
        if resource["Type"] not in DRAWN:
            continue
        trust = resource.get("Properties", {}).get("AssumeRolePolicyDocument", {}).get("Statement", [{}])
        if any("Service" in statement.get("Principal", {}) for statement in trust):
            texts.add(lid)  # a role for an AWS service is drawn as that service, "as <role>"
        else:
            boxes.add(lid)
        for name, event in resource.get("Properties", {}).get("Events", {}).items():
            if event["Type"] == "Api":
                texts.add(f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}")
            elif event["Type"] != "S3":
                boxes.add(f"{lid}.{name}")  # rules and schedules: a box per event
    return boxes, texts


def picture(svg: str) -> tuple[set[str], str]:
    """The node names and all the text of a Graphviz SVG."""
    root = ET.fromstring(svg[svg.index("<svg"):])
    names = {g.findtext("svg:title", namespaces=SVG_NS) for g in root.iter(f"{{{SVG_NS['svg']}}}g")
             if g.get("class") == "node"}
    return names, " ".join(t.text or "" for t in root.iter(f"{{{SVG_NS['svg']}}}text"))


def test_the_committed_picture_shows_every_resource_of_the_template() -> None:
    boxes, texts = expected(model.load_template())
    names, text = picture((DOCS / "architecture.svg").read_text())
    assert not boxes - names, f"run python -m tools.architecture: the picture lacks {sorted(boxes - names)}"
    assert not {t for t in texts if t not in text}, "the picture lacks these routes or roles"


def test_the_committed_picture_is_drawn_from_the_current_template(capsys: pytest.CaptureFixture[str]) -> None:
    assert architecture.main(["--check"]) == 0, capsys.readouterr().err


def test_a_resource_added_to_the_template_is_drawn_with_its_wiring() -> None:
    template = copy.deepcopy(model.load_template())
    resources = template["Resources"]
    resources["ThumbnailsQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    resources["ArchiveBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {}}
    resources["ArchiveFunction"] = {"Type": "AWS::Serverless::Function", "Properties": {
        "Handler": "pettube.archive.handler",
        "Events": {"Nightly": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 day)"}},
                   "Watched": {"Type": "Api", "Properties": {"RestApiId": {"Ref": "MyMediaApi"},
                                                             "Path": "/archive", "Method": "post"}}},
        "Policies": [{"Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"],
                                     "Resource": {"Fn::Sub": "${ArchiveBucket.Arn}/*"}}]}]}}
    diagram = model.build(template)
    boxes, texts = expected(template)
    assert boxes <= set(diagram.nodes)
    edges = {(e.source, e.target): e.label for e in diagram.edges}
    assert edges[("ArchiveFunction.Nightly", "ArchiveFunction")] == ""
    assert "POST /archive" in edges[("MyMediaApi", "ArchiveFunction")]
    assert edges[("ArchiveFunction", "ArchiveBucket")] == "PutObject"
    source = dot.source(diagram)
    assert '"ThumbnailsQueue" [' in source and all(t in source for t in texts)


def test_a_stale_picture_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "architecture.dot").write_text((DOCS / "architecture.dot").read_text())
    (tmp_path / "architecture.svg").write_text((DOCS / "architecture.svg").read_text())
    template = tmp_path / "template.yaml"
    template.write_text(model.TEMPLATE.read_text().replace("\nOutputs:", "  ExtraQueue:\n    Type: AWS::SQS::Queue\n\nOutputs:"))
    assert architecture.main(["--check", "--template", str(template), "--out", str(tmp_path)]) == 1
    assert "architecture.dot is not drawn from the current template" in capsys.readouterr().err
