"""Actor names as a reader means them: one key per spelling family, and names that are no actor.

:func:`spelling_key` gives every spelling of one name the same key: case, accents, punctuation,
spaces, "&"/"and", British and American spellings, plurals and the legal form ("Corp", "Inc.",
"plc", "AG") do not tell two organisations apart. :func:`junk_reason` says why a name is
not a person or organisation: a currency, a unit or market term, a rating, a ticker, a
calendar word, a bare generic word. Both look at the name alone; what the article says
around it is for :mod:`search.entities.actors` and :mod:`search.entities.institutions`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal forms a company name may end with; they never tell two companies apart in news.
LEGAL_FORMS = frozenset(
    """inc incorporated corp corporation co cos company cie ltd limited plc llc llp lp ag
    sa spa nv bv gmbh kg kgaa ab asa as oy oyj kk pty pte bhd nl se srl sarl sae sal na""".split()
)
# Spellings that differ between British and American English and never between two names.
_SPELLINGS = (
    (re.compile(r"isation(s?)$"), r"ization\1"),
    (re.compile(r"^defence$"), "defense"),
    (re.compile(r"^centre(s?)$"), r"center\1"),
    (re.compile(r"^programme(s?)$"), r"program\1"),
)
_PUNCT = re.compile(r"[.,'\u2019`\"()]")
_DASHES = re.compile(r"[-\u2010-\u2015/]")
# Currencies: a name ending in one after a place ("U.S. Dollar", "Swiss franc") is money.
CURRENCIES = frozenset(
    """dollar dollars dlr dlrs yen franc francs mark marks deutschemark deutschemarks pound
    pounds sterling lira lire peseta pesetas guilder guilders schilling schillings krona
    kronor krone kroner rand rupee rupees peso pesos rouble roubles ruble rubles yuan
    renminbi won ringgit baht dinar dinars riyal riyals rial ecu ecus escudo escudos cruzado
    cruzados drachma drachmas shekel shekels zloty forint""".split()
)
# Currencies that are never also a given name or a word of a company's name on their own.
_BARE_CURRENCIES = frozenset(
    "dollar dollars dlr dlrs yen sterling lira lire peseta pesetas guilder guilders ecu ecus "
    "ringgit baht yuan renminbi rouble roubles ruble rubles cruzado cruzados drachma".split()
)
# Units, price terms and commodity grades of market reports: "Crude FOB", "Brent for
# Japan", "West Texas Intermediate", "Libor". A name holding one is a price, not an actor.
MARKET_TERMS = frozenset(
    """fob cif cfr c&f cpt fas dap ddp libor fibor pibor hibor sibor euribor bbl bbls bpd
    tonnes tonne bushel bushels brent wti intermediate crude eurodollar eurodollars bund
    bunds gilt gilts pmi ftse""".split()
)
# Last words of events, contests and prizes ("PGA Tour", "Fed Cup", "World Series",
# "British Masters", "U.S. Labor Day"): things that happen, not people or organisations.
EVENT_ENDINGS = frozenset(
    """cup tour series final finals masters championship championships games trophy prize
    award awards marathon rally olympics olympiad classic festival day prix open convention
    carnival regatta pageant telethon""".split()
)
# Last words of laws and accords ("Brady Bill", "Orphan Drug Act", "Commission
# Regulation", "Net Book Agreement"): what bodies pass or sign, not who acts. Not "Law",
# a surname ("Denis Law"), nor plurals such as "Bills" ("Buffalo Bills"), nor "Pact", an
# alliance that acts ("Warsaw Pact forces").
LAW_ENDINGS = frozenset(
    """act bill regulation regulations directive amendment treaty accord accords
    agreement protocol""".split()
)
# A division of a league's standings ("National League West", "American League East
# Division", "NL Central"): a table's part, not the league.
_LEAGUE_DIVISION = re.compile(
    r"(?:.*\bLeague|[AN]\.?L\.?)(?: (?:East|West|Central|North|South|Eastern|Western|"
    r"Northern|Southern))(?: Division)?|.*\bLeague .*\bDivision",
    re.IGNORECASE,
)
# Last words of illnesses ("Bovine Spongiform Encephalopathy", "Creutzfeldt-Jakob Disease",
# "Gulf War Syndrome") and first words of storms ("Hurricane Edouard"): what news reports
# on, not who acts.
ILLNESS_ENDINGS = frozenset("disease diseases syndrome encephalopathy fever virus".split())
STORM_WORDS = frozenset("hurricane typhoon cyclone storm".split())
# Words of a body named after what it works on ("Centers for Disease Control").
_BODY_WORDS = frozenset(
    "of for institute foundation society association council centre center centers".split()
)
# Last words of buildings and sites ("Changi Prison", "Lilac Falls Motel", "Heathrow
# Airport"): places, not the bodies that run them. "Hospital", "Centre", "Hotels" (a chain)
# act in news and stay, as do "Palace" (a royal household speaks as "Buckingham Palace")
# and "Bridge" (firms are named so: Dominion Bridge).
SITE_ENDINGS = frozenset("prison jail airport airfield stadium motel racecourse cathedral".split())
# Last words of economic measures and rates ("Gross National Product", "London Interbank
# Offered Rate", "Public Sector Borrowing Requirement"): figures a story reports, not actors.
MEASURE_ENDINGS = frozenset("product rate rates requirement index deficit surplus".split())
_MONTHS = frozenset(
    """jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june
    july august september october november december""".split()
)
# Credit ratings ("AAA", "Baa2", "P-1") and single letters: grades, not names.
_RATING = re.compile(r"(?:A{1,3}|B{1,3}|C{1,3}|Aa|Baa|Ba|Caa|Ca)[123]?[+-]?|[A-Z]|P-?[123]")
# Short words joined by slashes: periods and code pairs of market tables, no name.
_ABBREVIATION_PAIR = re.compile(r"[A-Za-z]{2,4}(?:/[A-Za-z]{2,4})+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A ticker with its exchange ("CAWL.L", "BP.N"), as wires print them.
_TICKER = re.compile(r"[A-Z0-9]{1,6}\.[A-Z]{1,2}")
# Bare generic words of institutions and markets, and the adjectives of institutions
# ("Congressional sources"): a body's kind, not its name. "The House" or "the Commission"
# names an actor only once the text says which (see institutions.py).
GENERIC_WORDS = frozenset(
    """house senate state states commission finance treasury ministry government parliament
    council committee board court bank banks exchange union party agency department office
    bureau cabinet administration army navy police company companies group fund market
    markets trade industry budget economy central federal national international general
    world united assembly authority congress chamber community secretariat opposition
    government's cooperative association federation institute commerce agriculture energy
    defense defence interior justice health men women congressional parliamentary
    governmental ministerial presidential judicial legislative municipal""".split()
)

# Sports and the parts of a game, which results pages write alone on a line or in capitals:
# no actors alone. Not "Athletics": the Oakland Athletics are "the Athletics" in a baseball
# story. ``sports.SPORTS_WORDS`` holds them too.
GAMES = frozenset(
    """soccer football cricket tennis rugby golf basketball baseball hockey boxing cycling
    halftime half-time""".split()
)


@lru_cache(maxsize=65536)
def spelling_key(name: str) -> str:
    """The key shared by every spelling of one name.

    "Moody's Investors Service Inc." and "Moodys Investor Services" ->
    "moodysinvestorservice"; "International Coffee Organisation" and "... Organization" agree;
    "Drexel Burnham Lambert Inc" and "Drexel Burnham Lambert" agree; so do spellings that
    differ only in their spaces ("Bell South Corp", "BellSouth Corp"). A name that is only
    a legal form keeps it.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _DASHES.sub(" ", _PUNCT.sub("", text.replace("&", " and ")))
    words = text.split()
    if not words:  # only punctuation ('"', "--"): a name of its own, nothing to merge
        return text.strip()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and (words[-1] in LEGAL_FORMS or words[-1] == "and"):
        words.pop()  # "Morgan Stanley and Co Inc" -> "morgan stanley"
    # The first word keeps its plural: "Dixons" (a firm) is not "Dixon" (a surname).
    # Joined without spaces: "Paine Webber" and "PaineWebber" are one name.
    return "".join([_spelling(words[0]), *(_singular(_spelling(w)) for w in words[1:])])


