"""site/ published into the site bucket by the deploy's code and served from it, kept current:
an edit shows on the next reload, and only what changed goes up again (moto in-process)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from werkzeug.test import Client

from deploy import site as deploy_site
from localcloud.site_server import Distribution
from localcloud.website.bucket import MotoBucket
from localcloud.website.endpoint import WebsiteEndpoint
from localcloud.website.publisher import SitePublisher
from sitepack import bytecode

BUCKET = "pettube-site-bucket"
CONFIG = {"mode": "local", "region": "us-east-1", "aws_endpoint": "http://127.0.0.1:1",
          "api_url": "http://127.0.0.1:1/api", "idp_url": "http://127.0.0.1:2", "max_upload_bytes": 5}
# What a browser's fetch of a script or an archive says; a navigation (a reload) says "navigate".
SUBRESOURCE = {"Sec-Fetch-Mode": "cors"}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The site bucket as the template makes it, in moto."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_website(Bucket=BUCKET, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "index.html"}})
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}))
        yield client


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "app").mkdir(parents=True)
    (root / "vendor" / "0123456789abcdef").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><title>PetTube</title><link rel="stylesheet" href="/styles.css">'
                                     '<script type="py" src="/app/main.py"></script>')
    (root / "styles.css").write_text("body { margin: 0; }\n")
    (root / "app" / "main.py").write_text("print('hello')\n")
    (root / "app" / "views.py").write_text("VIEWS = 1\n")
    (root / "vendor" / "0123456789abcdef" / "pyodide.mjs").write_text("export const x = 1;\n")
    return root


@pytest.fixture
def publisher(s3: Any, site: Path) -> SitePublisher:
    published = SitePublisher(s3, MotoBucket(BUCKET, "123456789012"), site, lambda: CONFIG)
    published.publish()
    return published


@pytest.fixture
def browser(publisher: SitePublisher) -> Client:
    """The local CloudFront in front of the bucket's website endpoint, as the local cloud wires them."""
    return Client(Distribution(WebsiteEndpoint(publisher.bucket), lambda: CONFIG, publisher.refresh))


def modules(answer: Any) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    return {name: archive.read(name) for name in archive.namelist() if name.endswith(".py")}


def test_the_page_and_its_python_come_from_the_bucket_as_the_deploy_stores_them(browser: Client, s3: Any) -> None:
    page = browser.get("/")
    assert page.status_code == 200 and b"<style>\nbody { margin: 0; }\n</style>" in page.get_data()
    stored = s3.head_object(Bucket=BUCKET, Key="index.html")
    assert (stored["ContentType"], stored["CacheControl"]) == ("text/html; charset=utf-8", deploy_site.REVALIDATE)
    assert modules(browser.get("/app.zip", headers=SUBRESOURCE)) == {"app/main.py": b"print('hello')\n",
                                                                     "app/views.py": b"VIEWS = 1\n"}
    assert browser.get("/config.json").json == CONFIG
    assert "immutable" in browser.get("/vendor/0123456789abcdef/pyodide.mjs").headers["Cache-Control"]


def test_a_share_link_and_any_deep_path_load_the_app(browser: Client) -> None:
    """#/watch/<token> never reaches the server (it asks for /); a deep path gets the error document,
    index.html, with S3's 403 (nobody may list the bucket, so S3 does not say the key is missing)."""
    deep = browser.get("/watch/Gq3vYc1oQnB8Xk2L0sTt5uVw7yZa9bCd")
    assert deep.status_code == 403 and b"<title>PetTube</title>" in deep.get_data()
    assert deep.headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"


def test_an_edit_under_site_shows_on_the_next_reload(browser: Client, site: Path) -> None:
    first = browser.get("/app.zip", headers=SUBRESOURCE)
    (site / "app" / "views.py").write_text("VIEWS = 2\n")
    (site / "app" / "sharing.py").write_text("SHARED = True\n")
    # A script's fetch does not republish: the page it belongs to came from one version of the site.
    assert browser.get("/app.zip", headers={"If-None-Match": first.headers["ETag"], **SUBRESOURCE}).status_code == 304
    browser.get("/", headers={"Sec-Fetch-Mode": "navigate"})  # the reload
    second = browser.get("/app.zip", headers={"If-None-Match": first.headers["ETag"], **SUBRESOURCE})
    assert second.status_code == 200
    assert modules(second)["app/views.py"] == b"VIEWS = 2\n" and "app/sharing.py" in modules(second)


