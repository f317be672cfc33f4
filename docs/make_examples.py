"""Writes docs/examples/*.json: one of each message newsbot sends, rendered by bot/delivery/format.py.

    python docs/make_examples.py          # rewrite the examples
    python docs/make_examples.py --check  # exit 1 if they are out of date (the tests run this)

Paste a file's "blocks" into Slack's Block Kit Builder to see it as Slack shows it. The stories
are invented.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.delivery.format import (  # noqa: E402
    format_alert,
    format_digest,
    format_feed_health,
    format_reply,
    format_storm,
)
from bot.models import Alert, Classification, DigestEntry, Item, Message, StoryView  # noqa: E402

OUT = ROOT / "docs" / "examples"
T = datetime(2026, 11, 21, 22, 47, tzinfo=UTC)  # 07:47 in Seoul


def examples() -> dict[str, Message]:
    launch = Item(
        "Peninsula Wire",
        "https://peninsula.example/rss",
        "pw-8812",
        "https://peninsula.example/news/8812",
        "North Korea fires ICBM that flies over Japan; J-Alert issued in Hokkaido",
        "North Korea launched an intercontinental ballistic missile from the Sunan area on "
        "Sunday morning, South Korea's Joint Chiefs of Staff said. Japan's government issued a "
        "J-Alert warning as the missile passed over Hokkaido before falling into the Pacific.",
        T,
    )
    evidence = Classification(
        ("missile-test",),
        {"missile-test": 21.0},
        {
            "missile-test": (
                "about North Korea: north korea",
                "icbm",
                "intercontinental",
                "launch verb near weapon",
                "j-alert",
            )
        },
    )
    story = StoryView(
        sources=("Peninsula Wire", "Tokyo Daily", "Seoul Herald"),
        first_seen=T,
        last_updated=T + timedelta(minutes=14),
        facts=("ICBM", "Hwasong-18", "Sunan", "over Japan"),
    )
    cruise = Item(
        "Seoul Herald",
        "https://herald.example/rss",
        "sh-301",
        "https://herald.example/nk/301",
        "North Korea test-fires strategic cruise missiles over the Yellow Sea",
        "The missiles flew for about two hours before hitting an island target, state media said.",
        T,
    )
    cruise_c = Classification(
        ("missile-test",),
        {"missile-test": 9.0},
        {"missile-test": ("about North Korea: north korea", "cruise missile", "test fire")},
    )
    flash = Item(
        "연합뉴스 북한",
        "https://www.yna.example/rss/northkorea.xml",
        "yna-1",
        "https://www.yna.example/view/1",
        '[속보] 합참 "북한, 동해상으로 단거리탄도미사일 2발 발사"',
        "합동참모본부는 북한이 오늘 오전 동해상으로 단거리탄도미사일 2발을 발사했다고 밝혔다.",
        T - timedelta(minutes=6),
    )
    flash_c = Classification(
        ("missile-test",),
        {"missile-test": 19.0},
        {
            "missile-test": (
                "about North Korea: 북한",
                "탄도미사일",
                "단거리탄도",
                "발사·発射 near 미사일·ミサイル",
            )
        },
        "ko",
    )
    entries = [
        DigestEntry("missile-test", "normal", cruise.title, cruise.url, "Seoul Herald", T, 2),
        DigestEntry(
            "diplomacy",
            "normal",
            "US envoy urges Pyongyang to return to talks",
            "https://wire.example/diplomacy/77",
            "Global Wire",
            T - timedelta(hours=3),
        ),
        DigestEntry(
            "diplomacy",
            "high",
            "UN Security Council votes on new sanctions resolution",
            "https://un-news.example/2211",
            "UN News",
            T - timedelta(hours=5),
            4,
        ),
    ]
    storm = [
        DigestEntry(
            "missile-test",
            "high",
            f"North Korea fires {n} short-range ballistic missiles",
            f"https://wire.example/srbm/{n}",
            "Global Wire",
            T + timedelta(minutes=n),
        )
        for n in range(2, 6)
    ]
    return {
        "alert-critical": format_alert(
            Alert(
                "C0DESK",
                launch,
                ("missile-test",),
                evidence,
                story,
                "critical",
                "here",
                "Asia/Seoul",
            )
        ),
        "alert-normal": format_alert(
            Alert("C0DESK", cruise, ("missile-test",), cruise_c, None, "normal", "here", "UTC")
        ),
        "alert-korean": format_alert(
            Alert("C0DESK", flash, ("missile-test",), flash_c, None, "high", "none", "Asia/Seoul")
        ),
        "thread-reply": format_reply(
            Item(
                "Tokyo Daily",
                "https://tokyo.example/rss",
                "td-5",
                "https://tokyo.example/5",
                "Missile flew over Hokkaido, Japan's defence ministry says",
                "",
                T,
            ),
            "Asia/Seoul",  # the channel's, as in the critical alert it replies to
        ),
        "digest": format_digest(
            entries, since=T - timedelta(hours=24), until=T, timezone="Asia/Seoul"
        ),
        "quiet-hours": format_digest(
            entries[:2],
            since=T - timedelta(hours=9),
            until=T,
            timezone="Asia/Seoul",
            why="Held during quiet hours",
        ),
        "storm-summary": format_storm(
            storm, started=T, window=timedelta(minutes=10), timezone="Asia/Seoul"
        ),
        "feed-down": format_feed_health(
            "Peninsula Wire", hours=6, polls=180, error="HTTP 503 Service Unavailable"
        ),
        "feed-recovered": format_feed_health("Peninsula Wire"),
    }


def render() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(
            {"text": m.text, "blocks": list(m.blocks)}, indent=2, ensure_ascii=False
        )
        + "\n"
        for name, m in examples().items()
    }


def main() -> int:
    files = render()
    if "--check" in sys.argv:
        stale = [
            n
            for n, text in files.items()
            if not (OUT / n).exists() or (OUT / n).read_text(encoding="utf-8") != text
        ]
        if stale:
            print("out of date: " + ", ".join(stale) + "; run python docs/make_examples.py")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
