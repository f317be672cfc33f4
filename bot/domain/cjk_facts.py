"""Facts from Korean and Japanese reports, in the English extractor's terms. Pure.

A Korean flash ("북, 동해상으로 단거리탄도미사일 2발 발사"), a Japanese Ministry of Defense notice
("弾道ミサイル1発を東方向に発射") and an English wire report of the same launch must give the same
facts (class "srbm", count 2, name "Hwasong-18") and share words ("nk", "launch", "missile",
"eastsea") for `bot.domain.stories` to join them into one story. This module holds that vocabulary;
`bot.domain.stories.extract_facts` and `bot.domain.stories.words` call it for text with Hangul, kana or Han.

Where a launch was fired to or fell (East Sea, Pacific, inside Japan's EEZ) and who said so
(South Korea's JCS, Japan's Ministry of Defense, KCNA) are kept too: the Slack message shows
them in its English line. They do not split stories: the JCS says "fired into the East Sea"
and Japan "fell in the Pacific" of one missile that flew over Japan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

from bot.domain.classify.text import CJK_CHARS, stem, wide


def has_cjk(text: str) -> bool:
    # the classifier's expression (compiled once, when first needed: its class spans tens of
    # thousands of code points), and none at all for ASCII text, most of what a feed brings
    return not text.isascii() and wide().has_cjk.search(text) is not None


def _any(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words))


# Missile classes, as bot.domain.stories names them. Korean allows a space inside compounds.
_CLASSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("icbm", re.compile(r"대륙간\s?탄도|大陸間弾道|ICBM", re.IGNORECASE)),
    ("irbm", re.compile(r"(?<!준)중거리\s?탄도|중장거리|(?<!準)中距離弾道|中長距離")),
    ("mrbm", re.compile(r"준중거리|準中距離")),
    ("srbm", re.compile(r"단거리\s?탄도|短距離弾道|SRBM", re.IGNORECASE)),
    ("long", re.compile(r"장거리\s?탄도|長距離弾道")),
    ("slbm", re.compile(r"잠수함\s?발사\s?탄도|潜水艦発射弾道|SLBM|북극성-?\s?\d|北極星\d", re.I)),
    ("cruise", re.compile(r"순항\s?미[사싸]일|巡航ミサイル")),
    (
        "satellite",
        re.compile(r"정찰\s?위성|위성\s?발사|위성\s?운반|偵察衛星|衛星の?打ち上げ|衛星運搬"),
    ),
    ("nuclear", re.compile(r"핵\s?실험|핵\s?시험|수소탄|核実験|水爆")),
    ("artillery", re.compile(r"방사포|ロケット砲|多連装ロケット|放射砲")),
    ("ballistic", re.compile(r"탄도\s?미[사싸]일|탄도탄|弾道ミサイル")),
)
# Names: 화성-18형, 화성포-11, "火星18"型, 북극성-3형, 北極星3, 천리마-1형, 화살-2형.
_NAMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Hwasong", re.compile(r"(?:화성포?|火星)\s?-?\s?(\d{1,2})")),
    ("Pukguksong", re.compile(r"(?:북극성|北極星)\s?-?\s?(\d)")),
    ("Chollima", re.compile(r"(?:천리마|千里馬)\s?-?\s?(\d)")),
    ("Hwasal", re.compile(r"화살\s?-?\s?(\d)")),
    ("Haeil", re.compile(r"(?:해일|ヘイル)\s?-?\s?(\d)")),
)
_HANGUL_NUMBERS = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6}
# "2발" (Korean), "2発" (Japanese) after a missile word; 수발/数発 ("several") is not a count
_COUNT = re.compile(
    r"(?:미[사싸]일|탄도탄|방사포|발사체|ミサイル|ロケット砲|飛翔体)[^\d.。,、]{0,12}?"
    r"(?:(\d{1,2})|(한|두|세|네|다섯|여섯)\s?)\s?(?:발|発)(?![사射])"
)
_AREAS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("East Sea", re.compile(r"동해(?:상|로|에|\s?쪽)|日本海|East Sea|Sea of Japan", re.I)),
    ("Yellow Sea", re.compile(r"서해(?:상|로|에)|황해|黄海|Yellow Sea|West Sea", re.I)),
    ("Pacific", re.compile(r"태평양|太平洋|Pacific", re.I)),
    (
        "over Japan",
        re.compile(r"일본\s?(?:열도\s?)?상공|日本(?:の)?上空|上空を通過|over Japan", re.I),
    ),
    (
        "outside Japan's EEZ",
        re.compile(
            r"EEZ\s?(?:밖|외|の外)|EEZ外|배타적경제수역\s?밖|排他的経済水域の外|outside.{0,25}(?:EEZ|economic zone)",
            re.I,
        ),
    ),
    (
        "inside Japan's EEZ",
        re.compile(
            r"EEZ\s?(?:안|내)|EEZ内|배타적경제수역\s?안|排他的経済水域内|(?:inside|within).{0,25}(?:EEZ|economic zone)",
            re.I,
        ),
    ),
)
# Who made the report, as an English reader knows them.
_REPORTERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("South Korea's Joint Chiefs of Staff", _any("합참", "합동참모본부", "合同参謀本部", "韓国軍")),
    ("Japan's Ministry of Defense", _any("방위성", "防衛省", "防衛相")),
    ("Japan Coast Guard", _any("해상보안청", "海上保安庁")),
    ("Japan's government", _any("官房長官", "首相官邸", "일본 정부", "日本政府")),
    (
        "KCNA (North Korean state media)",
        _any("조선중앙통신", "朝鮮中央通信", "로동신문", "労働新聞"),
    ),
    ("South Korea's NIS", _any("국가정보원", "국정원")),
)
_LAUNCH = _any(
    "발사",
    "쏘",
    "쐈",
    "사격",
    "미사일",
    "미싸일",
    "핵실험",
    "発射",
    "打ち上げ",
    "試射",
    "ミサイル",
    "核実験",
    "J얼럿",
    "Jアラート",
)
_UN_BODY = _any("안보리", "안전보장이사회", "安保理", "安全保障理事会")
_UN_ACTION = _any(
    "회의",
    "소집",
    "결의",
    "성명",
    "표결",
    "거부권",
    "会合",
    "会議",
    "招集",
    "決議",
    "声明",
    "採択",
    "拒否権",
)
_REPEAT = _any("또 ", "또다시", "재차", "잇따라", "연이어", "再び", "相次", "連続", "またも")
_CONFIRMED = _any(
    "합참",
    "합동참모본부",
    "조선중앙통신",
    "국방부",
    "방위성",
    "防衛省",
    "朝鮮中央通信",
    "合同参謀本部",
    "国防省",
    "韓国軍",
)
# People and places that tell diplomatic events apart: the English stems bot.domain.stories uses.
_PARTIES = {
    "트럼프": "trump",
    "トランプ": "trump",
    "바이든": "biden",
    "バイデン": "biden",
    "시진핑": "xi",
    "習近平": "xi",
    "푸틴": "putin",
    "プーチン": "putin",
    "문재인": "moon",
    "윤석열": "yoon",
    "이재명": "lee",
    "기시다": "kishida",
    "岸田": "kishida",
    "이시바": "ishiba",
    "石破": "ishiba",
    "다카이치": "takaichi",
    "高市": "takaichi",
    "라브로프": "lavrov",
    "ラブロフ": "lavrov",
    "아베": "abe",
    "安倍": "abe",
    "루비오": "rubio",
    "ルビオ": "rubio",
    "최선희": "choe",
    "崔善姫": "choe",
    "쇼이구": "shoigu",
    "ショイグ": "shoigu",
    "리창": "qiang",
    "李強": "qiang",
    "왕이": "wang",
    "王毅": "wang",
}
_VENUES = {
    "싱가포르": "singapore",
    "シンガポール": "singapore",
    "하노이": "hanoi",
    "ハノイ": "hanoi",
    "판문점": "panmunjom",
    "板門店": "panmunjom",
    "블라디보스토크": "vladivostok",
    "ウラジオストク": "vladivostok",
    "보스토치니": "vostochny",
    "ボストチヌイ": "vostochny",
    "베이징": "beijing",
    "北京": "beijing",
    "스톡홀름": "stockholm",
    "ストックホルム": "stockholm",
    "제네바": "geneva",
    "ジュネーブ": "geneva",
    "원산": "wonsan",
    "元山": "wonsan",
}
# Words that the English reports of the same event use, for the word overlap of stories:
# a Korean report shares no characters with an English one, but it shares these.
_CONCEPTS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (_any(*k.split()), tuple(stem(w) for w in v.split()))
    for k, v in {
        "북한 북측 북, 北, 北朝鮮 조선 朝鮮 평양 平壌 김정은 金正恩": "pyongyang",
        "발사 쏘 쐈 発射 打ち上げ 試射 사격": "launch",
        "미사일 미싸일 ミサイル 발사체 飛翔体 로켓 로케트 ロケット": "missile",
        "탄도 弾道": "ballistic",
        "순항 巡航": "cruise",
        "대륙간 大陸間": "icbm intercontinental",
        "단거리 短距離": "short range",
        "중거리 中距離": "intermediate range",
        "장거리 長距離": "long range",
        "극초음속 極超音速": "hypersonic",
        "잠수함 潜水艦": "submarine",
        "동해 日本海": "east sea",
        "서해 황해 黄海": "yellow sea",
        "태평양 太平洋": "pacific",
        "일본 日本": "japan",
        "한국 韓国 남측 합참 合同参謀本部 韓国軍": "south korea",
        "합참 합동참모본부 合同参謀本部": "joint chiefs staff jcs",
        "방위성 防衛省 防衛相": "defense ministry",
        "위성 衛星": "satellite",
        # not bare 핵: "핵심" is "core"
        "핵무기 핵실험 핵시험 핵개발 북핵 핵탄두 전술핵 핵보유 核兵器 核実験 核開発 核ミサイル 核保有": "nuclear",
        "실험 시험 実験 試験": "test",
        "화성 火星": "hwasong",
        "안보리 安保理 안전보장이사회 安全保障理事会": "security council",
        "유엔 国連": "un",
        "제재 制裁": "sanctions",
        "정상회담 首脳会談": "summit",
        "회담 会談 대화 対話 협상 交渉": "talks",
        "비핵화 非核化": "denuclearization",
        "외교장관 외무상 外相": "foreign minister",
        "담화 談話": "statement",
        "김여정 金与正": "kim yo jong",
        "마주앉 마주 앉 応じ": "sit down talks",
        "규탄 非難": "condemn",
        "미국 米国 アメリカ 米朝 日米 米韓 米大統領": "us",
        "중국 中国": "china",
        "러시아 ロシア": "russia",
        "EEZ 배타적경제수역 排他的経済水域": "eez",
        "낙하 落下 떨어": "landed fell",
        "납치 拉致": "abduction",
        "총리 首相": "prime minister",
        "확성기 拡声器": "loudspeaker",
        "전단 ビラ": "leaflet",
        "파병 派兵 派遣": "troops",
        "조약 条約": "treaty",
        "열병식 閲兵 パレード": "parade",
        "연락채널 통신선 ホットライン": "hotline",
        "방문 訪問": "visit",
        "접견 会見": "receives",
    }.items()
)
_KANA_OR_PARTICLE = re.compile(
    "[\u3040-\u309f]|[이가은는을를의에로으와과도만고다했하며서라면것수있였혔밝등및중께서]"
)
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_FIRST_SENTENCE = re.compile(r"^(.+?(?:다\.|。|[.!?](?=\s)))", re.DOTALL)


def lead_sentence(summary: str) -> str:
    """A Korean or Japanese summary's first sentence (to "다." or "。")."""
    m = _FIRST_SENTENCE.match(summary.strip())
    return m.group(1) if m else summary


