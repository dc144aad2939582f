"""Finding a video in My media, share-link addresses, and when presigned URLs must be renewed."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from app.freshness import Recoveries, keep_fresh, renew_at, seconds_until_renewal, url_due, url_lifetime
from app.library import find_videos
from app.mymedia import parse_video
from app.routes import watch_token
from app.tasks import Tasks

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def video(video_id: str, title: str, created_at: str, description: str = ""):
    return parse_video({"id": video_id, "title": title, "description": description, "created_at": created_at,
                        "status": "ready"})


GALLERY = [
    video("01a", "Rex at the beach", "2026-12-01T10:00:00.000Z", "Waves! He hates waves."),
    video("01b", "élan the cat", "2026-12-03T10:00:00.000Z", "Zoomies after dinner"),
    video("01c", "Mia", "2026-12-02T10:00:00.000Z", "First snow, then the beach house"),
]


def titles(videos) -> list[str]:
    return [v.title for v in videos]


def test_search_matches_every_word_in_title_or_description_ignoring_case_and_accents() -> None:
    assert titles(find_videos(GALLERY, "BEACH")) == ["Mia", "Rex at the beach"]
    assert titles(find_videos(GALLERY, "elan zoomies")) == ["élan the cat"]
    assert titles(find_videos(GALLERY, "beach snow")) == ["Mia"]
    assert find_videos(GALLERY, "parrot") == []
    assert len(find_videos(GALLERY, "   ")) == 3


def test_sort_newest_oldest_and_by_title() -> None:
    assert titles(find_videos(GALLERY, order="newest")) == ["élan the cat", "Mia", "Rex at the beach"]
    assert titles(find_videos(GALLERY, order="oldest")) == ["Rex at the beach", "Mia", "élan the cat"]
    assert titles(find_videos(GALLERY, order="title")) == ["élan the cat", "Mia", "Rex at the beach"]


@pytest.mark.parametrize(("fragment", "token"), [
    ("#/watch/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl"),
    ("#/watch/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl/", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl"),
    ("#/watch/<img src=x onerror=alert(1)>", ""),
    ("#/watch/", ""),
    ("#/", None),
    ("", None),
    ("#id_token=abc", None),
])
def test_a_share_link_names_its_token_and_anything_else_is_not_a_watch_page(fragment: str, token: str | None) -> None:
    assert watch_token(fragment) == token


def presigned(signed: datetime, seconds: int) -> str:
    return (f"http://127.0.0.1:4566/pettube-transcoded/v/720.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Date={signed:%Y%m%dT%H%M%SZ}&X-Amz-Expires={seconds}&X-Amz-Signature=abc")


def test_a_presigned_url_says_when_it_was_signed_and_for_how_long() -> None:
    assert url_lifetime(presigned(NOW, 3600)) == (NOW, 3600.0)
    assert url_lifetime("http://127.0.0.1/logo.svg") is None


def test_urls_are_renewed_a_fifth_of_their_life_before_expiry_at_most_five_minutes() -> None:
    assert renew_at(presigned(NOW, 60)) == NOW + timedelta(seconds=48)
    assert renew_at(presigned(NOW, 3600)) == NOW + timedelta(seconds=3300)
    urls = [presigned(NOW, 3600), presigned(NOW - timedelta(seconds=30), 60), "http://127.0.0.1/plain.jpg"]
    assert seconds_until_renewal(urls, NOW) == 18
    assert seconds_until_renewal(urls, NOW + timedelta(hours=2)) == 0
    assert seconds_until_renewal(["http://127.0.0.1/plain.jpg"], NOW) is None


def test_keep_fresh_renews_whenever_the_first_url_is_due_until_told_to_stop() -> None:
    current = {"urls": [presigned(NOW, 60)], "now": NOW}
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        current["now"] += timedelta(seconds=seconds)

    async def renew() -> bool:
        current["urls"] = [presigned(current["now"], 60)]
        return len(slept) < 3

    asyncio.run(keep_fresh(lambda: current["urls"], renew, sleep=sleep, now=lambda: current["now"]))
    assert slept == [48, 48, 48]


def test_a_skewed_clock_cannot_make_renewals_spin() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def renew() -> bool:
        return len(slept) < 2

    overdue = [presigned(NOW - timedelta(days=1), 60)]
    asyncio.run(keep_fresh(lambda: overdue, renew, sleep=sleep, now=lambda: NOW))
    assert slept == [15, 15]


def test_a_player_recovers_once_then_not_again_until_the_gap_has_passed() -> None:
    clock = {"now": 100.0}
    recoveries = Recoveries(gap=10, clock=lambda: clock["now"])
    assert recoveries.allow("#player-stage") and recoveries.allow("#watch-stage")
    recoveries.done("#player-stage")
    clock["now"] += 3
    assert not recoveries.allow("#player-stage")
    clock["now"] += 10
    assert recoveries.allow("#player-stage")


def test_troubles_while_a_recovery_is_under_way_are_that_recovery_and_the_gap_starts_when_it_ends() -> None:
    """Fetching fresh URLs can take seconds (a cold function): the old player's errors meanwhile are no new failure."""
    clock = {"now": 100.0}
    recoveries = Recoveries(gap=10, clock=lambda: clock["now"])
    assert recoveries.allow("#watch-stage")
    clock["now"] += 8
    assert recoveries.recovering("#watch-stage") and not recoveries.allow("#watch-stage")
    recoveries.done("#watch-stage")
    assert not recoveries.recovering("#watch-stage")
    clock["now"] += 9  # 17 s after the trouble, 9 s after the fresh URLs: still too soon
    assert not recoveries.allow("#watch-stage")
    clock["now"] += 2
    assert recoveries.allow("#watch-stage")


def test_one_task_per_name_and_a_restart_replaces_it() -> None:
    async def scenario() -> list[str]:
        done: list[str] = []

        async def work(label: str) -> None:
            await asyncio.sleep(0.01)
            done.append(label)

        tasks = Tasks()
        tasks.run("poll", work("first"))
        tasks.run("poll", work("dropped"))
        tasks.restart("urls", work("old"))
        tasks.restart("urls", work("new"))
        await asyncio.sleep(0.05)
        return done

    assert sorted(asyncio.run(scenario())) == ["first", "new"]


def test_a_url_is_due_for_replacement_from_its_renewal_moment_on() -> None:
    url = presigned(NOW, 60)
    assert not url_due(url, NOW + timedelta(seconds=47))
    assert url_due(url, NOW + timedelta(seconds=48)) and url_due(url, NOW + timedelta(hours=1))
    assert not url_due("http://127.0.0.1/plain.mp4", NOW)
