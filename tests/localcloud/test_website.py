"""The local cloud's S3 website endpoint (endpoints.json's site_bucket_website) answers as S3's does:
index and error documents, S3's 403/404 pages, the stored headers, redirects, public reads only.

Buckets of the tests' own are reached the way S3 tells them apart, by the Host header
(<bucket>.s3-website-<region>.amazonaws.com)."""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Callable

import pytest
import requests

from localcloud.endpoints import Endpoints

REGION = "us-east-1"


def public_policy(bucket: str, *actions: str) -> str:
    resources = {"s3:GetObject": f"arn:aws:s3:::{bucket}/*", "s3:ListBucket": f"arn:aws:s3:::{bucket}"}
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resources[action]} for action in actions]})


@pytest.fixture
def website_bucket(local_cloud: Endpoints) -> Callable[..., Callable[..., requests.Response]]:
    """Make a bucket with a website configuration and a policy; get a GET of its website endpoint."""
    s3 = local_cloud.client("s3")

    def make(*, error_document: str | None = None, public: tuple[str, ...] = ("s3:GetObject",),
             objects: dict[str, dict] | None = None) -> Callable[..., requests.Response]:
        bucket = f"website-{secrets.token_hex(4)}"
        s3.create_bucket(Bucket=bucket)
        error = {"ErrorDocument": {"Key": error_document}} if error_document else {}
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}, **error})
        if public:
            s3.put_bucket_policy(Bucket=bucket, Policy=public_policy(bucket, *public))
        for key, arguments in (objects or {}).items():
            s3.put_object(Bucket=bucket, Key=key, **arguments)
        host = {"Host": f"{bucket}.s3-website-{REGION}.amazonaws.com"}

        def get(path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> requests.Response:
            return requests.request(method, local_cloud.site_bucket_website + path, headers={**host, **(headers or {})},
                                    allow_redirects=False)

        return get

    return make


PAGE = {"Body": b"<h1>Rex</h1>", "ContentType": "text/html"}


def test_the_site_bucket_serves_the_published_site_without_cloudfront_s_headers(local_cloud: Endpoints) -> None:
    page = requests.get(local_cloud.site_bucket_website + "/")
    assert page.status_code == 200 and b"PetTube" in page.content
    assert (page.headers["Content-Type"], page.headers["Cache-Control"]) == ("text/html; charset=utf-8", "no-cache")
    assert "Content-Security-Policy" not in page.headers and "Content-Encoding" not in page.headers
    config = requests.get(local_cloud.site_bucket_website + "/config.json").json()
    assert (config["mode"], config["api_url"], config["originals_bucket"]) == (
        "local", local_cloud.api, local_cloud.originals_bucket)
    # The same objects through the address people open, with the headers policy and compression.
    through_cloudfront = requests.get(local_cloud.site + "/", headers={"Accept-Encoding": "gzip"})
    assert through_cloudfront.content == page.content and through_cloudfront.headers["Content-Encoding"] == "gzip"
    assert "frame-ancestors" in through_cloudfront.headers["Content-Security-Policy"]


def test_a_deep_path_of_the_site_gets_the_app_with_s3s_403(local_cloud: Endpoints) -> None:
    """The template's error document is index.html; without public listing S3 answers AccessDenied."""
    deep = requests.get(local_cloud.site_bucket_website + "/watch/some-token")
    assert deep.status_code == 403 and deep.content == requests.get(local_cloud.site_bucket_website + "/").content


def test_index_documents_for_the_root_and_folders(website_bucket: Callable[..., Callable]) -> None:
    get = website_bucket(objects={"index.html": PAGE, "dogs/index.html": {**PAGE, "Body": b"<h1>Dogs</h1>"}})
    assert get("/").content == b"<h1>Rex</h1>"
    assert get("/dogs/").content == b"<h1>Dogs</h1>"
    folder = get("/dogs")
    assert (folder.status_code, folder.headers["Location"]) == (302, "/dogs/")


def test_a_missing_key_is_s3s_404_page_where_anyone_may_list(website_bucket: Callable[..., Callable]) -> None:
    get = website_bucket(public=("s3:GetObject", "s3:ListBucket"), objects={"index.html": PAGE})
    missing = get("/cat.html")
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")
    assert "<li>Code: NoSuchKey</li>" in missing.text and "<li>Key: cat.html</li>" in missing.text


def test_a_missing_key_is_403_where_nobody_may_list(website_bucket: Callable[..., Callable]) -> None:
    missing = website_bucket(objects={"index.html": PAGE})("/cat.html")
    assert missing.status_code == 403 and "<li>Code: AccessDenied</li>" in missing.text


def test_the_error_document_comes_with_the_errors_status(website_bucket: Callable[..., Callable]) -> None:
    get = website_bucket(error_document="oops.html", public=("s3:GetObject", "s3:ListBucket"),
                         objects={"oops.html": {"Body": b"<p>No such pet</p>", "ContentType": "text/html"}})
    missing = get("/cat.html")
    assert (missing.status_code, missing.content) == (404, b"<p>No such pet</p>")


def test_an_object_anyone_may_not_read_is_access_denied(website_bucket: Callable[..., Callable]) -> None:
    private = website_bucket(public=(), objects={"index.html": PAGE})("/")
    assert private.status_code == 403 and "<li>Code: AccessDenied</li>" in private.text
    assert b"Rex" not in private.content


def test_each_object_is_served_with_the_headers_stored_with_it(website_bucket: Callable[..., Callable]) -> None:
    script = b"console.log('woof');" * 100
    get = website_bucket(objects={"app.js": {
        "Body": gzip.compress(script), "ContentType": "text/javascript", "ContentEncoding": "gzip",
        "CacheControl": "public, max-age=31536000, immutable", "ContentDisposition": "inline",
        "Metadata": {"breed": "collie"}}})
    answer = get("/app.js", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.content == script  # requests decodes the stored gzip
    assert (answer.headers["Content-Type"], answer.headers["Content-Encoding"], answer.headers["Cache-Control"],
            answer.headers["Content-Disposition"], answer.headers["x-amz-meta-breed"]) == (
        "text/javascript", "gzip", "public, max-age=31536000, immutable", "inline", "collie")
    assert get("/app.js", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304


def test_an_objects_website_redirect_location_is_a_301(website_bucket: Callable[..., Callable]) -> None:
    get = website_bucket(objects={"old.html": {"Body": b"", "WebsiteRedirectLocation": "/new.html"}})
    moved = get("/old.html")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/new.html")


def test_only_reads_are_answered(website_bucket: Callable[..., Callable]) -> None:
    refused = website_bucket(objects={"index.html": PAGE})("/index.html", method="POST")
    assert refused.status_code == 405 and "<li>Code: MethodNotAllowed</li>" in refused.text


def test_a_bucket_without_a_website_configuration_has_no_website(local_cloud: Endpoints) -> None:
    bucket = f"plain-{secrets.token_hex(4)}"
    local_cloud.client("s3").create_bucket(Bucket=bucket)
    answer = requests.get(local_cloud.site_bucket_website + "/",
                          headers={"Host": f"{bucket}.s3-website-{REGION}.amazonaws.com"})
    assert answer.status_code == 404 and "NoSuchWebsiteConfiguration" in answer.text
