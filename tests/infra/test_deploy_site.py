"""Publishing the site: types browsers need, cache lifetimes, the AWS config.json."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import boto3
import brotli
import pytest
from app.config import SiteConfig

from deploy import site
from deploy.errors import PrerequisiteError
from infra_facts import STACK_OUTPUTS as OUTPUTS



@pytest.mark.parametrize(("key", "expected"), [
    ("index.html", site.REVALIDATE),
    ("config.json", site.REVALIDATE),
    ("app.zip", site.REVALIDATE),
    ("pyscript.toml", site.REVALIDATE),
    ("vendor/pyodide-314.0.7/pyodide.asm.wasm", site.IMMUTABLE),
    ("vendor/wheels/boto3-1.44.5-py3-none-any.whl", site.IMMUTABLE),
    ("vendor/pyscript/core.3f2a9c1b.js", site.IMMUTABLE),
    ("vendor/pyscript/core.js", site.REVALIDATE),
    # tools.site_build's layout: a content-addressed directory, fixed-path loader and config.
    ("vendor/af096124f6573362/pyodide/pyodide.asm.wasm", site.IMMUTABLE),
    ("vendor/pyscript.js", site.REVALIDATE),
    ("vendor/pyscript.json", site.REVALIDATE),
])
def test_versioned_runtime_files_are_cached_for_a_year_the_rest_revalidated(key: str, expected: str) -> None:
    assert site.cache_control(key) == expected


def test_config_has_the_shape_the_page_reads() -> None:
    """The page's own parser accepts it, in AWS mode, with no endpoint override."""
    config = site.site_config(OUTPUTS, {"MaxUploadBytes": "1073741824"}, "eu-west-1")
    parsed = SiteConfig.from_dict(config)
    assert (parsed.mode, parsed.aws_endpoint, parsed.idp_url) == ("aws", None, None)
    assert parsed.max_upload_bytes == 1073741824
    assert parsed.api_url == OUTPUTS["ApiUrl"] and parsed.originals_bucket == OUTPUTS["OriginalsBucketName"]
    assert parsed.guest_role_arn == OUTPUTS["GuestRoleArn"]
    assert set(config) == {"mode", "region", "aws_endpoint", "api_url", "identity_pool_id", "guest_role_arn",
                           "google_client_id",
                           "idp_url", "user_pool_id", "user_pool_client_id", "originals_bucket", "max_upload_bytes"}


def test_every_output_the_config_reads_is_declared_by_the_template(sam_template: dict) -> None:
    site.site_config({key: "x" for key in sam_template["Outputs"]}, {"MaxUploadBytes": "1"}, "us-east-1")


@pytest.fixture
def built_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "vendor" / "pyodide-314.0.7").mkdir(parents=True)
    (root / "app").mkdir()
    (root / "index.html").write_text('<!doctype html><title>PetTube</title><link rel="stylesheet" href="/styles.css">'
                                     '<script type="py" src="/app/main.py" async></script>')
    (root / "styles.css").write_text("body { margin: 0; }\n")
    (root / "config.json").write_text('{"mode": "local"}')
    (root / "app" / "main.py").write_text("print('hi')\n")
    (root / "app" / "views.py").write_text("x = 1\n")
    (root / "app" / "__pycache__").mkdir()
    (root / "app" / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"x")
    (root / "vendor" / "pyodide-314.0.7" / "pyodide.asm.wasm").write_bytes(b"\0asm")
    return root


def test_publish_uploads_with_headers_and_replaces_the_local_config(aws: boto3.Session, built_site: Path) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="site")
    config = site.site_config(OUTPUTS, {"MaxUploadBytes": "5368709120"}, "eu-west-1")
    report = site.publish(s3, "site", config, built_site)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"])
    # The page's Python goes up as the one archive the page loads, not module by module; the
    # script index.html runs goes up too, as PyScript fetches it by its URL.
    assert keys == ["app.zip", "app/main.py", "config.json", "index.html", "styles.css",
                    "vendor/pyodide-314.0.7/pyodide.asm.wasm"]
    stored_bundle = s3.get_object(Bucket="site", Key="app.zip")
    assert stored_bundle["ContentEncoding"] == "br"  # one brotli stream over every module: smaller than zip's deflate
    bundle = zipfile.ZipFile(io.BytesIO(brotli.decompress(stored_bundle["Body"].read())))
    assert bundle.namelist() == ["app/main.py", "app/views.py"] and bundle.read("app/main.py") == b"print('hi')\n"
    assert s3.get_object(Bucket="site", Key="app/main.py")["Body"].read() == b"print('hi')\n"
    wasm = s3.head_object(Bucket="site", Key="vendor/pyodide-314.0.7/pyodide.asm.wasm")
    assert (wasm["ContentType"], wasm["CacheControl"]) == ("application/wasm", site.IMMUTABLE)
    page = s3.head_object(Bucket="site", Key="index.html")
    assert page["CacheControl"] == site.REVALIDATE
    # With the stylesheet written in, as the local cloud serves it.
    assert b"<style>\nbody { margin: 0; }\n</style>" in s3.get_object(Bucket="site", Key="index.html")["Body"].read()
    stored = json.loads(s3.get_object(Bucket="site", Key="config.json")["Body"].read())
    assert stored["mode"] == "aws" and stored == config
    assert (report.uploaded, report.unchanged) == (6, 0)


