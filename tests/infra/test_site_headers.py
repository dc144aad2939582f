"""The site's headers: what the page allows, and CloudFront sending exactly what the local server sends."""

from __future__ import annotations

import re
from typing import Any

import pytest

from deploy.site import site_config
from infra_facts import STACK_OUTPUTS
from sitepack.headers import content_security_policy, site_headers

# What a deployed stack's !Sub references resolve to (the stack of STACK_OUTPUTS).
STACK_VALUES = {"AWS::Region": "eu-west-1"}
LOCAL_CONFIG = {
    "mode": "local", "region": "us-east-1", "aws_endpoint": "http://127.0.0.1:4566",
    "api_url": "http://127.0.0.1:4566/restapis/abc/prod/_user_request_", "idp_url": "http://127.0.0.1:8090/",
}
# CloudFront's SecurityHeadersConfig entries, as the header each one sends.
SECURITY_CONFIG_HEADERS = {
    "ContentSecurityPolicy": ("Content-Security-Policy", lambda item: item["ContentSecurityPolicy"]),
    "ContentTypeOptions": ("X-Content-Type-Options", lambda item: "nosniff"),
    "ReferrerPolicy": ("Referrer-Policy", lambda item: item["ReferrerPolicy"]),
}


def resolve(value: Any) -> Any:
    """A template value with its !Sub resolved for the stack above."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return re.sub(r"\$\{([^}]+)\}", lambda match: STACK_VALUES[match.group(1)], value["Fn::Sub"])
    return value


def cloudfront_headers(sam_template: dict[str, Any]) -> dict[str, str]:
    """The headers the SiteHeadersPolicy adds to every answer, HSTS aside (HTTPS only)."""
    policy = sam_template["Resources"]["SiteHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = {item["Header"]: resolve(item["Value"]) for item in policy["CustomHeadersConfig"]["Items"]}
    for key, item in policy["SecurityHeadersConfig"].items():
        if key in SECURITY_CONFIG_HEADERS:
            name, value = SECURITY_CONFIG_HEADERS[key]
            headers[name] = resolve(value(item))
    return headers


def stack_config() -> dict[str, Any]:
    """The config.json `make deploy` writes for that stack."""
    return site_config(STACK_OUTPUTS, {"MaxUploadBytes": "5368709120"}, STACK_VALUES["AWS::Region"])


def directives(config: dict[str, Any]) -> dict[str, list[str]]:
    policy = content_security_policy(config)
    return {name: sources for name, *sources in (part.split() for part in policy.split("; "))}


def test_cloudfront_sends_exactly_the_headers_of_site_headers_for_that_stack(sam_template: dict[str, Any]) -> None:
    assert cloudfront_headers(sam_template) == site_headers(stack_config())


def test_cloudfront_policy_fits_cloudfronts_limit_on_a_content_security_policy(sam_template: dict[str, Any]) -> None:
    assert len(cloudfront_headers(sam_template)["Content-Security-Policy"]) <= 1783


@pytest.mark.parametrize("mode", ["aws", "local"])
def test_no_site_can_frame_the_app_and_no_inline_script_runs(mode: str) -> None:
    policy = directives(stack_config() if mode == "aws" else LOCAL_CONFIG)
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert not {"'unsafe-inline'", "*", "data:", "blob:", "http:", "https:"} & set(policy["script-src"])


def test_on_aws_the_page_may_call_only_its_stacks_endpoints_and_google_sign_in() -> None:
    policy = directives(stack_config())
    assert "https://*.execute-api.eu-west-1.amazonaws.com" in policy["connect-src"]
    assert "https://cognito-identity.eu-west-1.amazonaws.com" in policy["connect-src"]
    assert "https://accounts.google.com/gsi/client" in policy["script-src"]
    assert policy["frame-src"] == ["https://accounts.google.com/gsi/"]
    assert all(source.startswith(("'", "https://")) for values in policy.values() for source in values
               if source not in ("data:", "blob:"))


def test_locally_the_page_may_call_the_edge_and_frame_only_itself_and_the_google_stand_in() -> None:
    policy = directives(LOCAL_CONFIG)
    assert policy["connect-src"] == ["'self'", "http://127.0.0.1:4566"]
    assert policy["frame-src"] == ["'self'", "http://127.0.0.1:8090"]
    assert not any("google.com" in source for values in policy.values() for source in values)


def test_google_sign_in_can_report_back_from_its_popup() -> None:
    assert site_headers(LOCAL_CONFIG)["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