def classes(text: str) -> set[str]:
    return {name for name, pattern in _CLASSES if pattern.search(text)}


def names(text: str) -> set[str]:
    return {f"{name}-{m.group(1)}" for name, pattern in _NAMES for m in pattern.finditer(text)}


def counts(text: str) -> set[int]:
    out = set()
    for m in _COUNT.finditer(text):
        out.add(int(m.group(1)) if m.group(1) else _HANGUL_NUMBERS[m.group(2)])
    return out


def areas(text: str) -> frozenset[str]:
    """Where a launch went, in English; for English text too ("into the East Sea")."""
    return frozenset(name for name, pattern in _AREAS if pattern.search(text))


def reporters(text: str) -> list[str]:
    """Who the report cites (JCS, Japan's MoD, KCNA), in English, in a fixed order."""
    return [name for name, pattern in _REPORTERS if pattern.search(text)]


# a launch announced or being prepared, not one that happened ("발사 예고", "発射を予告")
_PLAN = _any("예고", "계획", "통보", "준비", "予告", "予定", "通報", "準備")


def kind(title: str) -> str | None:
    """ "un" for a headline about UN Security Council action, "plan" for a launch notice or
    preparations, "launch" for a launch, else None."""
    if _UN_BODY.search(title) and _UN_ACTION.search(title):
        return "un"
    if not _LAUNCH.search(title):
        return None
    return "plan" if _PLAN.search(title) else "launch"