def test_only_what_changed_is_put_again(publisher: SitePublisher, site: Path) -> None:
    assert publisher.refresh() is None  # nothing changed: no object put
    (site / "styles.css").write_text("body { margin: 1px; }\n")
    # The stylesheet and the page it is written into; the app, runtime and config stay.
    assert publisher.refresh() == deploy_site.PublishReport(uploaded=2, unchanged=4)


def test_a_site_bucket_written_by_someone_else_is_put_back_at_the_next_navigation(browser: Client, s3: Any) -> None:
    """Another local cloud in the same process (a test's own) or a tool overwrote config.json: the
    next reload publishes this cloud's again, instead of sending the page to endpoints that are gone."""
    s3.put_object(Bucket=BUCKET, Key="config.json", Body=b'{"api_url": "http://127.0.0.1:9/gone"}')
    s3.delete_object(Bucket=BUCKET, Key="styles.css")
    browser.get("/", headers={"Sec-Fetch-Mode": "navigate"})
    assert browser.get("/config.json").json == CONFIG
    assert s3.get_object(Bucket=BUCKET, Key="styles.css")["Body"].read() == b"body { margin: 0; }\n"


def test_a_restart_on_a_kept_bucket_puts_nothing(publisher: SitePublisher, s3: Any, site: Path) -> None:
    again = SitePublisher(s3, publisher.bucket, site, lambda: CONFIG)
    assert again.publish().uploaded == 0


def test_a_start_asks_the_bucket_about_no_object_one_at_a_time(s3: Any, site: Path) -> None:
    """The bucket's objects are read in memory at once: a fresh library's first start puts every
    file without a HEAD request before each, and a restart on a kept bucket sends nothing at all."""
    asked: list[str] = []
    s3.meta.events.register("before-call.s3.HeadObject", lambda params, **_: asked.append(params["Key"]))
    first = SitePublisher(s3, MotoBucket(BUCKET, "123456789012"), site, lambda: CONFIG).publish()
    again = SitePublisher(s3, MotoBucket(BUCKET, "123456789012"), site, lambda: CONFIG).publish()
    assert (first, again, asked) == (deploy_site.PublishReport(uploaded=6, unchanged=0),
                                     deploy_site.PublishReport(uploaded=0, unchanged=6), [])


def test_a_reload_does_not_wait_for_the_bytecode_which_follows_on_a_later_reload(
        browser: Client, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiling an edited module in Node takes seconds: the reload gets the module without its
    bytecode (the page compiles it), and the first reload after the compile gets the bytecode."""
    compiler = {"running": False, "done": False}

    def compile_for_page(sources: dict[str, str], site_root: Path, *, wait: bool = True) -> dict[str, bytes]:
        if compiler["done"]:
            return {"app/__pycache__/views.cpython-314.opt-2.pyc": b"pyc"}
        compiler["running"] = not wait
        return {}

    monkeypatch.setattr(bytecode, "compile_for_page", compile_for_page)
    monkeypatch.setattr(bytecode, "compiling", lambda: compiler["running"])
    (site / "app" / "views.py").write_text("VIEWS = 2\n")
    browser.get("/")
    assert set(zipfile.ZipFile(io.BytesIO(browser.get("/app.zip", headers=SUBRESOURCE).get_data())).namelist()) \
        == {"app/main.py", "app/views.py"}
    compiler.update(running=False, done=True)
    browser.get("/")
    assert "app/__pycache__/views.cpython-314.opt-2.pyc" in zipfile.ZipFile(
        io.BytesIO(browser.get("/app.zip", headers=SUBRESOURCE).get_data())).namelist()
