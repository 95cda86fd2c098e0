"""Language tags and content negotiation: which of the languages a site offers a visitor gets.

Contract: :func:`check_language_tag` accepts a tag the policy file may name (``"it"``,
``"pt-BR"``) or raises :class:`~cookiewarden.errors.PolicyError` naming the key and the fix;
:func:`parse_accept_language` reads an ``Accept-Language`` header; :func:`negotiate` picks one
of the offered languages for a visitor; :func:`lookup` finds a tag's entry in a table keyed by
tags. All are pure functions over strings.

Rules:
1. A tag is a BCP 47 language with an optional region (RFC 5646 §2.1), in canonical case:
   ``language[-REGION]``. The language is an ISO 639-1 code, or an ISO 639-2 code where the
   language has no two-letter one (RFC 5646 §2.2.1); the region an ISO 3166-1 code or a UN M.49
   area (``419``: Latin America). Scripts, variants and extensions are not accepted: a site
   names the languages its texts are written in, and these are enough for that.
2. Matching is RFC 4647 §3.4 "lookup", widened by one step: a wanted ``it-CH`` is answered by
   an offered ``it-CH``, else by ``it``; then, where neither is offered, by the first offered
   tag of the same language (a wanted ``pt`` by an offered ``pt-BR``). Case does not matter.
3. Wishes are tried in order: the ones asked for explicitly (``?lang=``, the page's ``lang``),
   then the ``Accept-Language`` ranges by quality (ties keep their order; ``q=0`` and ``*`` are
   no wish); the first that matches wins, and where none does, the default.
4. Network input never raises: a malformed ``Accept-Language`` range (or weight) is skipped,
   and only the first :data:`MAX_RANGES` ranges are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, TypeVar

from ..errors import PolicyError

__all__ = [
    "MAX_RANGES",
    "check_language_tag",
    "language_of",
    "lookup",
    "negotiate",
    "parse_accept_language",
]

MAX_RANGES: Final = 20
"""How many ``Accept-Language`` ranges are read (browsers send a handful)."""

# The codes of rule 1, from Debian's iso-codes (ISO 639-2 and ISO 3166-1 as of 2024): the
# two-letter languages; the three-letter ones that have no two-letter code (less the special
# codes mis, mul, und, zxx and the private-use range); the countries; the M.49 areas BCP 47
# registers.
_TWO_LETTER: Final = frozenset(
    str.split(
        "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
        "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
        "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
        "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
        "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
        "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
        "vi vo wa wo xh yi yo za zh zu"
    )
)
_THREE_LETTER: Final = frozenset(
    str.split(
        "ace ach ada ady afa afh ain akk ale alg alt ang anp apa arc arn arp art arw ast ath "
        "aus awa bad bai bal ban bas bat bej bem ber bho bik bin bla bnt bra btk bua bug byn "
        "cad cai car cau ceb cel chb chg chk chm chn cho chp chr chy cmc cnr cop cpe cpf cpp "
        "crh crp csb cus dak dar day del den dgr din doi dra dsb dua dum dyu efi egy eka elx "
        "enm ewo fan fat fil fiu fon frm fro frr frs fur gaa gay gba gem gez gil gmh goh gon "
        "gor got grb grc gsw gwi hai haw hil him hit hmn hsb hup iba ijo ilo inc ine inh ira "
        "iro jbo jpr jrb kaa kab kac kam kar kaw kbd kha khi kho kmb kok kos kpe krc krl kro "
        "kru kum kut lad lah lam lez lol loz lua lui lun luo lus mad mag mai mak man map mas "
        "mdf mdr men mga mic min mkh mnc mni mno moh mos mun mus mwl mwr myn myv nah nai nap "
        "nds new nia nic niu nog non nqo nso nub nwc nym nyn nyo nzi osa ota oto paa pag pal "
        "pam pap pau peo phi phn pon pra pro raj rap rar roa rom rup sad sah sai sal sam sas "
        "sat scn sco sel sem sga sgn shn sid sio sit sla sma smi smj smn sms snk sog son srn "
        "srr ssa suk sus sux syc syr tai tem ter tet tig tiv tkl tlh tli tmh tog tpi tsi tum "
        "tup tut tvl tyv udm uga umb vai vot wak wal war was wen xal yao yap ypk zap zbl zen "
        "zgh znd zun zza"
    )
)
_REGIONS: Final = frozenset(
    str.split(
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO "
        "BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ "
        "DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP "
        "GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG "
        "KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML "
        "MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE "
        "PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL "
        "SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM "
        "US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
    )
)
_AREAS: Final = frozenset(
    str.split(
        "001 002 003 005 009 011 013 014 015 017 018 019 021 029 030 034 035 039 053 054 057 "
        "061 142 143 145 150 151 154 155 202 419"
    )
)
_FORM: Final = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|[0-9]{3}))?$")
_RANGE: Final = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_Q: Final = re.compile(r"^[qQ]=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")

T = TypeVar("T")


def check_language_tag(tag: object, key: str) -> str:
    """``tag`` when it is a language tag of rule 1, in canonical case.

    :param key: the policy key that holds the tag, for the error (``"language"``,
        ``"locales.it"``).
    :raises PolicyError: naming ``key``, what is wrong and the tag meant where one can tell
        (``'IT'``: ``'it'``; ``'pt_br'``: ``'pt-BR'``).

    >>> check_language_tag("pt-BR", "locales.pt-BR")
    'pt-BR'
    >>> check_language_tag("it_IT", "language")
    Traceback (most recent call last):
    ...
    cookiewarden.errors.PolicyError: language: 'it_IT' is not written as a tag; write 'it-IT'
    """
    if not isinstance(tag, str):
        raise PolicyError(key, "expected a language tag such as 'en', 'it' or 'pt-BR'")
    form = _FORM.match(tag)
    if form is None:
        raise PolicyError(
            key,
            f"{tag!r} is not a language tag: write a language, optionally with a region"
            " ('it', 'de-CH', 'es-419'), without a script or variant",
        )
    language, region = form.group(1).lower(), form.group(2)
    canonical = language if region is None else f"{language}-{region.upper()}"
    if language not in (_TWO_LETTER if len(language) == 2 else _THREE_LETTER):
        where = f"{tag!r}" if tag.lower() == language else f"{tag!r}: {language!r}"
        raise PolicyError(
            key, f"{where} is not a language code of BCP 47 (ISO 639, such as 'it' or 'de')"
        )
    if region is not None and region.upper() not in (_REGIONS if region.isalpha() else _AREAS):
        raise PolicyError(key, f"{tag!r}: {region!r} is not an ISO 3166-1 region code")
    if canonical != tag:
        raise PolicyError(key, f"{tag!r} is not written as a tag; write {canonical!r}")
    return tag


def language_of(tag: str) -> str:
    """The language subtag of ``tag``, lowercase.

    >>> language_of("pt-BR")
    'pt'
    """
    return tag.split("-", 1)[0].lower()


def parse_accept_language(header: str | None) -> list[str]:
    """The language ranges of an ``Accept-Language`` value, most wanted first (rules 3, 4).

    >>> parse_accept_language("de-CH, fr;q=0.9, *;q=0.5, en;q=0")
    ['de-CH', 'fr']
    """
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")[:MAX_RANGES]):
        name, *params = (part.strip() for part in item.split(";"))
        if not _RANGE.match(name):
            continue  # "*", or not a range at all
        quality: float | None = 1.0
        for param in params:
            if param[:2].lower() == "q=":
                q = _Q.match(param)
                quality = None if q is None else float(q.group(1))
        if quality:  # not "q=0", not a malformed weight
            ranked.append((-quality, i, name))
    return [name for _, _, name in sorted(ranked)]


def _matches(wish: str, offered: Sequence[str]) -> str | None:
    """The offered tag that answers ``wish`` (rule 2), or ``None``."""
    by_lower = {tag.lower(): tag for tag in offered}
    subtags = wish.lower().split("-")
    while subtags:
        found = by_lower.get("-".join(subtags))
        if found is not None:
            return found
        subtags.pop()
    language = language_of(wish)
    return next((tag for tag in offered if language_of(tag) == language), None)


def negotiate(
    offered: Sequence[str],
    default: str,
    *,
    asked: Iterable[str | None] = (),
    accept_language: str | None = None,
) -> str:
    """The one of ``offered`` a visitor gets (rules 2, 3).

    :param offered: the languages the site offers, as canonical tags.
    :param default: what answers when no wish matches (one of ``offered``).
    :param asked: explicit wishes, most important first (``None`` and ``""`` are skipped).
    :param accept_language: the request's ``Accept-Language`` value.

    >>> negotiate(("en", "it"), "en", asked=["it-IT"])
    'it'
    >>> negotiate(("en", "it", "pt-BR"), "en", accept_language="pt, it;q=0.8")
    'pt-BR'
    >>> negotiate(("en", "it"), "en", asked=["pl"], accept_language="de")
    'en'
    """
    wishes = [w.strip() for w in asked if w and w.strip()]
    for wish in [*wishes, *parse_accept_language(accept_language)]:
        if _RANGE.match(wish):
            found = _matches(wish, offered)
            if found is not None:
                return found
    return default


def lookup(table: Mapping[str, T], tag: str) -> T | None:
    """``table``'s entry for ``tag``: the tag itself, else its language's.

    >>> lookup({"de": "Deutsch"}, "de-CH"), lookup({"de": "Deutsch"}, "fr")
    ('Deutsch', None)
    """
    found = table.get(tag)
    return table.get(language_of(tag)) if found is None else found