def repeat(title: str) -> bool:
    return bool(_REPEAT.search(title))


# A headline on a launch already made: the launcher's own account (the leader observed it, the
# test succeeded, it was announced), pictures, reactions. stories.py's English _FOLLOW_UP.
_FOLLOW_UP = _any(
    "참관",
    "지도",
    "성공",
    "발표",
    "확인",
    "주장",
    "공개",
    "사진",
    "영상",
    "규탄",
    "항의",
    "비난",
    "視察",
    "立ち会",
    "成功",
    "発表",
    "確認",
    "主張",
    "公開",
    "写真",
    "映像",
    "非難",
    "抗議",
)


# What a diplomatic headline says was done, in bot.domain.stories' _ACTS terms.
_ACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "meeting",
        _any(
            "접견", "회담", "방문", "면담", "만나", "도착", "会談", "訪問", "会見", "面会", "到着"
        ),
    ),
    ("sanctions", _any("제재", "制裁")),
    ("troops", _any("파병", "파견", "派兵", "派遣", "部隊", "군대")),
    ("treaty", _any("조약", "条約")),
    ("parade", _any("열병식", "閲兵", "パレード")),
    ("report", _any("모니터링", "보고서", "報告書", "監視チーム")),
    ("message", _any("친서", "축전", "서한", "書簡", "祝電", "電話会談")),
    ("loudspeakers", _any("확성기", "拡声器")),
    ("leaflets", _any("전단", "ビラ", "풍선", "風船")),
    ("hotline", _any("연락채널", "통신선", "연락선", "ホットライン", "連絡チャンネル")),
    ("statement", _any("담화", "談話")),
    ("drills", _any("연합연습", "연합훈련", "군사연습", "演習", "合同訓練")),
)
# Kim Yo Jong as the headline's subject ("김여정 "...""): her statement is an event of its own
_SPEAKER = re.compile(r"^\W*(?:김여정|金与正)")
_SPEAKS = _any("담화", "談話", '"', "\u201c", "「", "비난", "非難", "거부", "拒否", "밝혀", "表明")


