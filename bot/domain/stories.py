"""One story per event: fingerprints, event features and near-duplicate matching.

An alertable item joins an existing story when it reports the same event:
- it shares a label with the story, and was published within `window` of the story's first
  report; late (after `follow_up_after`) only as a follow-up (a confirmation, a reaction, the
  Council meeting), and a fresh launch report a day on only with a specific fact in common;
- its event features do not contradict the story's (missile class and name, number of
  missiles, sea, day, distance; for diplomacy the leaders, venue, act, stage and side);
- which labels are launches and which meetings is the rule packs' to say ([stories] tables,
  `Tuning.labels`);
- its title and lead are close enough to some member's (overlap of normalised words).
  Candidates come from an inverted index over those words (word -> open stories using it), so
  the cost does not grow with the number of stories in the window; the overlap is then computed
  exactly;
- a second report from a source already in the story, in the same poll or soon after, joins
  only as a near-duplicate or an update ("(LEAD)", "UPDATE"): an outlet that publishes two
  different headlines within minutes is most often reporting two events, and a swallowed launch
  costs more than a duplicate alert.

Everything here is pure apart from the in-memory index, which the store rebuilds at start.
"""

from __future__ import annotations

import heapq
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from bot.domain import cjk_facts
from bot.domain.classify.text import detect_language, stem, tokenize
from bot.domain.storykinds import StoryLabels
from bot.models import Classification, Item, StoryView

# Words that carry no event identity.
_STOP = frozenset(
    stem(w)
    for w in (
        "a an the of to in on at for from by with and or but as is are was were be been being has "
        "have had it its this that these those which who whom what when where while after before "
        "over into about said says say saying told tells according reported reports report news "
        "official officials than then also more most new latest early late first last one its "
        "there their they he she his her we our you your not no will would could may might can "
        "s t just such some other own same so very up out day week year"
    ).split()
)
# Words every North Korea report shares (after folding): they make two reports alike without
# making them one event, so only launch reports, which share little else, count them.
_GENERIC = frozenset(
    {
        "nk",
        "korea",
        "korean",
        "south",
        "missile",
        "launch",
        "militari",
        "ballist",
        "test",
        "leader",
        # the leader's name is in half of all North Korea reports: no sign of one event
        "kim",
        "jong",
    }
)
# Different outlets name the same things differently; fold the common variants together.
_CANON = {
    stem(k): v
    for k, v in {
        "pyongyang": "nk",
        "dprk": "nk",
        "north": "nk",
        "nkorea": "nk",
        "kcna": "nk",
        "fire": "launch",
        "fired": "launch",
        "fires": "launch",
        "launch": "launch",
        "lob": "launch",
        "lobbed": "launch",
        "test-fire": "launch",
        "projectile": "missile",
        "projectiles": "missile",
        "missile": "missile",
        "missiles": "missile",
        "rocket": "missile",
        "seoul": "south",
        "east": "eastsea",
        "sea": "sea",
        "washington": "us",
        "america": "us",
        "american": "us",
        "tokyo": "japan",
        "japanese": "japan",
        "beijing": "china",
        "chinese": "china",
        "moscow": "russia",
        "russian": "russia",
        "kremlin": "russia",
    }.items()
}

# one entry per class of bot/domain/storykinds.FACT_CLASSES (tests/test_stories_pack.py checks)
_CLASSES: dict[str, tuple[str, ...]] = {
    "icbm": ("icbm", "intercontinental"),
    "irbm": ("irbm", "intermediate range"),
    "mrbm": ("mrbm", "medium range"),
    "srbm": ("srbm", "short range"),
    "long": ("long range",),
    "slbm": ("slbm", "submarine launched", "sea launched"),
    "cruise": ("cruise missile",),
    "satellite": ("satellite", "space launch vehicle", "carrier rocket"),
    "nuclear": (
        "nuclear test",
        "nuclear detonation",
        "nuclear explosion",
        "hydrogen bomb",
        "atomic test",
    ),
    "artillery": ("rocket launcher", "artillery", "multiple rocket"),
    # an underwater nuclear attack drone (the Haeil) is a weapon of its own, not a missile
    "drone": ("underwater drone", "underwater nuclear", "underwater attack", "attack drone"),
    "ballistic": ("ballistic",),
}
_CLASS_NAMES = {
    "icbm": "ICBM",
    "irbm": "IRBM",
    "mrbm": "MRBM",
    "srbm": "SRBM",
    "slbm": "SLBM",
    "long": "long-range",
    "ballistic": "ballistic missile",
    "cruise": "cruise missile",
    "satellite": "satellite launch",
    "nuclear": "nuclear test",
    "artillery": "rocket artillery",
    "drone": "underwater drone",
}
# "new satellite imagery shows", "commercial satellite images of the site": what a satellite
# saw is no satellite launch (the class words are matched on the lowered, unhyphenated text)
_IMAGERY = re.compile(
    r"\bsatellites?\s+(?:imagery|images?|photos?|photographs?|pictures?|analysis|observations?)\b"
)
# the same, on a headline as written
_IMAGERY_WORDS = re.compile(_IMAGERY.pattern.replace(r"\s+", r"[\s-]+"), re.IGNORECASE)
_BALLISTIC = frozenset({"icbm", "irbm", "mrbm", "srbm", "slbm", "long", "ballistic"})
# Ballistic classes that can name the same missile ("long-range" covers ICBMs and IRBMs).
_SAME_MISSILE = {("long", "icbm"), ("long", "irbm"), ("icbm", "long"), ("irbm", "long")}
# Families that cannot describe one event together. A satellite launch is often called a
# ballistic missile launch by others, so the two are one family.
_FAMILY = {c: "launch" for c in (*_BALLISTIC, "satellite")} | {
    "cruise": "cruise",
    "nuclear": "nuclear",
    "artillery": "artillery",
    "drone": "drone",
}
_NAME = re.compile(
    r"\b(hwasong|hwasal|pukguksong|chollima|unha|taepodong|kn|haeil|pulhwasal|malligyong|"
    r"kwangmyongsong)[\s-]*(\d+[a-z]?)\b",
    re.IGNORECASE,
)
# The class a named missile belongs to: a report naming the Hwasong-18 is about an ICBM even
# when it does not say so. Keys are a family ("chollima") or a full name ("hwasong-18").
_NAME_CLASS = {
    "hwasong-14": "icbm",
    "hwasong-15": "icbm",
    "hwasong-17": "icbm",
    "hwasong-18": "icbm",
    "hwasong-19": "icbm",
    "hwasong-12": "irbm",
    "hwasong-16b": "irbm",
    "hwasong-11": "srbm",
    "kn-23": "srbm",
    "kn-24": "srbm",
    "kn-25": "artillery",
    "haeil": "drone",
    "pukguksong": "slbm",
    "hwasal": "cruise",
    "pulhwasal": "cruise",
    "chollima": "satellite",
    "unha": "satellite",
    "malligyong": "satellite",
    "kwangmyongsong": "satellite",
}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "single": 1,
    "pair": 2,
}
_AT_LEAST = re.compile(r"\b(?:at least|more than|over|up to)\s+$", re.IGNORECASE)
_COUNT = re.compile(
    r"(?<![-\w])(a|an|one|two|three|four|five|six|seven|eight|nine|ten|single|\d{1,2})\s+"
    r"(?:(?:more|new|suspected|apparent|short[\s-]range|long[\s-]range|medium[\s-]range|"
    r"intermediate[\s-]range|intercontinental|ballistic|cruise|hypersonic|submarine[\s-]launched|"
    r"strategic|tactical|unidentified|solid[\s-]fuel(?:ed)?)\s+){0,3}"
    r"(?:missiles?|projectiles?|rockets?|icbms?|srbms?|slbms?|irbms?)\b"
    # "a salvo of three", "a volley of two missiles": the count after the salvo
    r"|\b(?:salvo|volley|barrage)\s+of\s+(one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\b",
    re.IGNORECASE,
)
# A count that is no salvo's: launches or tests counted ("two missile launches", "four missile
# tests": a series), or a tally ("12 missiles this year", "so far", "since January"). Ordinals
# ("seventh test", "fifth ICBM this year") never match `_COUNT`
_NOT_A_SALVO = re.compile(
    r"\s*(?:(?:launch(?:es)?|tests?|firings?)\b|(?:[\w,-]+\s+){0,3}?"
    r"(?:(?:this|in (?:a|one|the))\s+(?:year|month)|so far|to date)\b)",
    re.IGNORECASE,
)
_PARTIES = {
    stem(w)
    for w in (
        "trump biden obama xi putin moon yoon lee abe kishida ishiba takaichi suga lavrov pompeo "
        "blinken rubio tillerson biegun guterres shoigu wang albanese macron qiang belousov medvedev choe"
    ).split()
}
# whose leader or envoy each party is (a headline naming only its own side's is no talks)
_PARTY_SIDE = {
    stem(w): side
    for side, names in {
        "us": "trump biden obama pompeo blinken rubio tillerson biegun",
        "south": "moon yoon lee",
        "japan": "abe kishida ishiba takaichi suga",
        "china": "xi wang qiang",
        "russia": "putin lavrov shoigu belousov medvedev",
    }.items()
    for w in names.split()
}
_VENUES = {
    stem(w)
    for w in (
        "singapore hanoi panmunjom vladivostok vostochny beijing dmz stockholm geneva camp david "
        "helsinki osaka hiroshima wonsan"
    ).split()
}
_CONFIRMED = re.compile(
    r"\b(kcna|confirmed|joint chiefs|defen[cs]e ministry|state media)\b", re.IGNORECASE
)
# What a launch was made from: two reports naming the same platform share a fact of one launch
_PLATFORMS = {
    "submarine": re.compile(r"\b(?:submarines?|from (?:a )?sub)\b"),
    "rail": re.compile(r"\b(?:trains?|railway|rail borne|rail launched)\b"),
}
# Where the missile came down: two launches into different seas are two events. Matched on the
# lower-cased text with hyphens as spaces; a table to extend (other languages add their names).
_SEAS: dict[str, tuple[str, ...]] = {
    # a flight over or toward Japan, into the Pacific, went east
    "east": (
        "east sea",
        "sea of japan",
        "east coast",
        "eastern waters",
        "eastern coast",
        "over japan",
        "toward japan",
        "towards japan",
        "into the pacific",
        "pacific ocean",  # (not "US Pacific Command": no sea)
    ),
    "west": ("yellow sea", "west sea", "west coast", "western waters", "western coast"),
}
# The day the event happened, as the lead says it ("on Tuesday").
_WEEKDAYS: dict[str, tuple[str, ...]] = {
    d: (f"on {d}", f"{d} morning", f"{d} afternoon", f"{d} evening", f"{d} night")
    for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}