def _spelling(word: str) -> str:
    for pattern, american in _SPELLINGS:
        word = pattern.sub(american, word)
    return word


def _singular(word: str) -> str:
    # "Investors Services" and "Investor Service" are one name; only the key changes.
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def key_initials(name: str) -> str:
    """Upper-case initials of a name without its legal form or connectors.

    "International Business Machines Corp" -> "IBM"; "Organization of the Petroleum
    Exporting Countries" -> "OPEC"; "Bank of Japan" -> "BJ".
    """
    words = name.replace("-", " ").replace("&", " ").split()
    while len(words) > 1 and words[-1].lower().strip(".,") in LEGAL_FORMS:
        words.pop()
    skip = {"of", "the", "and", "for", "de", "du", "des", "la", "le", "on", "in", "&"}
    return "".join(w[0] for w in words if w.lower() not in skip and w[:1].isalpha()).upper()


_JOINED_ACRONYM = re.compile(r"[A-Z](?: ?(?:&|and) ?[A-Z])+")
_JOINER = re.compile(r" ?(?:&|and) ?")


def joined_acronym(name: str) -> str | None:
    """ "S and P", "S&P", "S & P" -> "S&P": an acronym joined by "and"/"&"; else None."""
    return _JOINER.sub("&", name) if _JOINED_ACRONYM.fullmatch(name) else None