def test_republishing_an_unchanged_site_uploads_nothing(aws: boto3.Session, built_site: Path) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="site")
    config = site.site_config(OUTPUTS, {"MaxUploadBytes": "5368709120"}, "eu-west-1")
    site.publish(s3, "site", config, built_site)
    (built_site / "app" / "views.py").write_text("x = 2\n")
    assert site.publish(s3, "site", config, built_site) == site.PublishReport(uploaded=1, unchanged=5)  # app.zip


def test_compressed_siblings_are_stored_as_the_files_content_encoding(aws: boto3.Session, built_site: Path) -> None:
    """S3 cannot choose a sibling by Accept-Encoding: the object itself carries the compressed bytes, brotli first."""
    wasm = built_site / "vendor" / "pyodide-314.0.7" / "pyodide.asm.wasm"
    wasm.with_name(wasm.name + ".gz").write_bytes(gzip.compress(wasm.read_bytes()))
    wasm.with_name(wasm.name + ".br").write_bytes(brotli.compress(wasm.read_bytes()))
    mjs = wasm.with_name("pyodide.mjs")
    mjs.write_text("export const only_gzip = 1;")
    mjs.with_name(mjs.name + ".gz").write_bytes(gzip.compress(mjs.read_bytes()))
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="site")
    site.publish(s3, "site", site.site_config(OUTPUTS, {"MaxUploadBytes": "1"}, "eu-west-1"), built_site)
    key = "vendor/pyodide-314.0.7/pyodide.asm.wasm"
    stored = s3.get_object(Bucket="site", Key=key)
    assert (stored["ContentEncoding"], stored["ContentType"]) == ("br", "application/wasm")
    assert brotli.decompress(stored["Body"].read()) == wasm.read_bytes()
    gzipped = s3.get_object(Bucket="site", Key="vendor/pyodide-314.0.7/pyodide.mjs")
    assert gzipped["ContentEncoding"] == "gzip" and gzip.decompress(gzipped["Body"].read()) == mjs.read_bytes()
    assert "Contents" in s3.list_objects_v2(Bucket="site", Prefix=key)
    assert s3.list_objects_v2(Bucket="site", Prefix=key + ".").get("KeyCount") == 0


def test_an_unbuilt_site_is_refused_with_the_build_command(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("")
    with pytest.raises(PrerequisiteError, match=r"vendor missing.*tools.site_build --release"):
        site.check_built(tmp_path)


def test_a_runtime_compressed_for_local_use_is_refused_and_one_compressed_as_it_ships_goes(tmp_path: Path) -> None:
    """make dev and make test compress the runtime in seconds, into more bytes: never what visitors get."""
    (tmp_path / "index.html").write_text("")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "runtime.json").write_text(json.dumps({"version": "0123456789abcdef", "release": False}))
    with pytest.raises(PrerequisiteError, match=r"local use only.*tools.site_build --release"):
        site.check_built(tmp_path)
    (tmp_path / "vendor" / "runtime.json").write_text(json.dumps({"version": "0123456789abcdef", "release": True}))
    site.check_built(tmp_path)


class _LocalReferences(HTMLParser):
    """Every same-site URL a page names in src, href or PyScript's config attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "config") and value and value.startswith("/") and not value.startswith("//"):
                self.paths.add(value.split("#")[0].lstrip("/") or "index.html")


@pytest.mark.skipif(not (site.SITE_DIR / "vendor" / "pyscript.js").is_file(), reason="the site is not built (make site)")
def test_every_file_the_real_page_names_is_published() -> None:
    """On AWS the page gets only what `make deploy` uploads: a script, style, icon, config or
    preload that index.html names but the bucket lacks would break the page there alone."""
    references = _LocalReferences()
    references.feed((site.SITE_DIR / "index.html").read_text())
    published = {file.key for file in site.site_files(site.SITE_DIR)} | {site.CONFIG_KEY}  # publish writes AWS's own
    assert {"app/main.py", "app.zip", "config.json", "vendor/pyscript.js", "vendor/pyscript.json"} <= references.paths
    assert references.paths - published == set()


@pytest.mark.parametrize("source", ["/app/main.py", "./app/main.py", "app/main.py"])
def test_the_page_script_is_found_however_index_html_writes_its_path(tmp_path: Path, source: str) -> None:
    (tmp_path / "index.html").write_text(f'<script type="module" src="/vendor/pyscript.js"></script>'
                                         f'<script type="py" src="{source}" config="/vendor/pyscript.json"></script>')
    assert site.page_scripts(tmp_path) == {"app/main.py"}
