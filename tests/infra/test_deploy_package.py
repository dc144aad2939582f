"""The Lambda zip: the pettube package plus its dependencies, reproducible byte for byte."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from deploy import package
from deploy.errors import PackagingError


@pytest.fixture
def lambda_dir(tmp_path: Path) -> Path:
    """A small lambda/ tree like the repository's, with junk that must not ship."""
    root = tmp_path / "lambda"
    (root / "pettube" / "__pycache__").mkdir(parents=True)
    (root / "pettube" / "__init__.py").write_text("")
    (root / "pettube" / "upload.py").write_text("def handler(event, context):\n    return None\n")
    (root / "pettube" / "__pycache__" / "upload.cpython-313.pyc").write_bytes(b"junk")
    (root / "requirements.txt").write_text("aws-lambda-powertools==3.37.0\n")
    (root / "README.md").write_text("not code")
    return root


class FakePip:
    """Stands in for pip: records each call and installs one module."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, requirements: Path, target: Path, python_version: str, platform: str) -> None:
        self.calls.append((python_version, platform))
        (target / "aws_lambda_powertools").mkdir()
        (target / "aws_lambda_powertools" / "__init__.py").write_text("# installed\n")


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_zip_holds_the_package_and_its_dependencies_at_the_root(tmp_path: Path, lambda_dir: Path) -> None:
    pip = FakePip()
    built = package.build(tmp_path / "out", "3.13", "manylinux2014_aarch64", lambda_dir=lambda_dir, installer=pip)
    assert names(built.path) == ["aws_lambda_powertools/__init__.py", "pettube/__init__.py", "pettube/upload.py"]
    assert pip.calls == [("3.13", "manylinux2014_aarch64")]


def test_files_in_the_zip_are_readable_by_the_lambda_user(tmp_path: Path, lambda_dir: Path) -> None:
    built = package.build(tmp_path / "out", "3.13", "x", lambda_dir=lambda_dir, installer=FakePip())
    with zipfile.ZipFile(built.path) as archive:
        assert {(info.external_attr >> 16) & 0o777 for info in archive.infolist()} == {0o644}


def test_the_same_sources_give_the_same_zip_and_s3_key(tmp_path: Path, lambda_dir: Path) -> None:
    """An unchanged build keeps its key, so CloudFormation leaves the functions alone."""
    pip = FakePip()
    first = package.build(tmp_path / "a", "3.13", "x", lambda_dir=lambda_dir, installer=pip)
    (lambda_dir / "pettube" / "upload.py").touch()
    second = package.build(tmp_path / "b", "3.13", "x", lambda_dir=lambda_dir, installer=pip)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.key == second.key


def test_a_code_change_gives_a_new_key(tmp_path: Path, lambda_dir: Path) -> None:
    first = package.build(tmp_path / "out", "3.13", "x", lambda_dir=lambda_dir, installer=FakePip())
    (lambda_dir / "pettube" / "upload.py").write_text("def handler(event, context):\n    return 1\n")
    second = package.build(tmp_path / "out", "3.13", "x", lambda_dir=lambda_dir, installer=FakePip())
    assert first.key != second.key


def test_dependencies_are_installed_once_per_requirements_and_platform(tmp_path: Path, lambda_dir: Path) -> None:
    pip = FakePip()
    for _ in range(2):
        package.build(tmp_path / "out", "3.13", "manylinux2014_aarch64", lambda_dir=lambda_dir, installer=pip)
    package.build(tmp_path / "out", "3.13", "manylinux2014_x86_64", lambda_dir=lambda_dir, installer=pip)
    assert pip.calls == [("3.13", "manylinux2014_aarch64"), ("3.13", "manylinux2014_x86_64")]


def test_no_requirements_file_means_no_install(tmp_path: Path, lambda_dir: Path) -> None:
    (lambda_dir / "requirements.txt").unlink()
    pip = FakePip()
    built = package.build(tmp_path / "out", "3.13", "x", lambda_dir=lambda_dir, installer=pip)
    assert pip.calls == [] and names(built.path) == ["pettube/__init__.py", "pettube/upload.py"]


def test_a_missing_package_is_a_packaging_error(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="not a Python package"):
        package.build(tmp_path / "out", "3.13", "x", lambda_dir=tmp_path, installer=FakePip())


@pytest.mark.parametrize("hash_option", ["", f" --hash=sha256:{'0' * 64}"], ids=["no hash", "another file's hash"])
def test_only_files_with_the_locks_hash_are_packaged(tmp_path: Path, hash_option: str) -> None:
    """A dependency the lock does not name by hash (or a tampered download) fails the build."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"six==1.17.0{hash_option}\n")
    with pytest.raises(PackagingError, match="(?i)hash"):
        package.pip_install(requirements, tmp_path / "t", "3.13", "manylinux2014_aarch64")
    assert not list((tmp_path / "t").glob("six*"))


def test_a_failed_pip_install_is_a_packaging_error_with_pips_message(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("this-package-does-not-exist-pettube==0.0.0\n")
    with pytest.raises(PackagingError, match="could not install"):
        package.pip_install(requirements, tmp_path / "t", "3.13", "manylinux2014_aarch64")
