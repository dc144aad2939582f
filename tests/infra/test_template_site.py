"""How CloudFront reads the site, for each SiteHosting value: the template as CloudFormation would
create it (conditions decided), translated by samtranslator and clean under cfn-lint."""

from __future__ import annotations

from typing import Any

import pytest
from cfnlint.api import lint

from deploy import template as templates
from deploy.template import TEMPLATE_PATH
from infra_facts import CODE_URI, PARAMETERS, REGION

HOSTINGS = ("S3Website", "PrivateBucket")


def decided(value: Any, conditions: dict[str, bool]) -> Any:
    """`value` with every Fn::If replaced by its chosen branch (AWS::NoValue drops the property)."""
    if isinstance(value, list):
        return [item for item in (decided(v, conditions) for v in value) if item != {"Ref": "AWS::NoValue"}]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::If"}:
        name, when_true, when_false = value["Fn::If"]
        return decided(when_true if conditions[name] else when_false, conditions)
    return {k: v for k, v in ((k, decided(v, conditions)) for k, v in value.items()) if v != {"Ref": "AWS::NoValue"}}


def created(translated: dict[str, Any], hosting: str) -> dict[str, Any]:
    """The resources a stack with this SiteHosting has, with their properties as created."""
    conditions = {"SiteIsWebsite": hosting == "S3Website", "SiteIsPrivateBucket": hosting == "PrivateBucket",
                  "UseCloudFrontOrigin": True, "HasAlarmEmail": False}
    return {lid: decided(resource, conditions) for lid, resource in translated["Resources"].items()
            if conditions.get(resource.get("Condition", ""), True)}


@pytest.fixture(scope="module", params=HOSTINGS)
def hosting(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def stack(sam_template: dict[str, Any], hosting: str) -> dict[str, Any]:
    translated = templates.translate(sam_template, CODE_URI, {**PARAMETERS, "SiteHosting": hosting}, REGION)
    return created(translated, hosting)


def origin(stack: dict[str, Any]) -> dict[str, Any]:
    (site,) = stack["SiteDistribution"]["Properties"]["DistributionConfig"]["Origins"]
    return site


def site_policy(stack: dict[str, Any]) -> list[dict[str, Any]]:
    return stack["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]


def test_the_default_is_s3_website_hosting_and_only_the_two_designs_are_accepted(
        sam_template: dict[str, Any]) -> None:
    parameter = sam_template["Parameters"]["SiteHosting"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("S3Website", ["S3Website", "PrivateBucket"])


def test_cfn_lint_finds_nothing_whichever_hosting_is_the_default(hosting: str) -> None:
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    assert text.count("    Default: S3Website\n") == 1
    variant = text.replace("    Default: S3Website\n", f"    Default: {hosting}\n")
    matches = lint(variant, regions=["us-east-1", "eu-west-1"])
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


def test_both_designs_serve_https_with_the_site_headers_policy(stack: dict[str, Any]) -> None:
    behaviour = stack["SiteDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SiteHeadersPolicy"}
    assert behaviour["TargetOriginId"] == origin(stack)["Id"]
    encryption = stack["SiteBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]


def test_s3_website_a_website_whose_error_document_loads_the_app_on_any_path(sam_template: dict[str, Any]) -> None:
    """Share links (#/watch/<token>) ask for /, the index; a deep path S3 has no object for gets index.html too."""
    stack = created(templates.translate(sam_template, CODE_URI, PARAMETERS, REGION), "S3Website")
    website = stack["SiteBucket"]["Properties"]["WebsiteConfiguration"]
    assert website == {"IndexDocument": "index.html", "ErrorDocument": "index.html"}
    assert "SiteOriginAccessControl" not in stack


def test_s3_website_anyone_may_read_the_sites_objects_and_nothing_else(sam_template: dict[str, Any]) -> None:
    stack = created(templates.translate(sam_template, CODE_URI, PARAMETERS, REGION), "S3Website")
    allows = [s for s in site_policy(stack) if s["Effect"] == "Allow"]
    assert allows == [{"Sid": "AnyoneReadsSiteFiles", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${SiteBucket.Arn}/*"}}]
    (deny,) = [s for s in site_policy(stack) if s["Effect"] == "Deny"]
    # Plain HTTP only for the website endpoint's reads: writes, listing, deletes need TLS.
    assert (deny["NotAction"], deny["Condition"]) == ("s3:GetObject", {"Bool": {"aws:SecureTransport": "false"}})
    block = stack["SiteBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    # Only as far as a public *policy* needs: public ACLs stay refused and ignored.
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                     "BlockPublicPolicy": False, "RestrictPublicBuckets": False}


def test_s3_website_cloudfront_reads_the_website_endpoint_over_http(sam_template: dict[str, Any]) -> None:
    """S3 website endpoints have no HTTPS: CloudFront adds it in front."""
    stack = created(templates.translate(sam_template, CODE_URI, PARAMETERS, REGION), "S3Website")
    site = origin(stack)
    assert site["CustomOriginConfig"] == {"OriginProtocolPolicy": "http-only"}
    # http://bucket.s3-website-region.amazonaws.com -> its host name.
    assert site["DomainName"] == {"Fn::Select": [1, {"Fn::Split": ["://", {"Fn::GetAtt": ["SiteBucket", "WebsiteURL"]}]}]}
    assert "S3OriginConfig" not in site and "OriginAccessControlId" not in site


def test_private_bucket_keeps_the_origin_access_control_design(sam_template: dict[str, Any]) -> None:
    translated = templates.translate(sam_template, CODE_URI, {**PARAMETERS, "SiteHosting": "PrivateBucket"}, REGION)
    stack = created(translated, "PrivateBucket")
    props = stack["SiteBucket"]["Properties"]
    assert "WebsiteConfiguration" not in props
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    (allow,) = [s for s in site_policy(stack) if s["Effect"] == "Allow"]
    assert (allow["Principal"], allow["Action"]) == ({"Service": "cloudfront.amazonaws.com"}, "s3:GetObject")
    assert "${SiteDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    (deny,) = [s for s in site_policy(stack) if s["Effect"] == "Deny"]
    assert (deny["Action"], deny["Condition"]) == ("s3:*", {"Bool": {"aws:SecureTransport": "false"}})
    assert origin(stack) == {"Id": "site", "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                             "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
                             "S3OriginConfig": {"OriginAccessIdentity": ""}}
    assert stack["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert translated["Outputs"]["SiteBucketWebsiteUrl"]["Condition"] == "SiteIsWebsite"