# "fired a short-range ballistic missile toward its eastern waters Sunday": the day the lead
# gives after the launch without "on" (not "last Sunday", nor "since Sunday")
_LAUNCHED_DAY = re.compile(
    r"\b(?:fired|fires|launched|launches|test fired|test fires|shot)\b[^.;:]{0,80}?"
    r"(?<!last )(?<!since )(?<!next )\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)
# "said on Friday": the day of the statement (state media's next-day confirmation), not the event
_SAID_ON = re.compile(
    r"\b(?:said|says|say|reported|reports|announced|announces|confirmed|confirms|stated|claimed"
    r"|claims)\s+(?:early |late )?(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)
# What a diplomatic headline says was done. Two reports whose acts differ are two events
# (a summit and a sanctions package in one hour; a minister's visit, the troops the host
# acknowledges sending, and the anniversary of their treaty in one week); a visit and its
# talks are one act. Only the headline counts: leads mention sanctions and drills as the
# background of every summit. Korean and Japanese headlines: `cjk_facts.acts`.
_ACTS: dict[str, tuple[str, ...]] = {
    "meeting": (
        "summit",
        "meet",
        "meets",
        "met",
        "meeting",
        "talks",
        "visit",
        "visits",
        "arrives",
        "hosts",
        "trip",
        "receives",
        "received",
        "welcomes",
        "lands in",
        "flies into",
        "flew into",
        "back in",
        "wraps up",
    ),
    "sanctions": (
        "sanctions on",
        "sanctions against",
        "sanctions over",
        "new sanctions",
        "new us sanctions",
        "us sanctions on",
        "imposes sanctions",
        "impose sanctions",
        "sanctions targeting",
        # the verb: "U.S. sanctions Russian company over ...", "Treasury sanctioned ..."
        "us sanctions",
        "u.s. sanctions",
        "treasury sanctions",
        "sanctioned",
        "sanctioning",
        # the sanctioned side as the subject: "North Korea hit with new sanctions"
        "hit with sanctions",
        "hit with new sanctions",
        "slapped with sanctions",
        "slapped with new sanctions",
        "blacklist",
        "blacklists",
        # a threat of sanctions is a measure of its own too (LABELLING.md rule 3)
        "threatens sanctions",
        "threaten sanctions",
        "threat of sanctions",
        "sanctions threat",
        "more sanctions",
        "further sanctions",
    ),
    "troops": ("troops", "soldiers", "troop", "deployment", "deploys", "deployed"),
    "treaty": ("treaty", "anniversary of", "partnership pact", "defence pact", "defense pact"),
    "parade": ("parade",),
    "report": ("monitoring team", "monitoring group", "monitors", "panel of experts", "msmt"),
    "message": ("letter", "greetings", "phone call", "congratulates", "message to"),
    "loudspeakers": ("loudspeaker", "loudspeakers"),
    "leaflets": ("leaflet", "leaflets", "balloons"),
    "hotline": ("hotline", "liaison line", "liaison office", "communication line"),
    "drills": ("drill", "drills", "exercise", "exercises", "war games", "wargames"),
    # "North Korea denies sending weapons to Russia": one side's word against a claim, apart
    # from the claim's reports and the analyses of what it claims
    "denial": ("denies", "denied", "deny", "rejects claims", "rejects reports", "dismisses claims"),
}
# What a side's word about an act to come does (`Facts.pleas`), read in the headline's own
# clause: a threat to act ("threatens to shoot down", "may take destructive measures", "on
# standby to intercept"), a call on the other side to act ("calls on North Korea to abandon",
# "urges Pyongyang to halt"; a warning that tells it to, "warns North Korea to scrap its launch
# plans", is such a call), a warning of what is to come ("warns the North may launch soon")
_WORD_ACTS: dict[str, re.Pattern[str]] = {
    "threat": re.compile(
        r"\b(?:threaten\w*|shoot\w* down|shot down|intercept\w*|destroy\w*|destructive|"
        r"on standby|stands? by to|retaliat\w*|counter ?measures?)\b",
        re.IGNORECASE,
    ),
    "call": re.compile(
        r"\b(?:calls? (?:on|for)|called (?:on|for)|urg(?:es?|ed|ing)|asks?|asked|demands?|"
        r"demanded|press(?:es|ed)? (?!conference|release|briefing)\S+ to|"
        r"warn(?:s|ed)?\s+(?!of\b)(?:[\w.'\u2019-]+\s+){0,4}?(?:not to|to|against)\s)\b",
        re.IGNORECASE,
    ),
    "warning": re.compile(r"\bwarn(?:s|ed|ing|ings)?\b", re.IGNORECASE),
}


def _pleas(clause: str) -> frozenset[str]:
    """`Facts.pleas` of a headline's own clause: a warning that tells the other side what to do
    is a call, not a warning besides."""
    found = {a for a, p in _WORD_ACTS.items() if p.search(clause)}
    if "call" in found and not _WORD_ACTS["warning"].search(_WORD_ACTS["call"].sub(" ", clause)):
        found.discard("warning")
    return _fs(found)


_ACT_PATTERNS = {
    act: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
    for act, words in _ACTS.items()
}
# Acts that pick out one event among the many of a week of diplomacy: two reports sharing one
# vouch for each other as a shared leader does ("meeting" does not: every visit has talks)
_TELLING_ACTS = frozenset(_ACTS) - {"meeting", "statement", "denial"}
# Distances: "flew about 1,000 km", "a range of 600 kilometres"; apogee: "an altitude of 6,000 km".
_KM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(km|kilomet(?:er|re)s?|miles?)\b"
_DISTANCE = re.compile(
    r"\b(?:flew|flying|flies|fly|travel+ed|travel+ing|range of|distance of)\D{0,25}?" + _KM,
    re.IGNORECASE,
)
_APOGEE = re.compile(r"\b(?:altitude|apogee|height)\D{0,25}?" + _KM, re.IGNORECASE)
# Figures from different agencies for one flight differ by a few tens of percent at most.
_FIGURE_TOLERANCE = 1.4
# An outlet's update of its own earlier report ("(LEAD)", "(2nd LD)", "UPDATE 2").
_UPDATE = re.compile(
    r"\((?:lead|\d+(?:st|nd|rd|th)\s+ld|ld)\)|\bupdate[ds]?\b\s*\d*\s*[:-]|^\s*update\b",
    re.IGNORECASE,
)


_T = TypeVar("_T")
_SHARED: dict[frozenset[object], frozenset[object]] = {}


def _fs(values: Iterable[_T]) -> frozenset[_T]:
    """A frozenset, shared between the many reports with the same one (most are empty): the
    index keeps one per story and per report."""
    made = frozenset(values)
    if len(made) > 4:
        return made
    return _SHARED.setdefault(made, made) if len(_SHARED) < 10_000 else made  # type: ignore[return-value]


def _figures(pattern: re.Pattern[str], text: str) -> frozenset[int]:
    out = set()
    for m in pattern.finditer(text):
        value = float(m.group(1).replace(",", ""))
        if m.group(2).lower().startswith("mile"):
            value *= 1.609
        out.add(round(value))
    return _fs(out)


def _figures_agree(a: frozenset[int], b: frozenset[int]) -> bool:
    if not a or not b:
        return True
    return any(max(x, y) <= _FIGURE_TOLERANCE * max(min(x, y), 1) for x in a for y in b)


def _matching(table: dict[str, tuple[str, ...]], low: str) -> frozenset[str]:
    return _fs(name for name, phrases in table.items() if any(p in low for p in phrases))


@dataclass(frozen=True, slots=True)
class Facts:
    """What an item says about its event, as far as simple patterns can tell."""

    classes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    counts: frozenset[int] = frozenset()
    parties: frozenset[str] = frozenset()
    venues: frozenset[str] = frozenset()
    confirmed: bool = False
    kind: str = "event"  # what the headline is about: "launch", "un" (UN action) or "meeting"
    repeat: bool = False  # the headline says "again", "another", "more": a further event
    seas: frozenset[str] = frozenset()  # where it came down: "east", "west"
    days: frozenset[str] = frozenset()  # weekday the lead gives for the event
    distances: frozenset[int] = frozenset()  # km flown
    apogees: frozenset[int] = frozenset()  # km high
    acts: frozenset[str] = frozenset()  # diplomacy: "meeting", "sanctions", ...
    about_launch: bool = False  # the headline names a launch (a UN meeting about one)
    # the headline reports on a launch already made (a confirmation, a claim, a reaction, the
    # video), not a fresh launch: only such reports join a launch story long after its start
    follow_up: bool = False
    # diplomacy: "ahead" (a meeting announced, travelled to, awaited) or "held" (it took place);
    # the arrival for a summit and the summit's talks are two events; "arrival" (a visitor
    # arrived, no meeting awaited in the headline): the visit, whose talks are its own
    stage: str = ""
    # who acts, as the headline's first country names it ("South Korea suspends...", "North
    # Korea scraps..."): two measures by different sides are two events
    actor: str = ""
    names_launch: bool = False  # the headline names a launch or a weapon anywhere in it
    # the headline's subject is a named speaker of the launching side (Kim Yo Jong): her
    # statement about a launch is an event of its own, not a report of the launch
    statement: bool = False
    # the headline is Kim Yo Jong's statement, or a reaction to it ("White House says door
    # stays open after Kim Yo Jong rebuff"): such reports are one story, apart from the talks
    # and offers her statement names
    speaker: bool = False
    # the side whose act a reaction's headline answers ("South Korea says North's troop
    # admission shows ..."): "nk"; the reaction joins that side's story
    answers: str = ""
    # the countries beside the two Koreas a diplomatic headline names, by name, capital or
    # leader ("Lavrov hosts North Korea's Choe in Moscow": russia; "Japan's prime minister seeks
    # summit with Kim": japan): talks with Russia and an offer from Japan are two events
    sides: frozenset[str] = frozenset()
    # every side the headline's own clause names, the Koreas too, without the attribution:
    # host and visitor ("Kim receives Russian defence minister"; "Russian minister arrives in
    # Pyongyang") name each other, so their different subjects are still one visit
    named: frozenset[str] = frozenset()
    # the headline's act is a measure (a pact suspended or scrapped, sanctions): one side's
    # answer to a launch is its own event
    measure: bool = False
    # the headline's launch is another side's own ("South Korean missile malfunctions in a
    # drill", "US test-fires Minuteman"): never the same launch as one of North Korea's
    other_side: bool = False
    # the launch a reaction's headline says it follows ("US flies bombers after North Korea's
    # ICBM launch", "Kim vows ... after observing new ICBM launch"): its classes, beyond
    # "ballistic". Only for a headline that is not itself a fresh launch: "fires missile two
    # days after ICBM test" names another launch. "latest" for a headline naming "the latest
    # launch" ("Council meets over latest missile launch"): it refers to the launch story begun
    # last (`decide`)
    refers: frozenset[str] = frozenset()
    # the lead dates the event a week or a weekend back ("fired two projectiles last weekend"):
    # a fresh launch reported after it is another event
    earlier: bool = False
    # a feature about a series ("why the North's satellite launches draw condemnation"): launches
    # or tests in the plural, as a noun; or one of a genre of its own (`_GENRE`: an opinion
    # piece, a profile): it is no one event's report, and no report joins it
    series: bool = False
    # an account of several launches ("state media says recent missile launches were drills",
    # "says missile tests were practice for strikes"): launches or tests in the plural as the
    # subject of "were"/"are", or "earlier", "recent" ones. Its own event (a series is no one
    # launch): it joins only another account of them, and only an account joins its story
    account: bool = False
    # what it was launched from ("from a submarine", "from a train"): a fact of one launch
    platforms: frozenset[str] = frozenset()
    # the side whose own word or act the headline is: its subject's side, as `actor` but also
    # when it names another side's leader ("South Korea warns Putin ..."), and the side told of
    # when another side only tells it ("Japan says North Korea plans to launch ...": nk).
    # Another side's warning, threat or call about a launch to come is its own event
    voice: str = ""
    # the side of a headline's subject whose verb is a word ("South Korea warns Putin ...", "US
    # threatens sanctions ...", "Seoul expresses concern after summit"): a side that is no
    # party to a meeting speaking of it makes an event of its own
    says: str = ""
    # the side a headline's attribution names ("Arms talks advancing, U.S. says": us): the
    # report is that side's word, whatever its clause names
    told_by: str = ""
    # the headline tells of a launch itself: a fresh report of it, or the launcher's or a
    # government's telling of it ("North Korea confirms ...", "Kim oversaw ..."); not a
    # reaction, its pictures or an analysis of it. Merged over a story's members: a story of
    # reactions and analyses alone holds no launch a fresh report could be a report of
    tells_launch: bool = False
    # what a side's word in the headline does (`_WORD_ACTS`): "threat" (to shoot a rocket
    # down, "destructive measures"), "call" (on the North to drop a launch), "warning". Another
    # side's threat and its call are two events (LABELLING.md rule 4), as two meetings' acts are
    pleas: frozenset[str] = frozenset()

    def merge(self, other: Facts) -> Facts:
        return Facts(
            _fs(self.classes | other.classes),
            _fs(self.names | other.names),
            _fs(self.counts | other.counts),
            _fs(self.parties | other.parties),
            _fs(self.venues | other.venues),
            self.confirmed or other.confirmed,
            self.kind,
            self.repeat,
            _fs(self.seas | other.seas),
            _fs(self.days | other.days),
            _fs(self.distances | other.distances),
            _fs(self.apogees | other.apogees),
            _fs(self.acts | other.acts),
            self.about_launch or other.about_launch,
            self.follow_up,
            self.stage or other.stage,
            self.actor,
            self.names_launch,
            self.statement,
            self.speaker,
            self.answers,
            _fs(self.sides | other.sides),
            self.named,
            self.measure,
            self.other_side,
            self.refers,
            self.earlier,
            self.series,
            self.account,
            _fs(self.platforms | other.platforms),
            self.voice,
            self.says,
            self.told_by,
            self.tells_launch or other.tells_launch,
            _fs(self.pleas | other.pleas),
        )

    def adds_to(self, known: Facts) -> bool:
        """Does this item state something material the story did not have yet?"""
        return bool(self.added(known))

    def added(self, known: Facts) -> list[str]:
        """The material facts this item states that the story did not have yet, as labels."""
        new = Facts(
            classes=self.classes - known.classes - {"ballistic"},
            names=self.names - known.names,
            counts=self.counts if self.counts and not known.counts else frozenset(),
            distances=self.distances if self.distances and not known.distances else frozenset(),
            apogees=self.apogees if self.apogees and not known.apogees else frozenset(),
        )
        out = new.describe()
        if self.confirmed and not known.confirmed:
            out.append("confirmed")
        return out

    def describe(self) -> list[str]:
        """Short fact labels for the parent message: "ICBM", "Hwasong-18", "2 missiles"."""
        classes = self.classes - {"ballistic"} if self.classes - {"ballistic"} else self.classes
        out = sorted(_CLASS_NAMES[c] for c in classes)
        out += sorted(self.names)
        if len(self.counts) == 1:
            (n,) = self.counts
            out.append(f"{n} missile{'s' if n > 1 else ''}")
        if self.distances:
            out.append(f"flew {max(self.distances):,} km")
        if self.apogees:
            out.append(f"apogee {max(self.apogees):,} km")
        return out


# "..., hours after an SRBM launch" / "following last week's test": another event, not this one
_OTHER_EVENT = re.compile(
    r"\b(?:(?:hours?|days?|weeks?|a day|a week|shortly|just|soon|months?)\s+)?"
    r"(?:after|following|since|before)\b[^,.;:]*",
    re.IGNORECASE,
)
_LAUNCH_WORDS = re.compile(
    r"\b(?:fires?|fired|firing|launch\w*|test[- ]?fir\w*|missiles?|icbms?|slbms?|srbms?|irbms?|"
    r"rockets?|projectiles?|nuclear test|satellites?|orbit|j-alert|hwasong|pukguksong|"
    r"lob\w*|ballistic|blast|detonat\w*)\b",
    re.IGNORECASE,
)
_REPEAT = re.compile(
    r"\b(?:another|fresh|renewed|more (?:missiles?|rockets?|projectiles?)|"
    r"(?:second|third|new) (?:launch|round|salvo|volley)|(?:second|third) test in)\b",
    re.IGNORECASE,
)
# "again" is said of a verb: a further launch when that verb is a launch ("fires missiles
# again", "again fires"), not when someone does something else again ("Kim's daughter tags
# along to missile launch site again", "daughter appears again as North Korea fires")
_LAUNCH_VERB = (
    r"(?:fires?|fired|firing|launch(?:es|ed|ing)?|test[- ]?fir\w*|tests|tested|testing|"
    r"lobs?|lobbed|salvos?|barrage)"
)
# "again" within four words after the launch verb ("fires ballistic missiles again") or at most
# one word before it ("again fires", "again test-fires")
_AGAIN_LAUNCH = re.compile(
    rf"\b{_LAUNCH_VERB}\b(?:\s+[\w'\u2019-]+){{0,4}}?\s+again\b"
    rf"|\bagain\s+(?:[\w'\u2019-]+\s+)?{_LAUNCH_VERB}\b",
    re.IGNORECASE,
)
# the name of a launch site ("Sohae Satellite Launching Ground", "satellite launch station"):
# a place, which states no class of what is launched
_SITE_NAME = re.compile(
    r"\bsatellite launch(?:ing)? (?:ground|station|site|facility|centre|center|pad|base|complex)s?\b"
)
# "submarine-launched" names what a missile was fired from (`_PLATFORMS`), not a ballistic
# class: a submarine-launched missile is an SLBM only when the text says "ballistic" of it or
# "SLBM" ("tests submarine-launched missile" is as often cruise missiles fired from a submarine)
_SLBM_WORDS = re.compile(r"\bslbms?\b|\b(?:submarine|sea) launched (?:[\w]+ ){0,2}?ballistic\b")
# "World condemns launch as Security Council prepares to meet": the headline's own event is
# what comes before such a clause.
_SUBORDINATE = re.compile(
    r"\s(?:as|while|after|following|amid|ahead of|before|days after|hours after)\s", re.IGNORECASE
)
# "Kim arrives in Russia - who he hopes will provide satellite tech -": an aside about
# someone, not the headline's own act
_RELATIVE = re.compile(
    r"\s*[,\u2013\u2014]\s*(?:who|whom|whose|which|where)\s|\s-\s*(?:who|whom|whose|which|where)\s",
    re.IGNORECASE,
)
# "tour rocket launch site": a place, not a launch; "balloon launch of leaflets": no missile
_LAUNCH_PLACE = re.compile(
    r"\b(?:rocket |space |satellite )?launch (?:site|facility|pad|centre|center|base)s?\b|"
    r"\b(?:balloon|leaflet)s?[\s-]+launch\w*|\blaunch\w*\s+(?:of\s+)?"
    # "launches missile and balloons": a launch word between them is a launch of its own
    r"(?:(?!(?:missiles?|rockets?|projectiles?|ballistic|icbms?|satellites?)\b)[\w-]+\s+){0,2}?"
    r"(?:balloons?|leaflets?)\b",
    re.IGNORECASE,
)
# "imagery shows activity at the nuclear test site": in a picture's report, a place, not a test
# (a quake "near the nuclear test site" is the test's first report)
_TEST_SITE = re.compile(
    r"\b(?:nuclear\s+)?test(?:ing)?[\s-]+(?:sites?|grounds?|facilit(?:y|ies)|tunnels?)\b",
    re.IGNORECASE,
)
# Russia's own Security Council (its secretary visits Pyongyang) is not the UN's
_NOT_UN = re.compile(
    r"\b(?:russia(?:n|'s|\u2019s)?|kremlin(?:'s|\u2019s)?|national)\s+security council\b|"
    r"\bsecurity council secretary\b",
    re.IGNORECASE,
)
# What a speaker's headline does: a statement ("Kim Yo Jong says talks with US not in our
# interest"), not the talks it names
_SPEECH = re.compile(
    r"\b(?:says?|said|speaks?|slams?|rejects?|rejected|dismiss\w*|denounc\w*|condemn\w*|warns?|"
    r"vows?|calls?|blasts?|rebuff\w*|statement|derides?|mocks?|accuses?|threatens?)\b",
    re.IGNORECASE,
)
# Explainers and analysis are about events but are none: they never found a launch story that
# launch reports then join on little more than the time.
_FEATURE = re.compile(
    r"^\s*(?:explainer|analysis|factbox|timeline|opinion|q&a|watch|photos|in pictures|tracker)\b|"
    r"\b(?:what we know|things to know|what to know|all you need to know|why\b.*\?|how worried)|"
    r",\s*explained\W*$",
    re.IGNORECASE,
)
# A genre the outlet marks as the writer's own: an opinion piece or column (a columnist's
# byline after a bar: "... | Jane Doe"), a commentary, an editorial, a profile ("Who is ...");
# an explainer ending "Here's why". Such a report is an event of its own, not a report of the
# event it discusses (joins none, is joined by none: `Facts.series`). An analysis or explainer
# of one event ("Analysis: ...", "Putin and Kim meet, but why?") is labelled that event's
# report and stays a feature that may join it
_GENRE = re.compile(
    r"(?i:^\s*(?:opinion|commentary|editorial|op-ed|profile|who is|guest essay)\b|"
    r"^\s*(?:viewpoint|perspective|column|letters?)\s*:|^\s*the [\w\s]{1,30} view on\b|"
    r"\|\s*[\w\s]{0,30}editorial\s*$|"
    # Korean and Japanese papers' marks: [사설] editorial, [칼럼] column, [기고] guest piece,
    # [시론] commentary, 【社説】 editorial, コラム column
    r"^\s*[\[\u3010(<]?\s*(?:\uc0ac\uc124|\uce7c\ub7fc|\uae30\uace0|\uc2dc\ub860|\uc624\ud53c\ub2c8\uc5b8|"
    r"\u793e\u8aac|\u30b3\u30e9\u30e0|\u8ad6\u8aac)\s*[\]\u3011):>]|"
    r"\bhere(?:'s|\u2019s| is) why\W*$)|"
    # (an outlet's name after the bar, "| The Daily Post", "| Channel 9 News", is none)
    r"\s\|\s+(?!The\s)(?:[A-Z][\w.'\u2019-]+\s+){1,2}"
    r"(?!(?:News|Times|Post|Herald|Today|Online|Journal|Daily|Tribune|Review|Report|Network|"
    r"Media|World|Asia|Live|Updates|Video|Film|Podcast|TV)\s*$)[A-Z][\w'\u2019-]+\s*$",
)
# "plans to launch a satellite", "notifies Japan of launch": a launch to come is not the launch
_PLANNED = re.compile(
    r"\b(?:plans?|planned|planning|will|to launch|to (?:try|attempt)|"
    r"notif\w+|(?:could|may|might)\s+(?:soon\s+|now\s+|yet\s+)?(?:launch|fire)|prepar\w+|imminent|set to|intends?|scrap|halt|ready to|"
    r"about to|vows? to|promis\w+|hints? at|abandon\w*|shoot down|on standby|"
    # a warning against a launch to come: "warns North Korea against launching a satellite",
    # "urges Pyongyang not to fire", "if it launches", "refrain from"
    r"against (?:(?:a|an|any|another|the|its|further)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:launch\w*|fir\w+|test\w*)|not to (?:launch|fire|test|conduct)|refrain from|"
    r"if (?:[\w.]+\s+){1,2}?(?:launch|fire|test|conduct|hold|carr)\w*)\b",
    re.IGNORECASE,
)
# "North Korea could take military action around key summit": a warning of the North's act
# to come, as a launch plan is; not the summit it names
_CONJECTURE = re.compile(
    r"\b(?:could|may|might|likely to|poised to|set to|prepar\w+ (?:for|to))\s+(?:\w+\s+){0,2}?"
    # (a threat of one's own: "Japan may take 'destructive measures'")
    r"[\"'\u2018\u201c]?(?:military action|provocations?|weapons? tests?|nuclear test|"
    r"destructive measures|counter ?measures)\b",
    re.IGNORECASE,
)
# A headline about a launch already reported: the launcher's own confirmation or claim, its
# pictures, others' reactions. Anything else naming a launch is taken as a fresh launch.
_FOLLOW_UP = re.compile(
    r"\b(?:confirm\w*|claim\w*|admit\w*|says it|said it|says its|state (?:media|tv|television)|"
    r"kcna|video|photos?|pictures|images?|footage|shows|shown|airs|aired|televised|captures?|"
    r"captured|condemn\w*|denounc\w*|protest\w*|"
    # "US and allies clash with China over the launch": a dispute about a launch made (the
    # sides it names may be a list: "clash with Russia, China and Iran over")
    r"clash\w*\s+(?:[\w'\u2019-]+,?\s+){0,8}?over|"
    r"slams?|criticiz\w*|rebuk\w*|urges?|vows?|pledges?|analys[ti]\w*|explain\w*|"
    r"what|why|how|oversees|oversaw|guides|guided (?:a|the)|observes|observed|watches|watched|"
    r"inspects|success\w*|academy of defen[cs]e science|calls? for|"
    # the launcher's telling of what a launch made was: "describes latest launch as a drill",
    # "launch simulated a nuclear counterattack", "missile tests were practice for strikes"
    r"describ\w*|(?:launch\w*|tests?|missiles?|firings?)\s+(?:was|were|simulated))\b|"
    r"\b(?:tested|held|conducted)\W*$",  # KCNA's "... Hwasong-12 tested", "... drill held"
    re.IGNORECASE,
)
# State media's own account of a launch, often a day later: the leader's guidance, the
# "new-type" weapon ("DPRK Missile Administration test-fires new-type missile. Kim Jong Un
# observed.")
_GUIDANCE = re.compile(
    r"\b(?:oversaw|oversees|observed|observes|guides|watched|inspected)\b|\bnew-type\b",
    re.IGNORECASE,
)
# The launcher's own account in a report's lead ("North Korea said it launched a solid-fuel
# ICBM", a day after the launch): a confirmation, whatever the headline's verb
_OWN_ACCOUNT = re.compile(
    r"\b(?:north korea|pyongyang|the north|state media|kcna)\s+(?:said|says)\s+"
    r"(?:that\s+)?it\s+(?:had\s+|has\s+)?(?:successfully\s+)?"
    r"(?:launched|tested|test-fired|fired)\b",
    re.IGNORECASE,
)
# The launcher's own word of a launch to come in a plan's lead ("North Korea says it will launch
# satellites to monitor the drills"): its statement, as "says it will" in the headline is
_OWN_PLAN = re.compile(
    r"\b(?:north korea|pyongyang|the north|state media|kcna)\s+(?:said|says)\s+(?:that\s+)?"
    r"it\s+(?:will|would|plans|planned|intends|is planning|is going)\b",
    re.IGNORECASE,
)
# a notice given to another side ("notifies Japan", "tells the coast guard"): the notice,
# whatever its lead says the North told
_NOTICE = re.compile(
    r"\b(?:notif\w+|inform\w*|tells?\s+(?:japan|tokyo|the imo|maritime|the coast guard))\b",
    re.IGNORECASE,
)
# An assessment of a launch made: "US assesses", "experts say", "detected using GPS" (the
# means of detection; not a first report's "Japan detects a launch", nor "detected by radar"):
# an analysis, which tells of no launch of its own (`Facts.tells_launch`)
_ASSESSMENT = re.compile(
    r"\b(?:assess(?:es|ed|ing|ments?)?|(?:experts?|analysts?|researchers?)\s+(?:say|says|said|"
    r"warn\w*|believe\w*|think)|detected\s+(?:using|via|through))\b",
    re.IGNORECASE,
)
# Another side's reaction to a launch made ("US condemns ...", "Seoul urges ...", "allies
# clash over ..."): a follow-up that tells of no launch itself, unlike the launcher's
# confirmation, its pictures or its account of the launch
_REACTION = re.compile(
    r"\b(?:condemn\w*|denounc\w*|protest\w*|slams?|criticiz\w*|rebuk\w*|urges?|calls? for|"
    r"clash\w*)\b",
    re.IGNORECASE,
)
# Diplomacy: a meeting still to come (announced, travelled to) or one that took place. "To meet"
# and "ahead of" win over "meet": "arrives to meet Putin" is the arrival.
_AHEAD = re.compile(
    r"\b(?:to (?:meet|visit|hold)|to (?:the |a )?(?:summit|talks|meeting)|will (?:meet|visit|hold)|set to|expected|heading|headed|"
    r"en route|ahead of|before (?:an? )?(?:expected|possible|planned)|nears|may meet|could meet|"
    r"potential|possible (?:meeting|summit|visit|talks)|plans? to (?:meet|visit)|departs?|departed|"
    r"leaves? for|travels? to|arrives?|arrived|crosses|enters|reportedly)\b",
    re.IGNORECASE,
)
# A meeting that took place, said so plainly: these win over `_AHEAD` ("accepts an invitation
# to visit" is the summit's outcome); `_HELD` words count only when `_AHEAD` finds nothing.
_HELD_PLAINLY = re.compile(
    r"\b(?:met|meets|accept\w*|held talks|talks (?:end|ended|conclude\w*)|wraps? up|wrapped up|"
    r"(?:ends|ended|concludes|concluded) (?:his |her |a |the )?(?:[\w-]+ ){0,2}(?:visit|trip|tour)|"
    r"(?:after|during|at) (?:the |a |their )?(?:[\w'\u2019-]+ ){0,2}(?:meeting|summit|talks))\b",
    re.IGNORECASE,
)
_HELD = re.compile(r"\b(?:meet|summit|pledges?|vows?|discuss\w*)\b", re.IGNORECASE)
_ARRIVAL = re.compile(r"arrives?|arrived", re.IGNORECASE)
_FOR_TALKS = re.compile(
    r"\bfor (?:\w+ ){0,3}(?:talks|meeting|summit|meet)\b|\bfor (?:a |his |her )?(?:[\w-]+ )?"
    r"(?:summit|meeting)\b",
    re.IGNORECASE,
)
# "Russian help enabled North Korea to launch a satellite": how a launch already made came
# about, not a launch to come (a follow-up of that launch)
_ENABLED = re.compile(
    r"\b(?:enabled|helped|allowed)\s+(?:[\w'\u2019-]+\s+){0,3}?(?:to\s+)?"
    r"(?:launch|fire|put|test)\b",
    re.IGNORECASE,
)
_FAILED = re.compile(r"\b(?:fail\w*|crash\w*|explod\w*|plunge\w*|blew up)\b", re.IGNORECASE)
_UN = re.compile(r"(?i:\b(?:security council|unsc|united nations)\b)|\bU\.?N\b\.?")
_TEST = re.compile(r"\btest\w*", re.IGNORECASE)
# the Council as a later clause's subject: "as Security Council discusses", "while UN meets"
_COUNCIL_ACTS = re.compile(
    r"\s(?:as|while|after|before)\s+(?:the\s+)?(?:(?:U\.?N\.?|United Nations)\s+)?"
    r"(?:Security Council|UNSC|U\.?N\b\.?|United Nations)\s+(?:is\s+)?(?:to\s+)?"
    r"(?:discuss\w*|debat\w*|meets?|convene\w*|vot\w*|weigh\w*|consider\w*|"
    r"prepar\w*|hold\w*|gather\w*|adopt\w*|condemn\w*|tak\w+ up|fail\w*|mull\w*|is meeting)\b",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s+[A-Z\"'\u201c]|$)", re.DOTALL)


# A summary that is a photo's caption, ending in the picture's credit ("... in Pyongyang on
# March 16. (KCNA via AP)", "(AP Photo/Ahn Young-joon)"): it tells of the picture, often of
# another day's launch, not of the report's event, so it gives no facts
_PHOTO_CAPTION = re.compile(
    r"\((?:[^()]*\b(?:via\s+AP|AP\s+Photo|Getty\s+Images|AFP\s+via|Photo\s+by|photo\s*:)"
    r"[^()]*|(?:AP|AFP|Reuters|EPA|Yonhap|KCNA)(?:\s+Photo)?)\)\W*$",
    re.IGNORECASE,
)


def extract_facts(title: str, summary: str) -> Facts:
    """Facts from the title and the lead sentence (later sentences are background)."""
    if _PHOTO_CAPTION.search(summary.strip()):
        summary = ""
    first = _FIRST_SENTENCE.match(summary.strip())
    summary = first.group(1) if first else summary
    # a live page's headline lists several items ("war live: Putin meets Kim; shipyard hit"):
    # the first is the headline's own
    main_clause = _RELATIVE.split(title.split(";", 1)[0], maxsplit=1)[0]
    main_clause = _OTHER_EVENT.sub(" ", _SUBORDINATE.split(main_clause, maxsplit=1)[0])
    main_clause = _NOT_UN.sub(" ", _LAUNCH_PLACE.sub(" ", main_clause))
    imagery = bool(_IMAGERY.search(f"{title}. {summary}".lower().replace("-", " ")))
    if imagery:  # what a satellite saw at the test site: neither a satellite nor a test
        main_clause = _TEST_SITE.sub(" ", _IMAGERY_WORDS.sub(" ", main_clause))
    genre = bool(_GENRE.search(title))
    if genre or _FEATURE.search(title):
        kind = "feature"
    elif _UN.search(main_clause) or (
        # "China, Russia object as Security Council discusses ...": no launch nor test, the
        # Council doing something ("... while UN debates sanctions" after a test is the test's)
        not _LAUNCH_WORDS.search(main_clause)
        and not _TEST.search(main_clause)
        and _COUNCIL_ACTS.search(_NOT_UN.sub(" ", title.split(";", 1)[0]))
    ):
        kind = "un"
    elif _LAUNCH_WORDS.search(_PROGRAMME.sub(" ", main_clause)):  # ("missile programme": none)
        # "fails to launch", "attempt to launch ... ends in failure": it was tried
        tried = _FAILED.search(main_clause) or _ENABLED.search(main_clause)
        kind = "plan" if _PLANNED.search(main_clause) and not tried else "launch"
    elif _CONJECTURE.search(main_clause):
        kind = "plan"  # "could take military action around summit": a warning, not the summit
    else:
        kind = "meeting"  # anything else: talks, statements, reactions, measures
    if kind == "launch" and (over := _MEASURE_OVER.search(main_clause)):
        head = main_clause[: over.start(1)]
        if _MEASURE.search(head) and not _LAUNCH_WORDS.search(_PROGRAMME.sub(" ", head)):
            kind = "meeting"  # "suspends military pact over satellite launch": the measure
    text = _OTHER_EVENT.sub(" ", f"{title}. {summary}")
    low = text.lower().replace("-", " ")
    # "satellite imagery shows ...": a picture, not a launch; "the nuclear test site": a place
    seen = _IMAGERY.sub(" ", low)
    seen = _TEST_SITE.sub(" ", seen) if imagery else seen
    placed = _SITE_NAME.sub(" ", seen)
    classes = {name for name, phrases in _CLASSES.items() if any(p in placed for p in phrases)}
    if not _SLBM_WORDS.search(seen):
        classes.discard("slbm")  # "tests submarine-launched missile": a platform, no class
    names = {f"{m.group(1).capitalize()}-{m.group(2).upper()}" for m in _NAME.finditer(text)}
    names = {n.replace("Kn-", "KN-") for n in names}
    counts = set()
    for m in _COUNT.finditer(text):
        word = (m.group(1) or m.group(2)).lower()
        if word in ("a", "an"):
            continue  # "a missile" in a first flash often turns out to be two
        if _AT_LEAST.search(text, 0, m.start()):
            continue  # "at least one missile": a floor, not the count
        if _NOT_A_SALVO.match(text, m.end()):
            continue  # "four missile tests", "12 missiles this year": no salvo's count
        counts.add(int(word) if word.isdigit() else _NUMBERS[word])
    tokens = tokenize(title, summary)
    stems = set(tokens.stems)
    parties, venues = stems & _PARTIES, stems & _VENUES
    # a leader of another side named in the headline: talks, not one side's measure
    # (a headline whose country names only its own leader, "South Korean President Lee
    # proposes talks", is that side's act)
    own = _actor(main_clause)
    first = _ACTORS.search(main_clause)
    by_name = own if first and stem(first.group(0).lower()) not in _PARTIES else ""
    talks = bool(parties) and any(
        t and s in _PARTIES and (not by_name or _PARTY_SIDE.get(s) != by_name)
        for s, t in zip(tokens.stems, tokens.in_title, strict=True)
    )
    confirmed, repeat = bool(_CONFIRMED.search(text)), bool(_REPEAT.search(title))
    repeat = repeat or bool(_AGAIN_LAUNCH.search(_LAUNCH_PLACE.sub(" ", title)))
    cjk_follow_up = False
    acts = {a for a, p in _ACT_PATTERNS.items() if p.search(main_clause.lower())}
    port_call = bool(_PORT_CALL.search(main_clause)) and not any(
        t and s in _PARTIES for s, t in zip(tokens.stems, tokens.in_title, strict=True)
    )
    if port_call:
        acts = (acts - {"meeting"}) | {"troops"}  # a warship's arrival is a deployment
    statement = bool(_SPEAKER.match(main_clause))
    speaker = any(_SPEAKER.search(m.group(0)) for m in _AFTER.finditer(title))
    if cjk_facts.has_cjk(f"{title} {summary}"):  # Korean or Japanese: the same facts, by its words
        cjk = f"{title}\n{cjk_facts.lead_sentence(summary)}"
        classes |= cjk_facts.classes(cjk)
        names |= cjk_facts.names(cjk)
        counts |= cjk_facts.counts(cjk)
        parties |= cjk_facts.parties(cjk)
        venues |= cjk_facts.venues(cjk)
        confirmed = confirmed or cjk_facts.confirmed(cjk)
        repeat = repeat or cjk_facts.repeat(title)
        cjk_follow_up = cjk_facts.follow_up(title)
        acts |= cjk_facts.acts(title)
        statement = statement or cjk_facts.speaker(title)
        # a Korean or Japanese headline's kind is read from its own words; in an English one
        # that quotes some Korean, the English kind stands unless it found nothing specific
        cjk_kind = cjk_facts.kind(title)
        if (
            cjk_kind
            and not genre  # an editorial is an editorial, whatever its headline tells
            and (kind == "meeting" or detect_language(title, "") in ("ko", "ja", "zh"))
        ):
            kind = cjk_kind
    account = bool(_ACCOUNT.search(main_clause))
    # the launcher's own word on its launch ("Kim Jong Un says ICBM launch proves ..."): a claim
    own_word = kind == "launch" and own == "nk" and bool(_SAYS_FIRST.match(main_clause))
    assessment = bool(_ASSESSMENT.search(title))
    told = bool(
        own_word
        or _GUIDANCE.search(f"{title}. {summary}")
        or _OWN_ACCOUNT.search(summary)
        or (kind == "plan" and _OWN_PLAN.search(summary) and not _NOTICE.search(title))
    )
    follow_up = bool(
        account
        or told
        or cjk_follow_up
        or _FOLLOW_UP.search(title)
        or (kind == "launch" and _ENABLED.search(main_clause))
    )
    tells_launch = (
        kind == "launch"
        and not assessment
        and not account
        and (not follow_up or told or not _REACTION.search(title))
    )
    # a named missile implies its class ("Hwasong-18" is an ICBM), in any language
    classes.update(c for n in names if (c := _NAME_CLASS.get(n.split("-")[0].lower())) is not None)
    classes.update(c for n in names if (c := _NAME_CLASS.get(n.lower())) is not None)
    stage = (
        _stage(title, analysis=kind == "feature" or _asks(title))
        if kind in ("meeting", "feature") and not port_call
        else ""
    )
    sides = _sides(title)
    if cjk_facts.has_cjk(title):
        sides |= cjk_facts.sides(title)
    if kind in ("meeting", "feature") and not stage and cjk_facts.has_cjk(title):
        stage = cjk_facts.stage(title)
    if not acts and not stage and kind in ("meeting", "feature"):
        # a headline that names neither an act nor a stage ("Xi, Putin and Kim stand
        # together"): the lead's act stands for it
        lead = _OTHER_EVENT.sub(" ", summary).lower()
        acts |= {a for a in _TELLING_ACTS if _ACT_PATTERNS[a].search(lead)}
    if (
        statement and (_SPEECH.search(main_clause) or _QUOTED.match(main_clause))
    ) or "statement" in acts:
        # her statement names the talks it rejects: its act is the statement
        acts = {"statement"} | (acts & _TELLING_ACTS)
        speaker = speaker or statement
    undated = _SAID_ON.sub(" ", low)  # the days of statements taken out
    unsited = _TEST_SITE.sub(" ", _IMAGERY_WORDS.sub(" ", title)) if imagery else title
    names_launch = bool(_LAUNCH_WORDS.search(unsited) or _TEST_WORDS.search(unsited))
    return Facts(
        classes=_fs(classes),
        names=_fs(names),
        counts=_fs(counts),
        parties=_fs(parties),
        venues=_fs(venues),
        confirmed=confirmed,
        kind=kind,
        repeat=repeat,
        seas=_matching(_SEAS, low),
        days=_fs(
            _matching(_WEEKDAYS, undated) | {m.group(1) for m in _LAUNCHED_DAY.finditer(undated)}
        ),
        distances=_figures(_DISTANCE, text),
        apogees=_figures(_APOGEE, text),
        acts=_fs(acts),
        about_launch=bool(_LAUNCH_WORDS.search(_OTHER_EVENT.sub(" ", unsited))),
        follow_up=follow_up,
        stage=stage,
        actor="" if talks else own,
        names_launch=names_launch,
        statement=statement,
        speaker=speaker,
        answers=_answers(main_clause),
        sides=_fs(sides),
        named=_fs(_named(main_clause)),
        measure=bool(_MEASURE.search(main_clause)) and not _CALL_FOR_MEASURE.search(main_clause),
        other_side=kind == "launch"
        and bool(_OTHER_SIDE.match(main_clause))
        and not _NORTH.search(main_clause),
        refers=_refers(title) if kind != "launch" or follow_up else frozenset(),
        earlier=bool(_EARLIER.search(low)),
        series=(kind == "feature" and (genre or bool(_SERIES.search(title))))
        or ((kind == "feature" or "?" in title) and bool(_MANY.search(title)))
        or (
            bool(_RECORD.search(main_clause))
            and not _FIRES.search(_OF_LAUNCHES.sub(" ", main_clause))
        )
        or _about_programme(title, main_clause, kind, acts)
        # a video or photos whose headline names neither the North nor a launch ("Watch live:
        # press briefing", "WATCH: panda cubs born in South Korea"): about something else
        or (kind == "feature" and not _NORTH.search(title) and not names_launch),
        platforms=_fs(p for p, pattern in _PLATFORMS.items() if pattern.search(low)),
        account=account,
        voice=_voice(main_clause, own),
        says=own if _WORD_FIRST.match(main_clause) else "",
        told_by=_told_by(title),
        tells_launch=tells_launch,
        pleas=_pleas(main_clause),
    )


_EARLIER = re.compile(r"\blast (?:weekend|week)\b")
# "US nuclear submarine arrives in Busan", "carrier docks": a deployment, not a visit's talks
_PORT_CALL = re.compile(
    r"\b(?:submarines?|aircraft carriers?|carriers?|warships?|destroyers?|bombers?|"
    r"strike group)\b.*\b(?:arriv\w*|visits?|visited|docks?|docked|port call|makes port)\b",
    re.IGNORECASE,
)
_PLURAL_LAUNCHES = r"(?:missile|rocket|weapons?|ballistic|icbm|cruise)\s+(?:launches|tests|firings)"
# "says (its) missile launches were ...", "recent ICBM launches mark ...": the series told of
_ACCOUNT = re.compile(
    r"\b" + _PLURAL_LAUNCHES + r"\s+(?:were|are|have been)\b|"
    r"\b(?:earlier|recent|past|previous)\s+(?:[\w-]+\s+){0,2}?" + _PLURAL_LAUNCHES + r"\b",
    re.IGNORECASE,
)
# launches or tests as a plural noun ("satellite launches", "missile tests"; the verb would come
# before its object: "launches satellite"): the headline is about more than one
_SERIES = re.compile(
    r"\b(?:missile|rocket|satellite|weapons?|nuclear|icbm)\s+(?:launches|tests)\b", re.IGNORECASE
)
# many launches as the headline's subject: "why so many missiles", "what missiles does it have",
# "every launch this year", "a string of tests": in an explainer or a question, a feature on the
# series or the arsenal (LABELLING.md rule 3), no one launch's
_MANY = re.compile(
    r"\b(?:this year|record (?:number|year|pace)|so many|string of|spate of|flurry of|series of|"
    r"every\s+(?:[\w-]+\s+){0,2}(?:missile|launch|test)\w*|(?:what|which) (?:missiles|weapons)|"
    r"how many (?:missiles|weapons|launches|tests)|(?:missile|rocket|weapons?) (?:launches|tests)|"
    r"(?:launches|tests) (?:so far|this year))\b",
    re.IGNORECASE,
)
# a record of launches ("the North's record year of missile testing", "a record pace of
# tests"): the series as the headline's subject (LABELLING.md rule 3), unless its own clause
# fires something ("fires missile in record year of tests" is that launch's report)
_RECORD = re.compile(
    r"\brecord(?:-breaking)?\s+(?:year|number|pace|run|month)\b|\b(?:year|month) of record\b",
    re.IGNORECASE,
)
# "launches" after "of" ("a record pace of launches", "a record year of missile launches") is the
# noun, not the verb _FIRES reads it as
_OF_LAUNCHES = re.compile(r"\bof\s+(?:[\w-]+\s+){0,2}launches\b", re.IGNORECASE)
_FIRES = re.compile(
    r"\b(?:fires?|fired|launch(?:es|ed)|test[- ]?fire[sd]?|shoots|shot|lobs|lobbed)\b",
    re.IGNORECASE,
)
# the programme as a whole: "the North's growing nuclear arsenal", "its missile programme"
_PROGRAMME = re.compile(
    r"\b(?:arsenal|stockpiles?|(?:nuclear|missile|weapons?|ballistic|space|satellite)\s+"
    r"(?:programmes?|programs?|capabilit(?:y|ies)|build-?up|ambitions?))\b",
    re.IGNORECASE,
)


def _about_programme(title: str, clause: str, kind: str, acts: set[str]) -> bool:
    """An analysis of the programme ("Fears, questions about N. Korea's growing nuclear
    arsenal"): it names the programme, no launch or test, no act and no one's word (LABELLING.md
    rule 3: its own event, like a feature on a series of launches)."""
    rest = _PROGRAMME.sub(" ", title)  # ("missile programme" names no launch)
    return (
        kind in ("meeting", "feature")
        and rest != title
        and not acts
        and not _LAUNCH_WORDS.search(rest)
        and not _TEST_WORDS.search(rest)
        and not _SPEECH.search(clause)
        and not _WORD_FIRST.match(clause)
    )


# "..., after North Korea's ICBM launch": the event a reaction's headline follows
_AFTER = re.compile(r"\b(?:after|following)\b[^,.;:]*", re.IGNORECASE)


# "in response to the latest missile launch", "over its most recent test": a launch already
# reported, the one before this report. An event's noun, not a weapon's: "its latest ICBM" is
# the newest model, whichever day it flew
_LATEST = re.compile(
    r"\b(?:latest|most recent)\s+(?:[\w-]+\s+){0,2}?(?:launch(?:es)?|tests?|firings?|salvos?)\b",
    re.IGNORECASE,
)


def _refers(title: str) -> frozenset[str]:
    """The specific classes of the launch a headline's "after ..." clause names, and "latest"
    when the headline names the latest launch."""
    found: set[str] = {"latest"} if _LATEST.search(title) else set()
    for m in _AFTER.finditer(title):
        clause = m.group(0)
        if not _LAUNCH_WORDS.search(clause) and not _TEST_WORDS.search(clause):
            continue
        low = clause.lower().replace("-", " ")
        found.update(c for c, phrases in _CLASSES.items() if any(p in low for p in phrases))
        for n in _NAME.finditer(clause):
            name = f"{n.group(1)}-{n.group(2)}".lower()
            c = _NAME_CLASS.get(name) or _NAME_CLASS.get(n.group(1).lower())
            if c is not None:
                found.add(c)
    return _fs(found - {"ballistic"})


# "South Korean missile ...", "US test-fires ...": a launch by another side than the North
_OTHER_SIDE = re.compile(
    r"\W*(?:(?:south korean?|s\.? ?korean?|u\.?s\.?|american|japanese|japan's|south korea's|"
    r"seoul's)\s+(?:[\w-]+\s+){0,2}?(?:missiles?|rockets?|interceptors?)\b|"
    r"(?:the\s+)?(?:us|u\.s\.|united states|south korea|japan)\s+(?:military\s+)?"
    r"test[- ]?fires?\b)",
    re.IGNORECASE,
)
_NORTH = re.compile(r"\b(?:north|n\.? ?korea\w*|pyongyang|dprk|kim)\b", re.IGNORECASE)


# "Kim Yo Jong vows ...", "North Korean leader's sister slams ...": the headline's subject
_SPEAKER = re.compile(
    r"\W*(?:(?:north korea(?:n|'s|\u2019s)?\s+)?leader(?:'s|\u2019s)\s+(?:younger\s+)?sister|"
    r"kim(?:'s|\u2019s|\s+jong[\s-]un(?:'s|\u2019s))\s+(?:younger\s+)?sister|kim\s+yo[\s-]jong)\b",
    re.IGNORECASE,
)
# "Kim Yo Jong: no interest in talks", "Kim Yo Jong 'not interested'": her words, as a statement
_QUOTED = re.compile(_SPEAKER.pattern + r"\s*[:\"'\u201c\u2018]", re.IGNORECASE)
_MEASURE = re.compile(
    r"\b(?:suspend\w*|scraps?|scrapp\w*|pact|accord|military (?:deal|agreement)|no-fly zone|"
    r"military measures|guard ?posts?|"
    # "to send new weapons to border", "deploys troops along the border": forces moved to it
    r"(?:weapons|troops|forces|soldiers|artillery)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:to|at|along|on)\s+(?:the\s+)?(?:[\w-]+\s+)?border)\b",
    re.IGNORECASE,
)
# "suspends pact over satellite launch": a measure and, after "over", its cause
_MEASURE_OVER = re.compile(r"\s(over)\s", re.IGNORECASE)
# "warns the North to scrap its launch plans", "urges Seoul to suspend drills": a call on
# another side to take a measure is that side's word, not a measure taken
_CALL_FOR_MEASURE = re.compile(
    r"\b(?:warns?|warned|urges?|urged|calls? on|called on|tells?|told|asks?|asked|press(?:es)?)\s+"
    r"(?:[\w.'\u2019-]+\s+){0,4}?to\s+(?:(?:partially|fully)\s+)?(?:scrap|suspend)\w*\b",
    re.IGNORECASE,
)


# With _LAUNCH_WORDS, what a reaction's headline calls the event ("H-bomb claim", "the test")
_TEST_WORDS = re.compile(
    r"\b(?:h-bomb|hydrogen bomb|bomb|tests?|tested|testing|salvos?|volley)\b|"
    # state media's name for a launch drill: "says it simulated a nuclear strike on the South"
    r"\bsimulat\w*\s+(?:an?\s+)?(?:tactical\s+)?nuclear\s+(?:\w+\s+)?(?:strikes?|attacks?|counterattacks?)\b",
    re.IGNORECASE,
)


# The side a headline's subject belongs to, by the first country or capital it names.
_ACTORS = re.compile(
    r"\b(?:(north korea\w*|n\.? ?korea\w*|pyongyang|dprk|kim)|"
    r"(south korea\w*|s\.? ?korea\w*|seoul|yoon|moon)|"
    r"((?-i:US|U\.S\.?)|united states|washington|america\w*|biden|trump|white house|pentagon|"
    r"harris|pence|vance)|"
    r"(japan\w*|tokyo|kishida|abe)|(china|chinese|beijing|xi)|(russia\w*|moscow|kremlin|putin)|"
    # the European Union speaks as a side of its own ("EU condemns arms transfers ...")
    r"((?-i:EU)|european union|brussels))(?!\w)",
    re.IGNORECASE,
)
_JOINT = re.compile(r"\s*(?:and|&|,|-|/)\s*|'s\s+\w+\s+and\s+", re.IGNORECASE)
_ACTOR_NAMES = ("nk", "south", "us", "japan", "china", "russia", "eu")


_ENVOYS = re.compile(
    r"\b(?:(lavrov|shoigu|belousov|medvedev)|(li qiang|wang yi)|(ishiba|takaichi)|"
    r"(rubio|hegseth|pompeo|blinken|biegun|tillerson))\b",
    re.IGNORECASE,
)


# "North's troop admission": North Korea's
_NORTHS = re.compile(r"\bnorth(?:'s|\u2019s)", re.IGNORECASE)
# "..., Seoul says": who tells it, not a side of the event
_ATTRIBUTION = re.compile(r",[^,]*\b(?:says?|said|reports?|reported)\s*$", re.IGNORECASE)


def _named(clause: str) -> set[str]:
    """Every side a headline's clause names (by country, capital or leader), its attribution
    left out."""
    clause = _NORTHS.sub("North Korea's", _ATTRIBUTION.sub("", _spelled_out(clause)))
    return {
        name
        for m in _ACTORS.finditer(clause)
        for name, g in zip(_ACTOR_NAMES, m.groups(), strict=True)
        if g
    }


def _sides(title: str) -> set[str]:
    """The countries other than the two Koreas that a headline names (South Korea tells or
    answers most North Korea news: it names no side of the event)."""
    title = _ATTRIBUTION.sub("", _spelled_out(title))
    found = {
        name
        for m in _ACTORS.finditer(title)
        for name, g in zip(_ACTOR_NAMES, m.groups(), strict=True)
        if g
    }
    found |= {
        name
        for m in _ENVOYS.finditer(title)
        for name, g in zip(("russia", "china", "japan", "us"), m.groups(), strict=True)
        if g
    }
    return found - {"nk", "south"}


def _actor(clause: str) -> str:
    """The side of the headline's subject ("South Korea suspends ... with North Korea": south),
    or "" when the subject is not a side, or two ("Kim and Putin meet")."""
    clause = clause.replace("\u200b", "").strip()
    found = list(_ACTORS.finditer(clause))
    if not found or len(clause[: found[0].start()].split()) > 2:
        return ""
    sides = [name for m in found for name, g in zip(_ACTOR_NAMES, m.groups(), strict=True) if g]
    if (
        len(found) > 1
        and sides[1] != sides[0]
        and _JOINT.fullmatch(clause[found[0].end() : found[1].start()])
    ):
        return ""  # "Kim and Putin", "Trump, Kim", "DPRK-U.S."
    return sides[0]


# the headline's subject, one to three words, before its verb
_SUBJECT_FIRST = r"\W*(?:[\w'\u2019.-]+\s+){1,3}?"
_SAYS_FIRST = re.compile(_SUBJECT_FIRST + _SPEECH.pattern, re.IGNORECASE)
# the subject's verb is a word of its own: a statement, a warning, a call, concern expressed
_WORD_FIRST = re.compile(
    _SUBJECT_FIRST
    + r"(?:"
    + _SPEECH.pattern
    + r"|\b(?:express\w*|urg\w*|demands?|voices?|raises? concerns?)\b)",
    re.IGNORECASE,
)


# "Japan says ...", "Seoul reports ...": another side telling what the North does, not acting
_TELLS_FIRST = re.compile(
    _SUBJECT_FIRST + r"(?:says?|said|reports?|reported|tells?|told|believes?|"
    r"expects?|sees|assess\w*|confirms?|confirmed|detects?|detected)\b",
    re.IGNORECASE,
)


def _told_by(title: str) -> str:
    """`Facts.told_by`: the side a headline's attribution names ("..., U.S. says": us)."""
    told = _ATTRIBUTION.search(_spelled_out(title.split(";", 1)[0]))
    return _actor(told.group(0).lstrip(", ")) if told else ""


def _voice(clause: str, own: str) -> str:
    """The side whose word or act a headline's clause is (`Facts.voice`)."""
    if own and own != "nk":
        told = _TELLS_FIRST.match(clause)
        if told:
            return _actor(_NORTHS.sub("North Korea's", clause[told.end() :])) or own
    return own


def _answers(clause: str) -> str:
    """The side a "X says ..." headline names after its verb ("South Korea says North's troop
    admission ...": nk), or ""."""
    said = _SAYS_FIRST.match(clause)
    return _actor(_NORTHS.sub("North Korea's", clause[said.end() :])) if said else ""


# where a headline's first clause ends: "Kim and Putin hold summit: what did they agree?"
# reports the summit and asks after it, where "Putin and Kim meet, but why?" asks
_HEAD_END = re.compile(r":\s|\.\s|\s[-\u2013\u2014]\s|\uff1a")


def _asks(title: str) -> bool:
    """Whether the headline's first clause is a question (an analysis): a question mark,
    full-width too, before any colon, full stop or dash that ends that clause."""
    end = _HEAD_END.search(title)
    head = title[: end.start()] if end else title
    return "?" in head or "\uff1f" in head


def _stage(title: str, *, analysis: bool = False) -> str:
    """The diplomatic stage a headline gives (`Facts.stage`). In an analysis (an explainer, a
    question: "Putin and Kim meet, but why?") the present tense is the explainer's, not the
    news': only words that say plainly the meeting took place ("met", "talks ended") date it."""
    if _HELD_PLAINLY.search(title):
        return "held"
    ahead = _AHEAD.search(title)
    if ahead and _ARRIVAL.fullmatch(ahead.group(0)) and not _AHEAD.search(title, ahead.end()):
        # "Lavrov arrives in North Korea": the visit has begun (its talks the next day are
        # its own); "arrives to meet Putin", "arrives for talks" await a meeting
        return "ahead" if _FOR_TALKS.search(title) else "arrival"
    if ahead:
        return "ahead"
    return "held" if _HELD.search(title) and not analysis else ""


def _classes_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return True
    if not {_FAMILY[c] for c in a} & {_FAMILY[c] for c in b}:
        return False
    if _rocket_and_short(a, b) or _rocket_and_short(b, a):
        return False
    a_spec, b_spec = a & _BALLISTIC - {"ballistic"}, b & _BALLISTIC - {"ballistic"}
    return not (
        a_spec
        and b_spec
        and not a_spec & b_spec
        and not any((x, y) in _SAME_MISSILE for x in a_spec for y in b_spec)
    )


# A satellite's rocket is called a ballistic or long-range missile by others, even an MRBM,
# never a short-range or a submarine-launched one.
_SHORT = frozenset({"srbm", "slbm"})


def _rocket_and_short(a: frozenset[str], b: frozenset[str]) -> bool:
    """A report naming a satellite launch and no missile, and one naming a short-range or a
    submarine-launched missile and no satellite (a missile report whose lead recalls the
    satellite names both, and stays compatible)."""
    return a == {"satellite"} and "satellite" not in b and bool(b & _SHORT)


def _disjoint(a: frozenset[object], b: frozenset[object]) -> bool:
    """Both say something, and nothing in common."""
    return bool(a and b and not a & b)


_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _days_agree(a: frozenset[str], b: frozenset[str], *, most: int) -> bool:
    """The same weekday, or at most `most` days apart: for a follow-up the next one (a launch
    on Wednesday morning in Seoul is Tuesday evening in Washington, where the condemnation is
    dated); a visit goes on for days."""
    if not a or not b:
        return True
    return any(_days_apart(x, y, most) for x in a for y in b)


def _days_apart(x: str, y: str, most: int) -> bool:
    """At most `most` days apart, around the week's end too (Saturday to Monday is two); and,
    as before visits took two, Sunday and Monday always agree."""
    d = abs(_WEEK.index(x) - _WEEK.index(y))
    return d % 6 <= most or min(d, 7 - d) <= most


def _day_slack(a: Facts, b: Facts) -> int:
    """How many days apart two reports of one event may date it: a visit's talks with the same
    named visitor or host go on for days (the arrival on Friday, the leader receives him on
    Saturday, he leaves on Sunday); a follow-up is dated the next day; else the same day."""
    if (
        a.kind == b.kind == "meeting"
        and "meeting" in a.acts
        and "meeting" in b.acts
        and a.parties & b.parties
    ):
        return 2
    if {a.kind, b.kind} == {"launch", "meeting"} and (a.refers | b.refers) - {"latest"}:
        # an answer to the launch its headline names ("US flies bombers after the North's
        # ICBM launch"), dated by its own day: the allies' drills come a day or two on
        return 2
    return 1 if a.follow_up or b.follow_up else 0


def compatible(a: Facts, b: Facts, *, diplomacy: bool = True) -> bool:
    """False when two descriptions cannot be of the same event.

    Leaders, venues and the diplomatic act only tell diplomatic events apart: a launch report
    that quotes Abe and another that quotes Obama are still about one launch. A UN meeting is
    its own event, unless its headline is about a launch and the other report is that launch.
    """
    talks = {a.kind, b.kind} <= {"meeting", "feature"}
    if not talks and not _classes_compatible(a.classes, b.classes):
        return False  # (the weapons a lead names as the background of talks do not count)
    if {a.kind, b.kind} == {"plan", "launch"} and not (a.statement and b.statement):
        return False  # the announcement of a launch and the launch are two events
    if (
        "plan" in (a.kind, b.kind)
        and {a.kind, b.kind} <= {"plan", "meeting"}
        # the North's notice of a launch and Japan's threat to shoot it down; Japan's call on
        # the North to drop a launch and its threat to shoot it down
        and (_two_voices(a, b) or _disjoint(a.pleas, b.pleas))
    ):
        return False
    if a.kind == b.kind == "launch" and a.other_side != b.other_side:
        return False  # a South Korean missile's failure in a drill is not the North's launch
    if (a.kind == "un") != (b.kind == "un"):
        un, other = (a, b) if a.kind == "un" else (b, a)
        if not (un.about_launch and other.kind == "launch"):
            return False
    if (
        _disjoint(a.names, b.names)
        or _disjoint(a.counts, b.counts)
        or _disjoint(a.seas, b.seas)
        or not _days_agree(a.days, b.days, most=_day_slack(a, b))
        or not _figures_agree(a.distances, b.distances)
        or not _figures_agree(a.apogees, b.apogees)
    ):
        return False
    if not diplomacy:
        return True
    return not (
        _disjoint(a.parties, b.parties)
        or _disjoint(a.venues, b.venues)
        # (a meeting against an explainer too: a story an explainer began, "may meet at this
        # spaceport. Why there?", takes the meeting, not the West's warnings after it)
        or ("meeting" in (a.kind, b.kind) and talks and _disjoint(a.acts, b.acts))
        or (
            a.kind == b.kind == "meeting"
            and _disjoint(a.sides, b.sides)
            and not _allied_sanctions(a, b)
        )
        or _outsider(a, b)
        or _outsider(b, a)
        or (
            a.kind == b.kind == "meeting"
            and bool(a.says or b.says)
            and _two_voices(a, b)
            # one side's word on the other's act, naming it ("US condemns the North's troop
            # deployment"): a reaction naming the event
            and not ((a.answers == b.voice or b.answers == a.voice) and a.acts & b.acts)
            and not (a.speaker and b.speaker)
        )  # two sides' statements: Seoul's warning to Putin, the West's warnings after the summit
        or (
            a.kind == b.kind == "meeting"
            and not a.about_launch  # the new report reacts to a launch: any side may
            and a.actor
            and b.actor
            and a.actor != b.actor
            # one side's word on the other's act ("South Korea says North's troop admission
            # shows ..."): a reaction naming the event
            and not ((a.answers == b.actor or b.answers == a.actor) and a.acts & b.acts)
            and not (a.speaker and b.speaker)  # her statement, and the answer to it
            and not (a.actor in b.named and b.actor in a.named)  # host and visitor
            # allies' sanctions announced together ("Seoul places new sanctions", "US
            # sanctions three officials"): one measure; `decide` keeps them to one day
            and not _allied_sanctions(a, b)
        )
    )


def _two_voices(a: Facts, b: Facts) -> bool:
    """Two sides' own words or acts (`Facts.voice`), neither of them a visit's (its remarks are
    the visit's, whoever speaks)."""
    return bool(
        a.voice
        and b.voice
        and a.voice != b.voice
        and not ("meeting" in a.acts | b.acts or a.stage or b.stage)
    )


def _allied_sanctions(a: Facts, b: Facts) -> bool:
    """Two reports of sanctions on the North, neither a statement nor naming another act:
    allies' sanctions announced the same day are one measure (LABELLING.md rule 3 makes the
    sanctions an event of their own, not one per government)."""
    return (
        "sanctions" in a.acts
        and "sanctions" in b.acts
        and not (a.acts | b.acts) - {"sanctions"}
        and not (a.says or b.says or a.speaker or b.speaker)
    )


def _outsider(a: Facts, b: Facts) -> bool:
    """`a` is the word of a side that is no party to `b`'s meeting or visit ("South Korea warns
    Putin to act responsibly" against "Kim arrives in Russia to meet Putin"): a statement of its
    own, not one of the meeting's remarks (those are its participants')."""
    return bool(
        a.says
        and {a.kind, b.kind} <= {"meeting", "feature"}
        and ("meeting" in b.acts or b.stage)
        and b.named
        and a.says not in b.named
        and not b.says
        and a.says != b.told_by
    )


# Dotted abbreviations the tokenizer would cut into letters ("U.S." -> "u", "s"): written out,
# so that "U.S." and "US", "S. Korea" and "South Korea" are one word
_ABBREVIATIONS = (
    (re.compile(r"\bU\.S\.(?:A\.)?"), "US"),
    (re.compile(r"\bU\.N\."), "UN"),
    (re.compile(r"\bS\. ?Korea"), "South Korea"),
    (re.compile(r"\bN\. ?Korea"), "North Korea"),
)


def _spelled_out(text: str) -> str:
    if "." not in text:
        return text
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def words(title: str, summary: str, *, lead_sentences: int = 2) -> frozenset[str]:
    """Normalised content words of the title and the lead, synonyms folded (and interned: the
    index holds each word once however many reports use it)."""
    title, summary = _spelled_out(title), _spelled_out(summary)
    tokens = tokenize(title, summary)
    last = (tokens.sentence[0] + lead_sentences) if tokens.sentence else 0
    out = set()
    for s, sentence in zip(tokens.stems, tokens.sentence, strict=True):
        if sentence > last or s in _STOP or (len(s) < 2 and not s.isdigit()):
            continue
        out.add(sys.intern(_CANON.get(s, s)))
    if cjk_facts.has_cjk(title) or cjk_facts.has_cjk(summary):
        # single characters carry no meaning: the concepts and bigrams stand for the words
        lead = cjk_facts.lead_sentence(summary)
        out = {w for w in out if not cjk_facts.has_cjk(w)}
        out.update(sys.intern(_CANON.get(w, w)) for w in cjk_facts.words((title, lead)))
    return frozenset(out)


def overlap(a: frozenset[str], b: Iterable[str]) -> float:
    """Shared words over the smaller set: a short headline can match a long lead."""
    b = b if isinstance(b, (frozenset, set, tuple)) else tuple(b)
    if not a or not b:
        return 0.0
    return len(a.intersection(b)) / min(len(a), len(b))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    key: str
    words: frozenset[str]
    facts: Facts
    labels: frozenset[str]
    published: datetime
    source: str
    batch: str = ""  # the poll that brought it: one feed's fetch (reports of one poll share it)
    update: bool = False  # the title marks an update of the outlet's earlier report
    # the title is a first flash of a launch breaking now ("launches possible ballistic
    # missile", "fires what appears to be ...", "unidentified ballistic missile")
    flash: bool = False


def fingerprint(
    key: str,
    title: str,
    summary: str,
    labels: Iterable[str],
    published: datetime,
    source: str,
    *,
    batch: str = "",
) -> Fingerprint:
    return Fingerprint(
        key,
        words(title, summary),
        extract_facts(title, summary),
        _fs(labels),
        published,
        source,
        batch,
        bool(_UPDATE.search(title)),
        bool(_FLASH.search(title)),
    )


# the words of a launch's first flash, before anyone knows what was fired
_FLASH = re.compile(
    r"\b(?:(?:fires?|fired|launch(?:es|ed)?|test[\s-]fires?)\s+(?:an?\s+)?(?:possible|suspected|"
    r"apparent|unidentified|unknown|what appears? to be)|appears? to have (?:fired|launched))\b",
    re.IGNORECASE,
)


def polled_fingerprint(key: str, item: Item, labels: Iterable[str], now: datetime) -> Fingerprint:
    """A report's fingerprint as one poll of its feed saw it: reports of one poll of one feed
    (`batch`) are two events unless one is a near-duplicate or an update of the other. The
    parse workers (bot/poll/work.py) and the planner make it with this one call, so a carried
    fingerprint is the one the planner would have made."""
    batch = f"{item.feed_url}@{now.isoformat()}"
    return fingerprint(
        key, item.title, item.summary, labels, item.published, item.feed_name, batch=batch
    )


SOURCE_RECENT = 4  # a source's latest reports a story keeps for the same-source rule


@dataclass(frozen=True, slots=True)
class Member:
    """What a story keeps of each report: enough to compare new reports with it."""

    key: str
    words: tuple[str, ...]  # a tuple is a fifth the size of a frozenset
    source: str
    batch: str
    published: datetime
    # "update": the title marks an update of the outlet's earlier report; "feature": an
    # explainer, photos or an analysis (no event of its own for the same-source rule); "flash":
    # a launch's first flash (`Fingerprint.flash`); or ""
    mark: str
    specific: int  # how many of the words are not _GENERIC
    # only when it names a class, a missile, a count or a sea (for _outvoted, _against_a_member)
    facts: Facts | None

    @classmethod
    def of(cls, fp: Fingerprint) -> Member:
        specific = len(fp.words - _GENERIC)
        return cls(
            fp.key,
            tuple(fp.words),
            fp.source,
            fp.batch,
            fp.published,
            "feature"
            if fp.facts.kind == "feature"
            else "update"
            if fp.update
            else "flash"
            if fp.flash
            else "",
            specific,
            fp.facts
            if fp.facts.classes or fp.facts.names or fp.facts.counts or fp.facts.seas
            else None,
        )


def _outvoted(fp: Fingerprint, story: StoryState) -> bool:
    """Does the story's contradiction of `fp` come from one source alone, against the rest of
    its reports? First reports of a launch often get the class wrong ("submarine-launched" for
    an ICBM): a launch report whose class only that one source contradicts, in the same family
    of weapons, and that agrees with the story on everything else, is a correction, not another
    launch. The one exception to "facts that differ keep reports apart"."""
    if len(story.sources) < 3 or not fp.facts.classes:
        return False
    classless = replace(fp.facts, classes=frozenset())
    if not compatible(classless, story.facts, diplomacy=False):
        return False  # only a class is ever corrected: a count, a sea or a day is not
    against = [
        m
        for m in story.members
        if m.facts is not None and not compatible(fp.facts, m.facts, diplomacy=False)
    ]
    if (
        not against
        or len({m.source for m in against}) > 1
        or 2 * len(against) >= len(story.members)
    ):
        return False
    families = {_FAMILY[c] for c in fp.facts.classes}
    return all(m.facts and families & {_FAMILY[c] for c in m.facts.classes} for m in against)


def _against_a_member(fp: Fingerprint, story: StoryState) -> bool:
    """Does a fresh launch report contradict a launch report of the story on its own facts?

    The story's facts are the union of its members' (`Facts.merge`), so once a story holds
    two classes or two counts, any report agrees with one of them. Each launch report is set
    against the fresh one instead: a sea, a name or a class a later member added keeps a
    differing fresh report apart (unless `_outvoted` finds the member's the odd one out)."""
    if fp.facts.kind != "launch" or fp.facts.follow_up:
        return False
    return any(
        m.facts is not None
        and m.facts.kind == "launch"
        and not compatible(fp.facts, m.facts, diplomacy=False)
        for m in story.members
    )


def _specific_overlap(specific: frozenset[str], m: Member) -> float:
    """`overlap` without the words every North Korea report has."""
    if not specific or not m.specific:
        return 0.0
    return len(specific.intersection(m.words)) / min(len(specific), m.specific)


@dataclass(slots=True)
class StoryState:
    """What the index knows of an open story."""

    id: str
    labels: frozenset[str]
    first_published: datetime
    facts: Facts
    headline: Item  # the first report: its headline and link head the parent message
    founding_labels: frozenset[str]  # the first report's labels
    classification: Classification  # the first report's, for the evidence line
    last_updated: datetime
    summary_item: Item | None = None  # a later report that added facts
    sources: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)  # channels holding its first post
    # each source's latest reports (at most SOURCE_RECENT), for the same-source rule
    by_source: dict[str, list[Member]] = field(default_factory=dict)
    # a channel whose first post came from a later report (the first did not match its
    # keywords) shows that report's headline, never one its filter rejects
    channel_headlines: dict[str, Item] = field(default_factory=dict)
    update_note: str | None = None  # "Updated by Yonhap: 2 missiles", after a fact changed
    # the diplomatic stages its reports give ("ahead", "held"): a visit whose talks were
    # already reported takes the next day's account of them
    stages: frozenset[str] = frozenset()
    # the venues a story begun by a meeting's announcement named ("leaders to meet at Camp
    # David"): the talks held there a day or two on are that meeting, not another
    announced_at: frozenset[str] = frozenset()

    def view(self) -> StoryView:
        return StoryView(
            sources=tuple(self.sources),
            first_seen=self.first_published,
            last_updated=self.last_updated,
            facts=tuple(self.facts.describe()),
            summary=self.summary_item,
            update_note=self.update_note,
        )


@dataclass(frozen=True)
class Match:
    story_id: str
    score: float


@dataclass(frozen=True)
class Joined:
    story: StoryState
    new_source: bool  # the first report of this story from that source
    adds_facts: bool  # states a class, name, count or confirmation the story lacked
    added: tuple[str, ...] = ()  # those facts, as shown ("ICBM", "2 missiles")


@dataclass(frozen=True)
class Tuning:
    # How long a story takes reports. Beyond `follow_up_after` only follow-ups join (state
    # media's confirmation, the Council meeting, analyses of this event), never a fresh launch.
    window: timedelta = timedelta(hours=72)
    follow_up_after: timedelta = timedelta(hours=36)
    # A fresh launch report ("North Korea fires missile") this long after a launch story began is
    # another launch, unless it copies a member or shares a specific fact (class, name, count).
    fresh_gap: timedelta = timedelta(hours=18)
    # A meeting awaited and a meeting held are one event within this (the leader crosses the
    # border, then the handshake), two beyond it (the arrival one day, the talks the next).
    stage_gap: timedelta = timedelta(hours=12)
    # Nothing reports a launch long before the first report of it: a report published this
    # much earlier than a launch story's first is about something else (it arrived late, with
    # a slow feed or in one poll with newer reports).
    early_gap: timedelta = timedelta(hours=6)
    # Word overlap needed to join a story. Tuned on tests/data/stories_dev.jsonl: reports of
    # one launch hours apart share few words, so for launches time and facts decide and words
    # only matter for reports that come late; diplomacy needs shared leaders or venue, or words.
    launch_close: float = 0.05  # launch report within `close` of the story's first report
    launch_agreeing: float = 0.15  # later launch report whose class or name agrees
    launch_far: float = 0.5  # later launch report with nothing in common but words
    threshold_agreeing: float = 0.05  # diplomacy (or mixed) when leaders, venue or class agree
    threshold: float = 0.2  # diplomacy (or mixed) otherwise
    close: timedelta = timedelta(hours=30)  # state media report a launch the next morning
    # a fresh launch report ("fires missile") this long after: it needs more than the time
    fresh_close: timedelta = timedelta(hours=16)
    repeat_gap: timedelta = timedelta(hours=2)  # "again"/"another" this long after: not "close"
    # A second report from a source already in the story, in the same poll or this soon after
    # its report there, joins only as a near-duplicate or a marked update of it.
    same_source_gap: timedelta = timedelta(hours=1)
    near_duplicate: float = 0.6  # word overlap of a reworded copy of one report
    update_overlap: float = 0.3  # word overlap of a "(LEAD)" / "UPDATE" with the report it updates
    word_stories: int = 48  # a common word proposes only the latest stories using it
    word_candidates: int = 8  # stories sharing the most words with a report, compared in full
    recent_limit: int = 16  # stories close in time always compared, at most this many
    labels: StoryLabels = field(default_factory=StoryLabels)


def _agree(a: Facts, b: Facts, *, classes: bool = True) -> bool:
    specific_a = a.classes - {"ballistic"}
    talks = {a.kind, b.kind} <= {"meeting", "feature"}
    return bool(
        (classes and specific_a & b.classes)
        or (talks and a.acts & b.acts & _TELLING_ACTS)
        or (a.names & b.names)
        # a launch area (Wonsan) is where launches come from: no sign of the same launch
        or (a.venues & b.venues and not a.kind == b.kind == "launch")
        or (len(a.parties & b.parties) >= 1 and a.parties and b.parties)
    )


def _specific_agree(a: Facts, b: Facts) -> bool:
    """A fact that picks out one launch: its class (beyond "ballistic"), name or count."""
    return bool(
        (a.classes - {"ballistic"}) & b.classes
        or a.names & b.names
        or a.counts & b.counts
        or a.platforms & b.platforms
        or (a.distances and b.distances and _figures_agree(a.distances, b.distances))
    )


def _copies_a_member(fp: Fingerprint, story: StoryState, tuning: Tuning) -> bool:
    """Is the report a near-copy of one of the story's members (`_near_copy`)?"""
    return any(_near_copy(fp, m, tuning) for m in story.members)


def _near_copy(fp: Fingerprint, m: Member, tuning: Tuning) -> bool:
    """The same report again (an aggregator re-posting a wire story hours later): most of the
    words beyond those every North Korea report has, over the larger of the two. Only near in
    time: one agency's headline for two launches days apart is often word for word the same."""
    mine = fp.words - _GENERIC
    theirs = set(m.words) - _GENERIC
    if len(mine) < 3 or len(theirs) < 3:
        return False
    return len(mine & theirs) / max(len(mine), len(theirs)) >= tuning.near_duplicate


def _continues(fp: Fingerprint, story: StoryState, tuning: Tuning, *, late: bool) -> bool:
    """May a report long after a story's start still be about its event? A fresh launch
    report only as a near-copy of a member or with a specific fact in common (two launches on
    consecutive days are the common case to keep apart); past `follow_up_after` only a
    follow-up, and it must agree with the story or share its words."""
    if any(
        abs(fp.published - m.published) <= tuning.fresh_gap and _near_copy(fp, m, tuning)
        for m in story.members
    ):
        return True
    fresh = fp.facts.kind == "launch" and not fp.facts.follow_up
    if fp.facts.kind == "launch" and fp.facts.repeat:
        return False  # "launches another set of missiles amid US calls for ...": a further one
    if fresh and not _specific_agree(fp.facts, story.facts):
        return False
    if not late:
        return True
    if story.facts.kind == "launch":  # a launch's confirmation, Council meeting, analyses
        return not fresh
    # a diplomatic event's own later stage only ("held" after "held"); plans, warnings and
    # measures are short events: what comes days later is another one
    return bool(fp.facts.stage) and fp.facts.stage in (story.stages or {story.facts.stage})


def _same_source_allows(fp: Fingerprint, story: StoryState, tuning: Tuning) -> bool:
    """A report from a source already in the story, in the same poll or soon after: only a
    near-duplicate or a marked update of that source's report joins; anything else is taken as
    another event (when in doubt, post).

    Reports one poll brings that the source published hours apart (a feed polled rarely, or
    for the first time) are not a burst: there a confirmation or a reaction ("North Korea
    confirms ICBM test") or a report sharing the launch's class, name or count joins too.

    An explainer, photos or an analysis is no event: an outlet's feature and its news report
    within the hour are not two events told apart, and the other rules judge them."""
    if fp.facts.kind == "feature":
        return True
    for m in story.by_source.get(fp.source, ()):
        if m.mark == "feature":
            continue
        same_poll = bool(fp.batch) and m.batch == fp.batch
        close = abs(fp.published - m.published) <= tuning.same_source_gap
        if not same_poll and not close:
            continue
        score = overlap(fp.words, m.words)
        if score >= tuning.near_duplicate:
            continue
        if (fp.update or m.mark == "update") and score >= tuning.update_overlap:
            continue
        if not close and (fp.facts.follow_up or _specific_agree(fp.facts, m.facts or Facts())):
            continue
        if (
            not close
            and not fp.facts.repeat
            and fp.facts.kind == story.facts.kind == "launch"
            and score >= tuning.launch_agreeing
        ):
            continue  # hours later in one poll, the same launch told again in other words
        if (
            close
            and not same_poll  # one poll's items are two events unless near-copies (issue 19)
            and not (fp.facts.repeat or (m.facts and m.facts.repeat))
            and fp.facts.kind == story.facts.kind == "launch"
            and m.facts is not None
            and m.facts.kind == "launch"
            and score >= tuning.launch_agreeing
            and _rewrites_source(fp, story.by_source[fp.source])
        ):
            continue  # within the hour, the outlet's rewritten headline of the same launch
        return False
    return True


def _rewrites_source(fp: Fingerprint, told: Iterable[Member]) -> bool:
    """Does a fresh launch headline agree with every launch report its source has in the story,
    and state nothing (class, name, count, figure, venue) that none of them had? The source's
    own earlier headlines together are what it already told: "fires suspected ICBM", then "fires
    long-range missile", then "says North fires long-range missile" is one launch retold."""
    launches = [m.facts for m in told if m.facts is not None and m.facts.kind == "launch"]
    if not all(compatible(fp.facts, f, diplomacy=False) for f in launches):
        return False
    known = Facts()
    for f in launches:
        known = known.merge(f)
    return not fp.facts.added(known) and not fp.facts.venues - known.venues


_DAY_NUMBER = {d: n for n, d in enumerate(_WEEKDAYS)}


def _dated_after(fp: Fingerprint, first: datetime) -> bool:
    """Does the report's lead date its event ("on Thursday", read as the day before its
    publication to the day after, for time zones) after the day of `first`?"""
    published = fp.published.date()
    return any(
        published + timedelta(days=shift) > first.date()
        for day in fp.facts.days
        for shift in (-1, 0, 1)
        if (published + timedelta(days=shift)).weekday() == _DAY_NUMBER[day]
    )


def decide(fp: Fingerprint, stories: Iterable[StoryState], tuning: Tuning) -> Match | None:
    """The best existing story for `fp` among the candidates, or None for a new story. Pure.

    Reports of one launch, hours apart, often share few words ("fires ballistic missile into
    East Sea" / "Japan says missile fell outside its EEZ"): for launch stories the facts and the
    time decide, and the words only need to overlap a little. Diplomacy has many parallel
    stories, so there the words must agree more.
    """
    best: Match | None = None
    best_rank: tuple[bool, bool, bool, bool, bool, bool, int, bool, float, float, str] = (
        False,
        False,
        False,
        False,
        False,
        False,
        0,
        False,
        0.0,
        0.0,
        "",
    )
    specific = fp.words - _GENERIC
    # "the latest launch" a reaction or a Council meeting names: the launch story begun last,
    # among those several sources share if any (one outlet's late retelling starts its own)
    latest = None
    if "latest" in fp.facts.refers:
        stories = list(stories)  # walked twice only here
        latest = max(
            (
                s
                for s in stories
                if s.facts.kind == "launch"
                and not s.facts.other_side
                and s.first_published <= fp.published
            ),
            key=lambda s: (len(s.sources) > 1, s.first_published, s.id),
            default=None,
        )
    for story in stories:
        if not fp.labels & story.labels:
            continue
        gap = abs(fp.published - story.first_published)
        if gap > tuning.window:
            continue
        # launch reports of one launch hours apart share few words: time and facts decide
        # (a launch headline that also names a summit, "fires missile as Kim prepares to meet
        # Putin", is a launch report too: its kind says so, whatever other label it carries)
        launch = (
            tuning.labels.launches(fp.labels)
            and bool(story.founding_labels & tuning.labels.launch)
            and fp.facts.kind == story.facts.kind == "launch"
        )
        if not compatible(fp.facts, story.facts, diplomacy=not launch) and not (
            launch and _outvoted(fp, story)
        ):
            continue
        if launch and _against_a_member(fp, story) and not _outvoted(fp, story):
            continue  # a class, count or sea a launch report of the story stated differs
        pair = {fp.facts.kind, story.facts.kind}
        if (
            pair == {"plan", "meeting"}
            and (fp.labels | story.founding_labels) & tuning.labels.meeting
            and not fp.facts.parties & story.facts.parties
        ):
            continue  # a warning of military action around a summit is not the summit
        # (a leader's promise at the talks, "Putin promises to help launch satellites", is)
        if pair == {"launch", "meeting"} and (fp.labels | story.founding_labels) & (
            tuning.labels.meeting
        ):
            # a launch during a summit is not the summit's story, nor the reverse; a statement
            # about the launch ("US calls for talks after the launch") is the launch's
            statement = fp.facts.kind == "meeting" and fp.facts.follow_up and fp.facts.names_launch
            if not (statement and story.facts.kind == "launch"):
                continue
        if fp.source in story.sources and not _same_source_allows(fp, story, tuning):
            continue
        if {fp.facts.kind, story.facts.kind} <= {
            "meeting",
            "feature",
        } and fp.facts.speaker != story.facts.speaker:
            continue  # Kim Yo Jong's statement rejecting talks is not the offer of talks
        if (
            fp.facts.kind == story.facts.kind == "meeting"
            and "nk" not in fp.facts.named
            and "nk" in story.facts.named
            and fp.facts.sides - story.facts.sides
        ):
            continue  # China's minister in Moscow is not Kim's visit: two other sides' talks
        if {fp.facts.kind, story.facts.kind} <= {"meeting", "feature"} and (
            "denial" in fp.facts.acts
        ) != ("denial" in story.facts.acts):
            continue  # a side's denial is its own word, apart from the claims it denies
        if story.facts.kind in ("launch", "plan") and (
            (fp.facts.statement and not story.facts.statement)
            or (fp.facts.measure and not story.facts.measure)
        ):
            continue  # Kim Yo Jong's statement on a launch, a pact scrapped over it: apart
        if (
            fp.facts.kind == "launch"
            and not fp.facts.statement
            and (story.facts.statement or story.facts.measure)
        ):
            continue  # nor does a launch report join a statement's or a measure's story
        if (
            fp.facts.kind == "launch"
            and not fp.facts.follow_up
            and not fp.facts.statement  # (her statement on a launch: the statement rules)
            and not story.facts.tells_launch
            and not _copies_a_member(fp, story, tuning)
            # a slower feed's report of the launch the reaction names: its class (beyond
            # "ballistic"), name or count, within hours
            and not (gap <= tuning.early_gap and _specific_agree(fp.facts, story.facts))
        ):
            continue  # a fresh launch is no report of a story of reactions and analyses alone
        if story.facts.measure and not fp.facts.measure and fp.facts.names_launch:
            continue  # nor a reaction to the launch or an explainer of it the measure's story
        if (
            story.facts.kind == "feature"
            and not story.facts.names_launch
            and fp.facts.names_launch
            and fp.facts.kind in ("launch", "feature")
        ):
            continue  # a feature about something else that day does not take launch reports
        if (
            fp.facts.series or story.facts.series or fp.facts.account != story.facts.account
        ) and not _copies_a_member(fp, story, tuning):
            continue  # a feature on the launches in general is no one event's report, nor is
            # an account of a series of them (which other accounts of it join)
        if (
            story.facts.kind == "launch"
            and fp.facts.kind in ("meeting", "feature")
            and not fp.facts.names_launch
        ):
            continue  # a reaction names the launch; an unrelated analysis of the day does not
        if (
            fp.facts.kind == "launch"
            and story.facts.kind in ("meeting", "feature")
            and not story.facts.names_launch
        ):
            continue  # nor does a launch report join a story of something else that day
        if (
            fp.facts.stage
            and story.facts.stage
            and fp.facts.stage != story.facts.stage
            and gap > tuning.stage_gap
            and fp.facts.stage not in story.stages
            and "arrival" not in (fp.facts.stage, story.facts.stage)
            and not (fp.facts.stage == "held" and fp.facts.venues & story.announced_at)
        ):
            continue  # the arrival for talks and, the next day, the talks: two events
        # (unless the story already holds the talks: the next day's account of a visit)
        if (
            fp.facts.kind == story.facts.kind == "plan"
            and gap > tuning.stage_gap
            and (
                fp.facts.follow_up != story.facts.follow_up
                or _disjoint(_fs({fp.facts.actor} - {""}), _fs({story.facts.actor} - {""}))
            )
        ):
            continue  # a notice of a launch, and the launcher's own word of it a day on: two
        if (
            gap > tuning.stage_gap
            and fp.facts.actor != story.facts.actor
            and _allied_sanctions(fp.facts, story.facts)
        ):
            continue  # one government's sanctions, and another's days later: two measures
        if (
            story.facts.earlier
            and not fp.facts.earlier
            and (
                (fp.facts.kind == "launch" and not fp.facts.follow_up)
                or _dated_after(fp, story.first_published)
            )
            and not _copies_a_member(fp, story, tuning)
        ):
            continue  # last weekend's test, then a fresh launch or Thursday's: when in doubt, post
        late = gap > tuning.follow_up_after
        launches = fp.facts.kind == story.facts.kind == "launch"
        if fp.facts.kind == "launch" and fp.facts.repeat and story.facts.kind == "un":
            continue  # "launches another set of missiles": not the Council's earlier meeting
        if story.facts.kind == "launch" and fp.published < story.first_published - tuning.early_gap:
            continue
        if (
            launches
            and story.facts.follow_up
            and not fp.facts.follow_up
            and gap > tuning.early_gap
            and not _specific_agree(fp.facts, story.facts)
            and not (fp.facts.statement and story.facts.statement)
        ):
            continue  # a story begun by a reaction or a claim: a launch hours later is another
        if (
            launches
            and fp.flash
            and not fp.facts.follow_up
            and gap > tuning.early_gap
            and not _specific_agree(fp.facts, story.facts)
        ):
            continue  # a first flash ("launches possible missile") hours on: another launch
        if (late or (launches and gap > tuning.fresh_gap)) and not _continues(
            fp, story, tuning, late=late
        ):
            continue
        # a shared class only vouches for two launch reports: a reaction or an analysis that
        # mentions an ICBM is not thereby about today's ICBM
        agree = _agree(
            fp.facts, story.facts, classes="launch" == fp.facts.kind == story.facts.kind
        ) or bool(story.facts.kind == "launch" and fp.facts.refers & story.facts.classes)
        # the same speaker's statement, however each outlet words it (her statement on the
        # launch as one outlet tells it, and as the next does: "sister slams US", "Kim Yo Jong
        # vows more launches")
        agree = agree or (fp.facts.statement and story.facts.statement)
        # one visit told from each side within hours ("Yoon visits Japan", "Japan hosts
        # South Korean leader"): the same two sides meeting, and nothing else said
        agree = agree or bool(
            fp.facts.kind == story.facts.kind == "meeting"
            and fp.facts.acts == story.facts.acts == {"meeting"}
            and len(fp.facts.named) >= 2
            and fp.facts.named == story.facts.named
            and gap <= tuning.stage_gap
        )
        # one side's warning about one launch to come, as each outlet words it ("warns the
        # North to halt its satellite launch", "warns it to scrap the satellite plan")
        agree = agree or bool(
            fp.facts.kind == story.facts.kind == "plan"
            and fp.facts.actor
            and fp.facts.actor == story.facts.actor
            and (fp.facts.classes - {"ballistic"}) & story.facts.classes
        )
        if launch:
            fresh_late = not fp.facts.follow_up and gap > tuning.fresh_close
            if (
                gap <= tuning.close
                and not fresh_late
                and not (fp.facts.repeat and gap > tuning.repeat_gap)
            ):
                need = tuning.launch_close
            else:
                need = tuning.launch_agreeing if agree else tuning.launch_far
        elif story is latest:
            need = 0.0  # the headline's own reference to this launch is the evidence
        else:
            need = tuning.threshold_agreeing if agree else tuning.threshold
        members = story.members
        compared = members if len(members) <= 6 else [members[0], *members[-5:]]
        if launch or fp.labels & story.founding_labels & tuning.labels.meeting:
            score = max((overlap(fp.words, m.words) for m in compared), default=0.0)
        else:  # a launch and a reaction, a plan, an analysis: words every report has do not count
            score = max((_specific_overlap(specific, m) for m in compared), default=0.0)
        if score < need:
            continue
        # a story several sources already share beats one a same-source report had to start
        # alone; then, for talks and statements, one with reports near this one's time
        # (coverage of talks goes on for days: this morning's report belongs with this
        # morning's; a launch's confirmation belongs with the launch); then the closest words;
        # ties: the story whose first report is closest in time
        active = {fp.facts.kind, story.facts.kind} <= {"meeting", "feature"} and any(
            abs(fp.published - m.published) <= tuning.stage_gap for m in story.members[-8:]
        )
        # a story an explainer began ("Putin and Kim meet, but why?") that outlets' reports of
        # the talks then joined is a story of the talks
        kind = story.facts.kind
        if kind == "feature" and len(story.sources) >= 3:
            kind = "meeting"
        same_kind = fp.facts.kind == kind
        # a plan or a statement: the story of the same side's word (the launcher's own
        # announcement, not a neighbour's reaction to its notice)
        same_side = (
            same_kind
            and fp.facts.kind in ("plan", "meeting")
            and bool(fp.facts.actor)
            and fp.facts.actor == story.facts.actor
        )
        # a fresh launch report fitting two launch stories: the one breaking now (begun
        # within early_gap), not the launch of hours before with more sources
        breaking = bool(
            launch
            and not fp.facts.follow_up
            and gap <= tuning.early_gap
            and story.members[0].mark == "flash"
        )
        # a launch report fitting two launch stories: the one it shares a fact of one launch
        # with (class beyond "ballistic", name, count, platform, distance) before the one more
        # sources share
        rank = (
            breaking,
            launches and _specific_agree(fp.facts, story.facts),
            # a report dated by a stage ("arrives for meeting with Putin"): the story of the
            # talks covered now, before yesterday's previews that more sources share
            bool(fp.facts.stage) and active,
            len(story.sources) > 1,
            active,
            same_kind,
            len(story.sources) // 4,
            same_side,
            score,
            -gap.total_seconds(),
            story.id,
        )
        if best is None or rank > best_rank:
            best, best_rank = Match(story.id, score), rank
    return best


def _announced_venues(facts: Facts) -> frozenset[str]:
    """The venues a story's first report announces a meeting at (`StoryState.announced_at`):
    a news report of a meeting to come ("leaders to meet at Camp David next week"). An
    explainer's or analysis's venue ("may meet at this spaceport. Why there?") is a guess of
    where a trip will lead, no announcement: the talks held there the next day are their own
    event, apart from the trip's previews (LABELLING.md rule 4, as the 2023 dev set labels a
    visit's journey and its summit)."""
    if facts.kind != "meeting" or facts.stage != "ahead":
        return frozenset()
    return facts.venues


class StoryIndex:
    """Open stories in memory, with an inverted index from words to the stories using them.

    Exact and small: a report's candidates are the stories sharing the most words with it
    (a common word proposes only the latest stories using it), plus the latest stories
    close in time. No MinHash: a word proposes at most the `word_stories` latest stories using
    it, so the cost is bounded however common the word.
    """

    def __init__(self, tuning: Tuning | None = None) -> None:
        self.tuning = tuning or Tuning()
        self.stories: dict[str, StoryState] = {}
        self._order: dict[str, list[str]] = {}  # label -> ids of its stories, oldest first
        self._member_story: dict[str, str] = {}
        # word -> ids of the open stories using it, oldest first (a dict as an ordered set)
        self._postings: dict[str, str | dict[str, None]] = {}

    def candidates(self, fp: Fingerprint) -> list[StoryState]:
        """Stories that might be `fp`'s: those sharing the most words, plus the latest stories
        close in time.

        Reworded reports of one event can share few words; the recent stories with a shared
        label are few, so they are always compared in full.
        """
        counts: dict[str, int] = {}
        limit = self.tuning.word_stories
        for w in fp.words:
            posting = self._postings.get(w)
            if posting is None:
                continue
            if isinstance(posting, str):
                counts[posting] = counts.get(posting, 0) + 1
                continue
            # the latest stories using the word (a posting keeps insertion order)
            for story_id in islice(reversed(posting), limit) if len(posting) > limit else posting:
                counts[story_id] = counts.get(story_id, 0) + 1
        least = min(2, len(fp.words))
        ranked = heapq.nlargest(
            self.tuning.word_candidates,
            ((n, sid) for sid, n in counts.items() if n >= least),
        )
        ids = {sid for _, sid in ranked}
        for label in fp.labels:
            recent = 0
            for story_id in reversed(self._order.get(label, ())):
                story = self.stories.get(story_id)
                if story is None:
                    continue
                if abs(story.first_published - fp.published) <= self.tuning.window:
                    ids.add(story_id)
                    recent += 1
                    if recent >= self.tuning.recent_limit:
                        break
        return [self.stories[i] for i in ids if i in self.stories]

    def assign(self, fp: Fingerprint) -> Match | None:
        return decide(fp, self.candidates(fp), self.tuning)

    def create(
        self, fp: Fingerprint, item: Item, classification: Classification, now: datetime
    ) -> StoryState:
        """A new story whose first report is `fp` (its key becomes the story's id)."""
        story = StoryState(
            id=fp.key,
            labels=fp.labels,
            founding_labels=fp.labels,
            first_published=fp.published,
            facts=fp.facts,
            headline=item,
            classification=classification,
            last_updated=now,
            announced_at=_announced_venues(fp.facts),
        )
        self.stories[story.id] = story
        for label in fp.labels:
            self._order.setdefault(label, []).append(story.id)
        self._add_member(story, fp)
        return story

    def join(self, story_id: str, fp: Fingerprint, item: Item, now: datetime) -> Joined:
        story = self.stories[story_id]
        added = fp.facts.added(story.facts)
        new_source = fp.source not in story.sources
        story.facts = story.facts.merge(fp.facts)
        for label in fp.labels - story.labels:
            self._order.setdefault(label, []).append(story.id)
        story.labels = story.labels | fp.labels
        story.first_published = min(story.first_published, fp.published)
        story.last_updated = now
        if added:
            story.summary_item = item
            story.update_note = f"Updated by {fp.source}: {', '.join(added)}"
        self._add_member(story, fp)
        return Joined(story, new_source, bool(added), tuple(added))

    def _add_member(self, story: StoryState, fp: Fingerprint) -> None:
        if fp.facts.kind == "meeting" and fp.facts.stage and fp.facts.stage not in story.stages:
            story.stages = _fs(story.stages | {fp.facts.stage})
        if fp.source not in story.sources:
            story.sources.append(fp.source)
        member = Member.of(fp)
        story.members.append(member)
        latest = story.by_source.setdefault(fp.source, [])
        latest.append(member)
        if len(latest) > SOURCE_RECENT:
            del latest[0]
        if fp.key not in self._member_story:
            self._member_story[fp.key] = story.id
            for w in fp.words:
                posting = self._postings.get(w)
                if posting is None:
                    self._postings[w] = story.id  # most words are in one story: no dict
                elif isinstance(posting, str):
                    if posting != story.id:
                        self._postings[w] = {posting: None, story.id: None}
                else:
                    posting.pop(story.id, None)  # to the end: the latest story using it
                    posting[story.id] = None

    def close_before(self, cutoff: datetime) -> list[str]:
        """Forget stories whose first report is older than `cutoff`; returns their ids."""
        closed = [sid for sid, s in self.stories.items() if s.first_published < cutoff]
        gone = set(closed)
        for label, ids in self._order.items():
            self._order[label] = [sid for sid in ids if sid not in gone]
        for sid in closed:
            for m in self.stories.pop(sid).members:
                self._member_story.pop(m.key, None)
                for w in m.words:
                    posting = self._postings.get(w)
                    if posting is None:
                        continue
                    if isinstance(posting, str):
                        if posting == sid:
                            del self._postings[w]
                        continue
                    posting.pop(sid, None)
                    if len(posting) == 1:
                        (self._postings[w],) = posting
                    elif not posting:
                        del self._postings[w]
        return closed

    def __len__(self) -> int:
        return len(self._member_story)
