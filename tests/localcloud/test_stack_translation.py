"""The SAM transform is kept in build/ by what it was made from: a kept one is what samtranslator makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from localcloud import stack as stack_module
from localcloud.stack import TEMPLATE_PATH, Stack

PARAMETERS = {"GoogleClientId": "kept.apps.googleusercontent.com", "SiteOrigin": "http://127.0.0.1:8080"}


@pytest.fixture
def translations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The kept translations go to a fresh folder; each call of samtranslator is recorded."""
    monkeypatch.setattr(stack_module, "TRANSLATIONS_DIR", tmp_path / "kept")
    made: list[dict] = []
    transform = stack_module._sam_transform

    def recorded(*args: object) -> dict:
        made.append(transform(*args))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(stack_module, "_sam_transform", recorded)
    return made


def test_a_second_start_reads_the_translation_samtranslator_made(translations: list[dict]) -> None:
    first = Stack(PARAMETERS)
    second = Stack(PARAMETERS)
    assert len(translations) == 1  # the second stack read it from build/
    assert second.template == first.template == translations[0]
    assert second.functions == first.functions


def test_another_template_or_parameter_is_translated_again(translations: list[dict], tmp_path: Path) -> None:
    Stack(PARAMETERS)
    Stack({**PARAMETERS, "UrlExpirySeconds": "600"})
    edited = tmp_path / "template.yaml"
    edited.write_text(TEMPLATE_PATH.read_text().replace("Timeout: 30", "Timeout: 31", 1))
    assert all(spec.timeout == 31 for spec in Stack(PARAMETERS, template_path=edited).functions.values()
               if spec.timeout != 120)  # the edit shows: not the kept translation of the first template
    assert len(translations) == 3


def test_a_start_on_another_site_origin_reads_the_kept_translation_and_allows_only_its_own_origin(
        translations: list[dict]) -> None:
    """Every cloud started on port 0 (each test's) has an origin of its own: one translation serves them all."""
    origins = [f"http://127.0.0.1:{port}" for port in (41001, 41002)]
    stacks = [Stack({**PARAMETERS, "SiteOrigin": origin}) for origin in origins]
    assert len(translations) == 1
    for stack, origin in zip(stacks, origins, strict=True):
        assert stack.functions["MyMediaFunction"].environment["ALLOWED_ORIGIN"] == origin
        cors = stack.resolve(stack.template["Resources"]["OriginalsBucket"]["Properties"]["CorsConfiguration"])
        assert cors["CorsRules"][0]["AllowedOrigins"] == [origin]
    assert stack_module.SITE_ORIGIN_STAND_IN not in repr(stacks[0].template)


def test_an_unreadable_translation_is_made_again(translations: list[dict], tmp_path: Path) -> None:
    Stack(PARAMETERS)
    (kept,) = (tmp_path / "kept").iterdir()
    kept.write_text("{ not json")
    assert Stack(PARAMETERS).template == translations[0] and len(translations) == 2


def test_only_the_newest_translations_are_kept(translations: list[dict], monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setattr(stack_module, "TRANSLATIONS_KEPT", 2)
    for seconds in range(3):
        Stack({**PARAMETERS, "UrlExpirySeconds": str(600 + seconds)})
    assert len(list((tmp_path / "kept").iterdir())) == 2