def joined_initials(name: str) -> str:
    """Initials of a full name with its "and"/"&" kept, to match :func:`joined_acronym`:
    "Standard and Poor's Corp" -> "S&P" (where "Security Pacific Corp" is "SP")."""
    words = name.replace("&", " & ").split()
    while len(words) > 1 and words[-1].lower().strip(".,") in LEGAL_FORMS:
        words.pop()
    skip = {"of", "the", "for", "de", "du", "des", "la", "le", "on", "in"}
    return "".join(
        "&" if w.lower() in ("and", "&") else w[0].upper()
        for w in words
        if w.lower() not in skip and (w[:1].isalpha() or w == "&")
    )


def junk_reason(name: str) -> str | None:
    """Why ``name`` is no person or organisation, or None when it may be one."""
    words = name.replace("/", " / ").split()
    if not words:
        return "empty"
    folded = [w.lower().strip(".,") for w in words]
    letters = sum(c.isalpha() for c in name)
    if letters <= 1 or _RATING.fullmatch(name.replace(" ", "")):
        return "a rating or a single letter"
    if _TICKER.fullmatch(name):
        return "a ticker"
    if any(w in MARKET_TERMS for w in folded):
        return "a market term or unit"
    if folded[-1] in CURRENCIES and (len(words) > 1 or folded[-1] in _BARE_CURRENCIES):
        return "a currency"
    if folded[-2:] == ["currency", "unit"]:
        return "a currency"  # "European Currency Unit"
    if all(w in _MONTHS or w == "/" for w in folded):
        return "a month"
    if _ABBREVIATION_PAIR.fullmatch(name):
        return "a pair of abbreviations"  # "Mch/Apl" shipment months, "Fri/Sat", "VM/CMS"
    if sum(bool(_NUMBER.fullmatch(w)) for w in words) >= 2:
        return "a table row"  # "Akron 135 Mch 134 Apl"; "Group of 7" keeps its one number
    if len(words) > 1 and folded[-1] in MEASURE_ENDINGS:
        return "an economic measure"
    if len(words) > 1 and folded[-1] in EVENT_ENDINGS:
        return "an event"
    if len(words) > 1 and folded[0] == "operation":
        return "an event"  # "Operation Provide Comfort"
    if _LEAGUE_DIVISION.fullmatch(name):
        return "a league's division"
    if len(words) > 1 and folded[-1] in LAW_ENDINGS:
        return "a law or an accord"
    if len(words) > 1 and folded[-1] in SITE_ENDINGS:
        return "a site"
    if len(words) > 1 and folded[-1] in ILLNESS_ENDINGS and not _BODY_WORDS & set(folded):
        return "an illness"  # not "National Institute of Allergy and Infectious Disease"
    if len(words) > 1 and folded[0] in STORM_WORDS:
        return "a storm"
    if len(words) == 1 and folded[0] in GENERIC_WORDS:
        return "a generic word"
    if len(words) == 1 and folded[0] in GAMES:
        return "a sport"  # "BASEBALL - MAJOR LEAGUE RESULTS", "Halftime" of a results table
    return None


def title_acronym(name: str) -> bool:
    """A word that may be an acronym written in title case ("Opec", "Nato")."""
    return 3 <= len(name) <= 6 and name.isalpha() and name[0].isupper() and name[1:].islower()