# The countries beside North Korea a headline names: stories.py's _sides
_SIDES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "russia",
        re.compile(
            _any("러시아", "ロシア", "모스크바", "モスクワ", "푸틴", "プーチン").pattern
            # 露 alone (露朝, 日露, 露外相), not inside 披露, 暴露, 露呈, 露出 ...
            + "|(?<![披暴吐発甘夜雨結])露(?![呈見出骨天店頭わ])"
        ),
    ),
    ("china", _any("중국", "中国", "베이징", "北京", "시진핑", "習近平", "中朝")),
    ("us", _any("미국", "米国", "アメリカ", "트럼프", "トランプ", "한미", "米朝", "日米", "米韓")),
    ("japan", _any("일본", "日本", "首相", "日朝")),
)


def sides(title: str) -> set[str]:
    return {name for name, pattern in _SIDES if pattern.search(title)}


def acts(title: str) -> set[str]:
    acts = {name for name, pattern in _ACTS if pattern.search(title)}
    if speaker(title) and _SPEAKS.search(title):
        acts.add("statement")
    return acts


def speaker(title: str) -> bool:
    return bool(_SPEAKER.match(title))


# A meeting held (talks, a reception, a visit ended) or still ahead (an arrival, a departure
# for it): stories.py's _stage
_HELD = _any("회담", "접견", "면담", "마치", "마무리", "会談", "会見", "面会", "終え", "終了")
_AHEAD = _any("출발", "방문 예정", "出発", "訪問へ", "訪問予定")


_ARRIVAL = _any("도착", "到着")


def stage(title: str) -> str:
    if _HELD.search(title):
        return "held"
    if _AHEAD.search(title):
        return "ahead"
    return "arrival" if _ARRIVAL.search(title) else ""


def follow_up(title: str) -> bool:
    return bool(_FOLLOW_UP.search(title))


def confirmed(text: str) -> bool:
    return bool(_CONFIRMED.search(text))


# Korean names that are also the ends of other words (국왕이 "the king", 유리창 "window"):
# a name only where a word starts
_WORD_START = frozenset({"왕이", "리창"})
_PARTY_PATTERNS = tuple(
    (re.compile(("(?<![\uac00-\ud7a3])" if k in _WORD_START else "") + re.escape(k)), v)
    for k, v in _PARTIES.items()
)


def parties(text: str) -> set[str]:
    return {stem(v) for pattern, v in _PARTY_PATTERNS if pattern.search(text)}


def venues(text: str) -> set[str]:
    return {stem(v) for k, v in _VENUES.items() if k in text}


def words(texts: Iterable[str]) -> set[str]:
    """Cross-language words (English stems for the concepts named) plus content bigrams.

    The bigrams (two characters of one run, neither a kana nor a Korean particle or ending)
    let two Korean or two Japanese reports of one event overlap the way English ones do.
    """
    out: set[str] = set()
    for text in texts:
        for pattern, concept in _CONCEPTS:
            if pattern.search(text):
                out.update(concept)
        out.update(parties(text))
        out.update(venues(text))
        for run in _CJK_RUN.findall(text):
            for a, b in pairwise(run):
                if not (_KANA_OR_PARTICLE.match(a) or _KANA_OR_PARTICLE.match(b)):
                    out.add(a + b)
    return out
