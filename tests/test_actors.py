"""Canonical actors: spelling families, junk names, institutions, archive-wide aliases.

Table-driven tests of each rule on small texts written here, through the real spaCy model.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from search.entities import corpus_aliases, extract
from search.entities.actors import extract_actors, org_aliases, person_aliases
from search.entities.canonical import junk_reason, key_initials, spelling_key
from search.entities.capitals import names_in_capitals
from search.entities.consistency import bracket_acronyms, news_agencies
from search.entities.institutions import is_generic, qualified_name, split_country
from search.entities.lines import LineIndex
from search.entities.names import first_names, given_sound, person_key
from search.entities.person_cues import (
    has_org_cue,
    has_person_cue,
    join_person_parts,
    sentence_opener,
    two_people,
)
from search.entities.spans import Candidate, clean_span
from search.entities.usage import (
    common_acronyms,
    dateline_line_places,
    lost_capitals,
    used_as_place,
    used_as_thing,
    used_as_word,
)
from search.entities.words import is_common_word
from search.models import Article

MONDAY = datetime(1987, 3, 2, 9, 0, tzinfo=UTC)


def actors(body: str, dateline: str | None = None, source: str | None = "Reuters") -> set[str]:
    a = Article(
        id="t", key="t", title="", body=body, published=MONDAY, dateline=dateline, source=source
    )
    return {x.name for x in extract(a).actors}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Drexel Burnham Lambert Inc", "Drexel Burnham Lambert Inc."),
        ("Chrysler Corp", "Chrysler"),
        ("International Coffee Organization", "International Coffee Organisation"),
        ("Moody's Investors Service Inc", "Moodys Investor Services"),
        ("Procter & Gamble Co", "Procter and Gamble"),
        ("Nestlé SA", "Nestle"),
        ("The Coca-Cola Company", "Coca Cola"),
        ("Bell South Corp", "BellSouth Corp"),
    ],
)
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    assert spelling_key(a) == spelling_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("General Motors Corp", "General Electric Co"),
        ("Labour Party", "Labor Party"),  # Britain's and Australia's: two parties
        ("Ford Motor Co", "Ford"),  # a corpus decision, not a spelling
        ("Texaco Canada", "Texaco Inc"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert spelling_key(a) != spelling_key(b)


def test_key_initials() -> None:
    assert key_initials("International Business Machines Corp") == "IBM"
    assert key_initials("Organization of the Petroleum Exporting Countries") == "OPEC"


@pytest.mark.parametrize(
    "name",
    [
        "PGA Tour",
        "Fed Cup",
        "World Series",
        "Eurodollars",
        "AAA",
        "BBB",
        "P",
        "Baa2",
        "CAWL.L",
        "U.S. Dollar",
        "Crude FOB",
        "Libor",
        "Brent for Japan",
        "West Texas Intermediate",
        "Aug/Sep",
        "Mch/Apl",  # shipment months as commodity tables abbreviate them
        "Akron 135 Mch 134 Apl",  # a table row
        "House",
        "State",
        "Commission",
        "Finance",
        "Yen",
        "Bovine Spongiform Encephalopathy",  # illnesses and storms are news, not actors
        "Creutzfeldt-Jakob Disease",
        "Hurricane Edouard",
        "Belgian Grand Prix",
        "Baseball",  # a sport, and a game's parts: "BASEBALL - MAJOR LEAGUE RESULTS"
        "Halftime",
        "U.S. Open",  # events, laws and a league's divisions
        "Democratic National Convention",
        "Operation Provide Comfort",
        "Brady Bill",
        "Orphan Drug Act",
        "Commission Regulation",
        "Net Book Agreement",
        "National League West",
        "American League East Division",
        "NL Central",
    ],
)
def test_junk_names(name: str) -> None:
    assert junk_reason(name)


@pytest.mark.parametrize(
    "name",
    [
        "BBC",
        "ABC",
        "Ford",
        "Mark Carney",
        "New York Futures Exchange",
        "Pound Industries Inc",
        "Rand Corp",
        "James Baker",
        "OPEC",
        "Group of 7",
        "Ciba-Geigy",
        "Denis Law",
        "Buffalo Bills",
        "Warsaw Pact",
        "Arab League",
        "League of Women Voters",
    ],
)
def test_actor_names_are_not_junk(name: str) -> None:
    assert junk_reason(name) is None


def test_given_name_alone_after_the_full_name() -> None:
    assert person_aliases(["Saddam Hussein", "Saddam"]) == {"Saddam": "Saddam Hussein"}
    assert person_aliases(["George Bush", "George Shultz", "George"]) == {}  # which George?
    assert person_aliases(["Jordan Henderson", "Michael Jordan", "Jordan"]) == {}


def test_a_given_name_spelled_two_ways_is_one_person() -> None:
    """AIDA train: a story names "Marc Dutroux", quotes "Mark Dutroux", then says "Dutroux"."""
    names = ["Dutroux", "Marc Dutroux", "Mark Dutroux", "Dutroux"]
    assert person_aliases(names) == {"Mark Dutroux": "Marc Dutroux", "Dutroux": "Marc Dutroux"}
    assert person_aliases(["Mark Waugh", "Steve Waugh", "Waugh"]) == {}  # two brothers
    assert given_sound("Aleksander") == given_sound("Alexander")
    assert given_sound("Allan") == given_sound("Alan") and given_sound("Dmitry") == "dmitri"
    assert person_key("Aleksei Ivanov") == person_key("Alexey Ivanov")
    assert person_key("Aleksei Ivanov") != person_key("Aleksei Ivanova")
    assert person_key("General Motors Corp") == spelling_key("General Motors Corp")


def test_institutions() -> None:
    assert is_generic("Finance Ministry") and is_generic("Treasury")
    assert not is_generic("Bank of Japan") and not is_generic("General Motors")
    assert split_country("U.S. Treasury") == ("US", "Treasury")
    assert split_country("Japanese Finance Ministry") == ("JP", "Finance Ministry")
    assert split_country("Central Bank of Brazil") == ("BR", "Central Bank")
    assert qualified_name("JP", "Ministry of Finance") == "Japan Finance Ministry"
    assert qualified_name("US", "House of Representatives") == "U.S. House of Representatives"
    assert qualified_name("US", "Treasury Department") == "U.S. Treasury"


@pytest.mark.parametrize(
    ("body", "dateline", "present", "absent"),
    [
        (
            "International Business Machines Corp (IBM) said profits rose. IBM shares fell.",
            None,
            {"International Business Machines Corp"},
            {"IBM"},
        ),
        (
            "Japan's Finance Ministry said it would act. The Finance Ministry added that the "
            "yen was weak.",
            None,
            {"Japan Finance Ministry"},
            {"Finance Ministry"},
        ),
        (
            "The Treasury said it would sell bills. The Federal Reserve added reserves and "
            "the Fed said it would watch the dollar.",
            "WASHINGTON",
            {"U.S. Treasury", "Federal Reserve"},
            {"Treasury", "Fed"},
        ),
        (
            "The Senate backed the strike, and Congress may get a larger role.",
            "WASHINGTON",
            {"U.S. Senate", "U.S. Congress"},
            {"Senate", "Congress"},
        ),
        (
            "Brazil's Congress rejected the plan. Congress will vote again in May.",
            None,
            {"Brazil Congress"},
            {"U.S. Congress", "Congress"},
        ),
        (
            "The Soviet Foreign Ministry said talks would go on. Moscow wants a deal.",
            None,
            {"Soviet Foreign Ministry"},  # 1987: the Soviet Union, not Russia
            {"Russia Foreign Ministry", "Foreign Ministry"},
        ),
        (
            "The centrist Nepali Congress party won . The Nepali Congress leads the coalition.",
            None,
            {"Nepali Congress"},  # a party, not a congress of Nepal
            {"Nepal Congress"},
        ),
        (
            "The Finance Ministry said it would act.",  # which country? none is named
            None,
            set(),
            {"Finance Ministry"},
        ),
        (
            "Moody's Investors Service Inc said it downgraded the debt. Standard and Poor's "
            "Corp said it would review the ratings.",
            None,
            {"Moody's Investors Service Inc", "Standard and Poor's Corp"},
            {"Poor's Corp", "Moody"},
        ),
        (
            "Reuters said the Kremlin and the Pentagon disagreed. Crude FOB prices rose and "
            "the U.S. Dollar fell against the yen. Libor was 7 pct.",
            "NEW YORK",
            {"Kremlin", "Pentagon"},
            {"Reuters", "Crude FOB", "U.S. Dollar", "Libor"},
        ),
        (
            "Shares rose in Britain, France and Hong Kong.\nAttendance : 2,000\n"
            "Women 's 800 metres",
            None,
            set(),
            {"Hong Kong", "Attendance", "Women"},
        ),
        (
            "American Telephone and Telegraph Co said it cut prices. Industrial Equity "
            "(Pacific) Ltd raised its stake.",
            None,
            {"American Telephone and Telegraph Co", "Industrial Equity (Pacific) Ltd"},
            {"American Telephone", "Pacific"},
        ),
        (
            "Britain's Cable and Wireless Plc (CAWL.L) opposed the plan. Siemens AG denied "
            "it blocks American Telephone and Telegraph Corp's entry.",
            None,
            {"Cable and Wireless Plc", "American Telephone and Telegraph Corp"},
            {"Cable", "Wireless Plc", "American Telephone"},
        ),
        (
            "Sumitomo Trust and Banking Co Ltd will provide the letter of credit. Ford Motor "
            "Co and Chrysler Corp cut prices. Alex. Brown and Sons Inc will manage it.",
            None,
            {"Sumitomo Trust and Banking Co Ltd", "Ford Motor Co", "Chrysler Corp"},
            {"Banking Co Ltd", "Ford Motor Co and Chrysler Corp", "Sons Inc"},
        ),
        (
            "General Partners, owned by Wagner and Brown and AFG Industries Inc, raised its "
            "offer. Wagner and Brown is a Texas partnership.",
            None,
            {"Wagner and Brown", "AFG Industries Inc"},
            {"Wagner", "Brown"},
        ),
        (
            "Secretary of State George Shultz and Defense Secretary Caspar Weinberger met. "
            "Shultz and Weinberger disagreed. Moody's and Standard and Poor's Corp cut ratings.",
            None,
            {"George Shultz", "Caspar Weinberger"},
            {"Shultz and Weinberger", "Moody's and Standard"},
        ),
        (
            "Import Quotas were raised. The government said quotas would stay high.",
            None,
            set(),
            {"Quotas", "Import Quotas"},
        ),
    ],
)
def test_actors_named_canonically(
    body: str, dateline: str | None, present: set[str], absent: set[str]
) -> None:
    names = actors(body, dateline)
    assert present <= names
    assert not absent & names


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (
            {"Reagan": 496, "Ronald Reagan": 25, "Reagan Administration": 48},
            {"Reagan": "Ronald Reagan", "Reagan Administration": "Ronald Reagan"},
        ),
        (
            {"European Community": 383, "EC": 118, "EC Commission": 69, "European Commission": 31},
            {"EC": "European Community", "EC Commission": "European Commission"},
        ),
        ({"General Motors Corp": 111, "GM": 71}, {"GM": "General Motors Corp"}),
        ({"Chrysler Corp": 50, "Chrysler": 40}, {"Chrysler": "Chrysler Corp"}),
        ({"Ford Motor Co": 60, "Ford": 45}, {"Ford": "Ford Motor Co"}),
        (
            {"Moody": 172, "Moody's Investors Service Inc": 80, "Moody's Investors Service": 30},
            {
                "Moody": "Moody's Investors Service Inc",
                "Moody's Investors Service": "Moody's Investors Service Inc",
            },
        ),
        (
            {"International Coffee Organization": 20, "International Coffee Organisation": 10},
            {"International Coffee Organisation": "International Coffee Organization"},
        ),
        ({"Dole": 1, "Bob Dole": 1}, {"Dole": "Bob Dole"}),  # rare, and the only Dole
        ({"Miller": 50, "Nate Miller": 1}, {}),  # one full name is no evidence for 50
        # A given name alone is not read as a person's; "Shearson" is not "Shearson Lehman".
        ({"Jansher": 4, "Jansher Khan": 3}, {}),
        ({"Shearson": 40, "Shearson Lehman": 30}, {}),
        # "NA" (National Association) is a U.S. bank's legal form: one name, the commoner.
        ({"Citibank": 40, "Citibank NA": 30}, {"Citibank NA": "Citibank"}),
        (
            {"Continental": 9, "Continental Corp": 5, "Continental Airlines": 30},
            {"Continental Corp": "Continental"},
        ),  # the bare name is a firm of its own: not short for the airline
        ({"S&P": 9, "Standard and Poor's Corp": 40}, {"S&P": "Standard and Poor's Corp"}),
        ({"J.B.": 5, "James Baker": 40}, {}),  # initials of a person are no acronym
        # Spellings that differ only in their spaces.
        ({"BellSouth Corp": 9, "Bell South Corp": 2}, {"Bell South Corp": "BellSouth Corp"}),
        # Too weak to merge: two companies share the first word, one mention, a place after.
        ({"Texaco": 30, "Texaco Canada": 20}, {}),
        ({"RCA": 5, "Reichhold Chemie AG": 1}, {}),
        ({"Bush": 4, "George Bush": 20, "Jeb Bush": 10}, {}),
        # A person who holds 80% of the full names a surname fits is who it names.
        (
            {"Clinton": 9, "Bill Clinton": 17, "Hillary Rodham Clinton": 3},
            {"Clinton": "Bill Clinton"},
        ),
        # An initial and a surname: the one person of that initial, then no rival.
        (
            {"R. Croft": 4, "Robert Croft": 4, "Croft": 5},
            {"R. Croft": "Robert Croft", "Croft": "Robert Croft"},
        ),
        ({"J. Smith": 3, "John Smith": 5, "Jane Smith": 4}, {}),
        # A short name far more used than the few articles of the only full name that fits:
        # it names something the archive does not spell out.
        ({"CIA": 16, "Confectionery Industry Association": 2}, {}),
        ({"Wagner": 27, "Ulrich Wagner": 2}, {}),
        # Other firms holding the word are what it may stand for too, unless they extend
        # the winner's name (a subsidiary, a country branch).
        ({"Disney": 7, "Roy E. Disney": 10, "Walt Disney Co": 18}, {}),
        ({"Delta": 12, "Delta Motor Corp": 12, "Delta Air Lines Inc": 10}, {}),
        ({"Cray": 10, "Cray II": 10, "Cray Research Inc": 12}, {}),
        (
            {"Ford": 60, "Ford Motor Co": 89, "Ford Motor Credit Co": 14, "Ford Europe": 2},
            {"Ford": "Ford Motor Co"},
        ),
        (
            {"Texaco": 5, "Texaco Inc": 61, "Texaco Canada Inc": 8, "Texaco Pipeline Co": 3},
            {"Texaco": "Texaco Inc"},
        ),
        (
            {"Reagan": 494, "Ronald Reagan": 24, "Reagan Administration": 48},
            {"Reagan": "Ronald Reagan", "Reagan Administration": "Ronald Reagan"},
        ),
        # An all-caps legal form is no acronym; an acronym may keep the C of "Corp".
        (
            {"ICI": 5, "Imperial Chemical Industries PLC": 20},
            {"ICI": "Imperial Chemical Industries PLC"},
        ),
        ({"AMC": 25, "American Motors Corp": 45}, {"AMC": "American Motors Corp"}),
        (
            {"EEC": 6, "European Economic Community": 9, "Eastern Equipment Corp": 3},
            {"EEC": "European Economic Community"},
        ),
    ],
)
def test_archive_aliases(counts: dict[str, int], expected: dict[str, str]) -> None:
    assert corpus_aliases(counts) == expected


# ---------------------------------------------------------------- names the text uses as places


def _is_known_place(name: str) -> bool:
    return name in {"Leeds", "Manchester"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Rebels shelled the town of Dorvak on Friday.", "Dorvak"),
        ("Dorvak , 200 km ( 120 miles ) east of the capital , fell.", "Dorvak"),
        ("The rebels were about three km east of Dorvak around a village.", "Dorvak"),
        ("Tanks advanced to within 10 km ( six miles ) of Dorvak , the spokesman said.", "Dorvak"),
        ("Peace talks on the disputed Upper Dorvak region went on.", "Upper Dorvak"),
        ("Cars arrived at the Dorvak port on Thursday.", "Dorvak"),
        ("Dorvak is a Norwegian settlement of 1,000 people.", "Dorvak"),
        ("The rebels withdrew from the capital Dorvak on Saturday.", "Dorvak"),
        ("The threat to storm the Chechen capital of Dorvak was lifted.", "Dorvak"),
        ("Refugees rallied two km from Dorvak in the north.", "Dorvak"),
        ("Fishermen landed at a port in the southern state of Dorvak Nadu .", "Dorvak Nadu"),
        ("A well in Alberta 's Dorvak area tested 1,100 barrels a day.", "Dorvak"),
        ("England meet Pakistan at Dorvak Park , Leeds in May.", "Dorvak Park"),
        ("Plane crash kills 141 .\nDORVAK , Norway 1996-08-30\nDorvak mourned its dead.", "Dorvak"),
        ("Blast kills two .\nDORVAK, N.H., Aug 30 - A blast leveled Dorvak's motel.", "Dorvak"),
        # In a list with a town, or a list a plural place noun names; beside a town's slash.
        ("They play in Auckland , Christchurch and Dorvak in March.", "Dorvak"),
        ("The helicopter flew between Phnom Penh and Dorvak Treng on Sunday.", "Dorvak Treng"),
        ("The buses collided between the towns of Rousse and Dorvak .", "Dorvak"),
        ("Rebels struck in Oaxaca and Dorvak states overnight.", "Dorvak"),
        ("Leipzig / Dorvak 1,806 up 45.6", "Dorvak"),
        ("Port Christine 36,5 3/9 Dorvak / US W145 Stentex .", "Dorvak"),
        ("Juventus beat Ajax in the Dorvak stadium in 1985 .", "Dorvak"),
        ("The Dorvak highway , the main route north , was shut .", "Dorvak"),
    ],
)
def test_names_used_as_places(text: str, name: str) -> None:
    assert used_as_place(text, [name], _is_known_place) == {name}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Acme bought a stake in Dorvak on Friday.", "Dorvak"),  # "in X" alone: a firm too
        ("Smith , an analyst at Dorvak , said prices fell.", "Dorvak"),
        ("He met Dorvak , the minister , in London.", "Dorvak"),
        # A body's seat on the dateline is still the body.
        ("UN vote .\nUNITED NATIONS 1996-08-28\nThe United Nations voted.", "United Nations"),
        # A club with a score in a story from its own town.
        ("Rugby .\nDORVAK , England 1996-08-31\nResult :\nDorvak 42 Bradford 36", "Dorvak"),
        # Bodies named by initials or as bodies, and the posts of a body.
        ("Oil stocks in the OECD area fell , the agency said.", "OECD"),
        ("He warned about the state of EC finances.", "EC"),
        (
            "It settled with the state of the Dorvak Public Service Commission.",
            "Dorvak Public Service Commission",
        ),
        ("Robert Hunter , Acme Dorvak area executive for Europe , said so.", "Acme Dorvak"),
        ("Borrowers should call the FmHA county office.", "FmHA"),
        ("The Dorvak river authority met.", "Dorvak"),  # a body's office
        # Lists of people and of a country and a body; the slash of a firm's name.
        ("Talks between Peres and Dorvak went on.", "Dorvak"),
        ("Fighting between Israel and Dorvak flared.", "Dorvak"),
        ("Royal Dutch / Dorvak shares rose.", "Dorvak"),
        # A firm named by its partners; a list that starts inside a longer name.
        ("Spear , Leeds and Dorvak , a New York brokerage , said so.", "Dorvak"),
        ("Lloyd Bentsen of Texas and George Dorvak of Maine met.", "George Dorvak"),
        ("Banque Nationale de Paris and Banque Dorvak said so.", "Banque Dorvak"),
        ("It reached a deal with the Tokyo and Dorvak Stock Exchanges .", "Dorvak Stock Exchanges"),
    ],
)
def test_names_not_used_as_places(text: str, name: str) -> None:
    assert used_as_place(text, [name], _is_known_place) == set()


def test_dateline_places() -> None:
    text = "Crash .\nDORVAK , Norway 1996-08-30\nA plane crashed."
    assert dateline_line_places(text) == [(8, 14, "DORVAK")]
    assert dateline_line_places("No dateline here.\nJust prose 1996 .") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The Acme Jones industrial average ended down 64 points.", "Acme"),
        ("The Acme composite index closed lower.", "Acme"),
        ("Planes flew from the aircraft carrier Carl Dorvak on Friday.", "Carl Dorvak"),
        ("He has 121 XRB this season and three XRB as the team won.", "XRB"),
        ("Fed chairman Smith spoke at the annual Dorvak Hole symposium.", "Dorvak Hole"),
        ("Results :\nDivision one\nAlbion 2 Cowdenbeath 0\n", "Division"),
        ('He is ill .\nDeath is natural , he said . "\nHe did not fear death .', "Death"),
        ("The Dorvak peace accords gave refugees the right to return.", "Dorvak"),
        ("Bonn backs the Dorvak Accord . The Dorvak agreement holds.", "Dorvak"),
        ("Thousands of Dorvaks demonstrated in Geneva on Monday.", "Dorvaks"),
        ("Results of the Dorvak Classic on Sunday . The Dorvak Classic ended .", "Dorvak"),
    ],
)
def test_names_used_as_things(text: str, name: str) -> None:
    lower = frozenset(w for w in text.replace(".", " ").split() if w.islower())
    assert used_as_thing(text, [name], lower) == {name}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The American Stock Exchange composite index fell.", "American Stock Exchange"),
        ("The 16 NATO members met in Brussels.", "NATO"),  # a body counted: what it counts
        ("Prices rose by $ 700,000 IOC .", "IOC"),  # money is no count
        ("He played the ATP tournament in May.", "ATP"),
        ("Death said he would go . Mr Death left , and the death toll rose.", "Death"),
        ("The carrier Lufthansa cut fares.", "Lufthansa"),  # an airline, not a ship
        ("Thousands of Dorvak workers struck.", "Dorvak"),  # a body's people
        ("Dorvak sponsors the Dorvak Classic , Dorvak said.", "Dorvak"),  # named alone too
        ("The NATO peace plan was signed.", "NATO"),
        # Named alone too, or a body: the accord is theirs.
        ("The Dorvak agreement with the union holds . Dorvak said so.", "Dorvak"),
        ("Bonn objected to the European Community agreement on milk.", "European Community"),
        # An article that lost its capitals: a name at a sentence start is no common word.
        ("Talks in venezuela and peru went on.\nDorvak said so . minister dorvak left.", "Dorvak"),
    ],
)
def test_names_not_used_as_things(text: str, name: str) -> None:
    lower = frozenset(w for w in text.replace(".", " ").split() if w.islower())
    assert used_as_thing(text, [name], lower) == set()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Crowd trouble .\nAttendance not given .", "Attendance"),
        ("Figures .\nTotal 326", "Total"),
        ("Talks went on . Press spokesman Ivan Petrov told reporters so.", "Press"),
        ("The scandal grew .\nRecriminations built up over the case.", "Recriminations"),
        ("Rates held .\nBankers said the banks would meet.", "Bankers"),  # plural: no firm
        # A paragraph that starts in lower case (a wrapped line) leaves the rule on.
        ("Results of the first division\nsoccer played on Sunday :\nPlayed on Friday :", "Played"),
    ],
)
def test_common_words_opening_sentences(text: str, name: str) -> None:
    assert used_as_word(text, [name], is_common_word) == {name}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("He scored .\nCeltic 's Jackie McNamara did not.", "Celtic"),  # no common word
        ("He scored .\nShell 's Jackie Smith did not.", "Shell"),  # an owner
        ("Stocks rose . Siemens (SIEG.F) was next.", "Siemens"),  # a ticker
        ("He left .\nDryer said the company grew.", "Dryer"),  # one who speaks
        ("He left .\nAjax defender John Veldman was hurt.", "Ajax"),  # a club's player
        ("Chairman M.P. Green told the meeting so.", "Green"),  # after an initial
        ("Prices fell . Shell said so , and Shell shares fell.", "Shell"),  # mid-sentence
        ("Neal Lancaster , Dave Barr , Willie\nWood , Loren Roberts", "Wood"),  # a name wrapped
        ("Roca ( Spain ) , Derrick\nCooper ( England )", "Cooper"),
        # An article that lost its capitals: any name may be a word there.
        ("Talks in venezuela and peru went on .\nShell said so.", "Shell"),
    ],
)
def test_names_that_are_no_common_words(text: str, name: str) -> None:
    assert used_as_word(text, [name], is_common_word) == set()


def test_lost_capitals() -> None:
    assert lost_capitals("finance minister manuel azpurua said venezuela and brazil agreed")
    # One place in lower case is a typo; lines that start in lower case are a wrap.
    assert not lost_capitals("2. Nastja Rysich ( germany ) 3.75\nWomen 's 800 metres")
    assert not lost_capitals("Talks at the Federal\nReserve went on in\nthe Paris office.")


def test_acronyms_spelled_out_as_no_actor() -> None:
    text = (
        "The cash reserve ratio ( CRR ) stays . India vetoed the Comprehensive Test Ban "
        "Treaty ( CTBT ) . The Kurdistan Workers Party ( PKK ) denied it ."
    )
    assert common_acronyms(text) == {"CRR", "CTBT"}


@pytest.mark.parametrize("name", ["Changi Prison", "Lilac Falls Motel", "Heathrow Airport"])
def test_sites_are_junk(name: str) -> None:
    assert junk_reason(name) == "a site"


@pytest.mark.parametrize(
    "name",
    [
        "Mount Sinai Hospital",
        "Carter Centre",
        "Hilton Hotels Corp",
        "Buckingham Palace",
        "Dominion Bridge",
    ],
)
def test_bodies_named_after_sites_are_not_junk(name: str) -> None:
    assert junk_reason(name) is None


def test_place_use_through_extraction() -> None:
    body = (
        "Government troops took Tavildara without casualties on August 23 , officials said .\n"
        "Tavildara , 200 km ( 120 miles ) east of the capital Dushanbe , was in ruins .\n"
        "Defence Minister Sherali Khairulloyev visited the town on Friday ."
    )
    names = actors(body)
    assert "Tavildara" not in names
    assert "Sherali Khairulloyev" in names


def test_a_peoples_noun_is_no_actor_but_a_name_ending_so_may_be() -> None:
    names = actors(
        "Oshman 's Sporting Goods Inc said sales fell . Oshman opened nine stores , said "
        "Oshman , who beat the 11th-ranked Frenchman ."
    )
    assert "Frenchman" not in names
    assert any(name.startswith("Oshman") for name in names)  # "Osh" is a town


def test_a_faiths_adjective_is_no_person() -> None:
    names = actors("Gunmen killed the French Roman Catholic Bishop Pierre Claverie on Thursday .")
    assert "Roman Catholic" not in names


def test_common_words_through_extraction() -> None:
    body = (
        "Senate panel head visits Saudi Arabia .\n"
        "WASHINGTON 1996-08-26\n"
        "Salomon Brothers Inc raised its forecast on Monday .\n"
        "Proceeds will be used to repay debt , the firm said .\n"
        "Salomon said the market was weak ."
    )
    found = extract(
        Article(id="t", key="t", title="", body=body, published=MONDAY, source="Reuters")
    ).actors
    names = {x.name for x in found}
    assert "Proceeds" not in names
    # An institution and the first word of a firm named in full are no common words; the
    # first word alone is that firm.
    assert any(name.endswith("Senate") for name in names)
    salomon = next(x for x in found if x.name == "Salomon Brothers Inc")
    assert [m.surface for m in salomon.mentions] == ["Salomon Brothers Inc", "Salomon"]


# ---------------------------------------------------------------- organisations NER leaves out


def test_bracket_acronym_is_the_organisation_everywhere() -> None:
    text = "Officials of the Kurdistan Democratic Party ( KDP ) said so."
    cands = [Candidate(17, 43, "Kurdistan Democratic Party", "org")]
    assert bracket_acronyms(text, cands) == {"KDP"}
    other = [Candidate(4, 14, "Acme Group", "org")]
    assert bracket_acronyms("The Acme Group ( KDP ) said.", other) == set()


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("The plan was reported by Interfax news agency on Friday .", {"Interfax"}),
        ("The Yugoslav news agency Tanjug reported the closure .", {"Tanjug"}),
        ("The official news agency , Xinhua , said so .", {"Xinhua"}),
        ("The Russian news agency said so .", set()),  # the agency's country
    ],
)
def test_news_agencies(text: str, names: set[str]) -> None:
    found = news_agencies(text, [], [], LineIndex(text), lambda n: n in {"Russian", "Yugoslav"})
    assert {c.name for c in found} == names
    assert all(text[c.start : c.end] == c.name for c in found)


def test_acronym_and_agency_through_extraction() -> None:
    body = (
        "Fighters of the Kurdistan Democratic Party ( KDP ) took the town , a spokesman for "
        "the group said on Saturday .\nThe KDP said its forces had advanced to the border , "
        "according to Interfax news agency ."
    )
    names = actors(body)
    assert "Kurdistan Democratic Party" in names and "KDP" not in names


def test_a_wire_credit_in_the_dateline_is_no_actor() -> None:
    """A wire story on another site carries the wire's credit in its dateline: the wire
    wrote the story, it does not act in it. Named as a source further down, it counts."""
    body = (
        "BUFFALO, N.Y. (AP) \u2014 Hours before the game, coach Bruce Boudreau said the "
        "team was ready.\n\n(Reuters) - The New York State Attorney General is "
        "investigating WeWork."
    )
    found = actors(body, source="Twin Cities")
    assert "AP" not in found and "Reuters" not in found
    assert "Bruce Boudreau" in found
    cited = actors(body + "\n\nAccording to Reuters, the inquiry began in June.", source=None)
    assert "Reuters" in cited


# ---------------------------------------------------------------- people NER cut or mislabelled


def _span(text: str, label: str, surface: str) -> tuple[str, int, int, str]:
    at = text.index(surface)
    return (label, at, at + len(surface), surface)


@pytest.mark.parametrize(
    ("text", "spans", "joined"),
    [
        # Two PERSON spans with one space between are one name.
        (
            "Democracy leader Aung San Suu Kyi spoke .",
            [("PERSON", "Aung San"), ("PERSON", "Suu Kyi")],
            [("PERSON", "Aung San Suu Kyi")],
        ),
        # A known given name in a span of its own before a PERSON or ORG span.
        (
            "Steffi Graf beat Natasha Zvereva 6-4 .",
            [("PERSON", "Steffi Graf"), ("ORG", "Natasha"), ("PERSON", "Zvereva")],
            [("PERSON", "Steffi Graf"), ("PERSON", "Natasha Zvereva")],
        ),
        # A known given name left outside a PERSON span.
        (
            "At California , Edgar Martinez 's homer won it .",
            [("GPE", "California"), ("PERSON", "Martinez")],
            [("GPE", "California"), ("PERSON", "Edgar Martinez")],
        ),
        # A comma apart, a place before, a month: no join.
        (
            "Sanchez , Martinez and Florida Smith met in May Jones said .",
            [("PERSON", "Sanchez"), ("PERSON", "Martinez"), ("GPE", "Florida"), ("PERSON", "Smith")]
            + [("PERSON", "Jones")],
            [("PERSON", "Sanchez"), ("PERSON", "Martinez"), ("GPE", "Florida"), ("PERSON", "Smith")]
            + [("PERSON", "Jones")],
        ),
    ],
)
def test_person_parts_joined(
    text: str, spans: list[tuple[str, str]], joined: list[tuple[str, str]]
) -> None:
    got = join_person_parts(text, [_span(text, label, s) for label, s in spans])
    assert [(label, surface) for label, _, _, surface in got] == joined
    assert all(text[s:e] == surface for _, s, e, surface in got)


@pytest.mark.parametrize(
    ("text", "name", "cued"),
    [
        ("State Department spokesman Glyn Davies said so .", "Glyn Davies", True),
        ("Last month , Wang , 45 , a veteran dissident , was detained .", "Wang", True),
        ("The Speaker Group said so .", "Group", False),  # a title-cased word opens a name
        ("Shares of Magna , the parts maker , rose .", "Magna", False),
        ("Sales at Acme , 1,200 , fell .", "Acme", False),  # a number, not an age
    ],
)
def test_person_cues(text: str, name: str, cued: bool) -> None:
    at = text.index(name)
    assert has_person_cue(text, at, at + len(name)) is cued


def test_two_people_in_one_span() -> None:
    assert two_people("John Smith and Mary Jones")
    assert not two_people("Marks and Spencer")
    assert not two_people("John Smith and Sons")


def test_people_ner_called_organisations_through_extraction() -> None:
    body = (
        "WASHINGTON 1996-08-30\nThe United States welcomed the release , State Department "
        "spokesman Glyn Davies said on Friday .\nDavies also said the talks would go on ."
    )
    found = actors(body)
    assert "Glyn Davies" in found and "Davies" not in found
    a = Article(id="t", key="t", title="", body=body, published=MONDAY, source="Reuters")
    kinds = {x.name: x.kind for x in extract(a).actors}
    assert kinds["Glyn Davies"] == "person"


def test_person_parts_not_joined_past_a_possessive_or_common_word() -> None:
    text = "Jardine Fleming's Edwards said so . In Craxi 's view , in short , it was over ."
    spans = [_span(text, "PERSON", "Jardine Fleming's"), _span(text, "PERSON", "Edwards")]
    spans.append(_span(text, "PERSON", "Craxi"))
    got = join_person_parts(text, spans)
    assert [surface for _, _, _, surface in got] == ["Jardine Fleming's", "Edwards", "Craxi"]


def test_end_of_a_longer_name_is_that_person() -> None:
    names = ["Ali Akbar Hashemi Rafsanjani", "Hashemi Rafsanjani", "Rafsanjani"]
    assert person_aliases(names) == {
        "Hashemi Rafsanjani": "Ali Akbar Hashemi Rafsanjani",
        "Rafsanjani": "Ali Akbar Hashemi Rafsanjani",
    }


def test_given_names_of_the_world_without_common_words_surnames_or_places() -> None:
    names = first_names()
    assert {"Laurent", "Guido", "Wasim", "Glyn", "Didier", "Sergei", "Mary"} <= names
    # English words, common US surnames and places are no given names here.
    assert not {"Said", "Royal", "Thai", "Jones", "Campbell", "Florida", "Will"} & names


@pytest.mark.parametrize(
    ("text", "name", "cued"),
    [
        ("Before the match Deportivo chairman Augusto Lendoiro said so .", "Deportivo", True),
        ("Zycie Warszawy daily said on Saturday .", "Zycie Warszawy", True),
        ("Magna shares rose .", "Magna", True),
        ("Icahn 's shares in TWA rose .", "Icahn", False),  # a person holds shares too
        ("Magna 's chairman said so .", "Magna", True),
        ("Yeltsin spokesman Sergei Yastrzhembsky said .", "Yeltsin", False),  # people too
        ("Clinton said on Friday .", "Clinton", False),
        ("as quoted by the daily Sueddeutsche Zeitung on Saturday .", "Sueddeutsche Zeitung", True),
        ("its publisher , mineral water firm Multico , and others .", "Multico", True),
        ("said broker Shakil Rizvi .", "Shakil Rizvi", False),  # a person's job
    ],
)
def test_org_cues(text: str, name: str, cued: bool) -> None:
    at = text.index(name)
    assert has_org_cue(text, at, at + len(name)) is cued


def test_a_firms_first_word_is_that_firm_through_extraction() -> None:
    body = (
        "Douglas & Lomason Co agreed to be acquired by Magna International Inc for $ 31 a "
        "share .\nMagna was up 1/8 to 48-1/4 on the New York Stock Exchange .\n"
        "Magna , Johnson Controls and Lear have been winning business ."
    )
    a = Article(id="t", key="t", title="", body=body, published=MONDAY, source="Reuters")
    kinds = {x.name: x.kind for x in extract(a).actors}
    assert "Magna" not in kinds  # NER: PERSON; the firm's first word alone is the firm
    assert kinds["Magna International Inc"] == "org"


# ---------------------------------------------------------------- names NER ran together or padded


def _actors_from(text: str, spans: list[tuple[str, str]]) -> dict[str, str]:
    """Actor name -> kind from ``extract_actors`` given these NER spans (no model)."""
    found, _ = extract_actors(text, [_span(text, label, s) for label, s in spans])
    return {a.name: a.kind for a in found}


def test_a_results_lines_opening_preposition_is_no_given_name() -> None:
    """AIDA train: "In" is a Korean given name, and NER labelled nothing on these lines."""
    text = "Results :\nIn Tirana : Flamurtari Vlore 0 Chemlon Humenne 2\nIn Chorzow : Ruch 5 .\n"
    text += "Scorers : Arkadiusz Bak , Arwel Jones ."
    names = _actors_from(text, [])
    assert not any(name.startswith("In ") for name in names), names
    assert names.get("Arkadiusz Bak") == "person"


@pytest.mark.parametrize(
    ("text", "label", "surface", "names"),
    [
        # A score between two clubs; a list of people; an ordinal after a scorer.
        ("Manchester United 2 Blackburn 1 .", "ORG", "Manchester United 2 Blackburn", None),
        ("Pier 1 Imports Inc said .", "ORG", "Pier 1 Imports Inc", ["Pier 1 Imports Inc"]),
        (
            "Germany : Dieter Eilts , Steffen Freund .",
            "PERSON",
            "Dieter Eilts , Steffen Freund",
            None,
        ),
        ("( Bohinen 51st ) .", "PERSON", "Bohinen 51st", ["Bohinen"]),
        # Numbers that belong to the name stay.
        ("The Group of 7 met .", "ORG", "Group of 7", ["Group of 7"]),
        # Places listed; a sentence's opening preposition; an abbreviated title after.
        ("Leipzig / Halle 1,806 up .", "ORG", "Leipzig / Halle", ["Leipzig", "Halle"]),
        ("Tests in Auckland , Christchurch .", "ORG", "Auckland , Christchurch", None),
        ("In Sofia : Levski 1 .", "ORG", "In Sofia", ["Sofia"]),
        ("then Pennsylvania Gov . Casey", "ORG", "Pennsylvania Gov", ["Pennsylvania"]),
        (
            "Donaldson , Lufkin and Jenrette",
            "ORG",
            "Donaldson , Lufkin and Jenrette",
            ["Donaldson , Lufkin and Jenrette"],
        ),
    ],
)
def test_spans_split_at_scores_and_lists(
    text: str, label: str, surface: str, names: list[str] | None
) -> None:
    at = text.index(surface)
    got = [text[a:b] for a, b in clean_span(text, at, at + len(surface), label)]
    expected = names or [p.strip() for p in re.split(r" \d+ | , ", surface)]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "surface", "name"),
    [
        (
            "Three unseeded men won .\nUnseeded Patrick Rafter won in straight sets .",
            "Unseeded Patrick Rafter",
            "Patrick Rafter",
        ),
        # Never written in lower case: a given name the list lacks, or a particle.
        ("It rained .\nLal Krishna Advani spoke .", "Lal Krishna Advani", "Lal Krishna Advani"),
        ("It is de rigueur .\nDe Clercq spoke .", "De Clercq", "De Clercq"),
        ("The farm bill passed .\nBill Emerson voted .", "Bill Emerson", "Bill Emerson"),
        ("The opener made 50 .\nOpener Gooch 's decision came late .", "Opener Gooch", "Gooch"),
        # A role is cut even where the text never writes it in lower case.
        ("It rained .\nFullback Andre Joubert scored .", "Fullback Andre Joubert", "Andre Joubert"),
        # A given name the list lacks stays: the text never writes it in lower case.
        ("Nursultan Nazarbayev met Yeltsin .", "Nursultan Nazarbayev", "Nursultan Nazarbayev"),
        # Not at a sentence's start; a known given name first.
        ("He beat unseeded Patrick Rafter .", "Patrick Rafter", "Patrick Rafter"),
        ("Tony Blair spoke .", "Tony Blair", "Tony Blair"),
    ],
)
def test_sentence_opener_cut_off_a_name(text: str, surface: str, name: str) -> None:
    at = text.index(surface)
    assert text[sentence_opener(text, at, at + len(surface)) : at + len(surface)] == name


def test_owner_before_an_organisation_is_a_person_of_its_own() -> None:
    text = "Alexander Lebed met envoys , the press service of Lebed 's Security Council said ."
    got = _actors_from(text, [("PERSON", "Alexander Lebed"), ("ORG", "Lebed 's Security Council")])
    assert got.get("Alexander Lebed") == "person"
    assert "Lebed 's Security Council" not in got
    # A firm's own possessive stays its name, as does one before a legal form.
    text = "Paul Smith said Paul 's Place Inc will open ."
    got = _actors_from(text, [("PERSON", "Paul Smith"), ("ORG", "Paul 's Place Inc")])
    assert "Paul 's Place Inc" in got
    text = "Moody 's Investors Service cut the rating ."
    assert "Moody 's Investors Service" in _actors_from(
        text, [("ORG", "Moody 's Investors Service")]
    )


def test_demonym_and_a_name_in_a_sports_story_is_a_person() -> None:
    text = (
        "Tennis : fourth-seeded Spaniard Conchita Martinez took apart her rival in the "
        "tournament , and the Chicago White Sox won at baseball as the league leaders did ."
    )
    got = _actors_from(text, [("ORG", "Spaniard Conchita Martinez"), ("ORG", "Chicago White Sox")])
    assert got.get("Conchita Martinez") == "person"
    assert got.get("Chicago White Sox") == "org"  # a city is no demonym


def test_initialled_people_in_a_list() -> None:
    text = (
        "Cricket scores .\nTo bat : R. Croft , D. Cork , A. Mullally\nS. Africa won .\n"
        "Results of S. Korean games .\n"
    )
    spans = [("GPE", "D. Cork"), ("GPE", "S. Africa"), ("NORP", "S. Korean")]
    found, claimed = extract_actors(text, [_span(text, label, s) for label, s in spans])
    assert {a.name for a in found} == {"R. Croft", "D. Cork", "A. Mullally"}
    assert _span(text, "GPE", "D. Cork")[1:3] in claimed  # not a mention of Ireland


def test_acronym_in_title_case_and_spellings_in_capitals() -> None:
    names = ["Nato", "North Atlantic Treaty Organisation"]
    assert org_aliases(names) == {"Nato": "North Atlantic Treaty Organisation"}
    assert org_aliases(["Nato", "NATO"]) == {"Nato": "NATO"}


def test_competitors_named_with_their_country_in_a_results_list() -> None:
    text = (
        "Second round\n1 - Arantxa Sanchez Vicario ( Spain ) beat Naoko Kijimuta ( Japan )\n"
        "1-6 6-4 6-3\nKareda Siauliai ( Lithuania ) 0 Sion ( Switzerland ) 0\n"
    )
    got = _actors_from(text, [("ORG", "Naoko Kijimuta")])
    assert got.get("Arantxa Sanchez Vicario") == "person"  # NER: nothing
    assert got.get("Naoko Kijimuta") == "person"  # NER: ORG
    assert "Kareda Siauliai" not in got  # a club: a score follows its country
    # A firm in a business list, with no score about, keeps its kind.
    text = "Contracts went to Petronas Carigali ( Malaysia ) and others ."
    assert _actors_from(text, [("ORG", "Petronas Carigali")]) == {"Petronas Carigali": "org"}


def test_clubs_of_standings_rows_and_result_lines() -> None:
    text = (
        "Soccer - league standings .\nStandings ( tabulate under played , won , drawn , "
        "lost , goals for , against , points ) .\nBarnsley 3 3 0 0 8 2 9\n"
        "VfL Bochum 4 1 3 0 4 3 6\nResults of the cup : the striker scored in the tournament .\n"
        "Rangers 1 Dundee United 0\nSAN FRANCISCO 1 Philadelphia 0\nEngland 2 Scotland 1\n"
        "Golf : Tom Watson 70 71 68 69 278\nAllensbach June 12 37.4 32.8 7.3 12.3 5.4\n"
    )
    spans = [("GPE", "Barnsley"), ("PERSON", "Tom Watson"), ("GPE", "England")]
    got = _actors_from(text, spans)
    for club in ("Barnsley", "VfL Bochum", "Rangers", "Dundee United", "Philadelphia"):
        assert got.get(club) == "org", club
    # A line with a name in mixed case is no all-caps line; the club is named as its city.
    assert got.get("San Francisco") == "org"
    assert got.get("Tom Watson") == "person"  # a golfer's card looks like a standings row
    assert "England" not in got and "Allensbach" not in got  # a national team; a poll


def test_a_page_of_tables_needs_one_sports_word() -> None:
    text = "SOCCER - BELGIAN FIRST DIVISION .\nAnderlecht 4 1 3 0 9 3 6\nLokeren 4 1 1 2 4 5 4\n"
    assert _actors_from(text, []) == {"Anderlecht": "org", "Lokeren": "org"}
    # A trade table of a story with no sport, or a row named by a common word, is no club.
    text = "Trade figures .\nExports 12 34 56 78 90\nImports 11 22 33 44 55\n"
    assert _actors_from(text, []) == {}
    text = "Soccer fans spent more ; exports rose .\nExports 12 34 56 78 90\n"
    assert "Exports" not in _actors_from(text, [])


def test_cricket_teams_before_their_score() -> None:
    text = (
        "Cricket - county championship .\nAt Cardiff : Kent 255-3 ( D. Fulton 64 )\n"
        "Essex 24 points ,\nSaeed Anwar c Mullally b Irani 61\nAsif Mujtaba not out 37\n"
    )
    got = _actors_from(text, [("PERSON", "Saeed Anwar"), ("PERSON", "Asif Mujtaba")])
    assert got.get("Kent") == "org" and got.get("Essex") == "org"
    assert got.get("Saeed Anwar") == "person" and got.get("Asif Mujtaba") == "person"
    # The second team of a match after the first one's score; not a batsman in brackets.
    text = (
        "Cricket - county championship .\nLondon ( The Oval ) : Warwickshire 195 , Surrey "
        "429-7 ( Lewis 80 , Butcher 70 , C. Lewis 5 )\nHove : Sussex 363 ( W. Athey 111 ) , "
        "Lancashire 197-8\nDerbyshire 24 points , Worcestershire 5 .\n"
    )
    got = _actors_from(text, [])
    for team in ("Warwickshire", "Surrey", "Sussex", "Lancashire", "Derbyshire", "Worcestershire"):
        assert got.get(team) == "org", team
    assert got.get("Butcher") == "person"  # a batsman, by the scorers rule


def test_teams_after_a_riders_country_in_results() -> None:
    text = (
        "MOTOR RACING - BELGIAN GRAND PRIX GRID .\nGrid positions :\n"
        "8. Martin Brundle ( Britain ) Jordan 1:52.977\n"
        "3. Tristan Hoffman ( Netherlands ) TVM same time\n"
        "2. Colin McRae ( Britain ) Subaru Impreza 3:58:12\n"
        "4. Mark Woodforde ( Australia ) Todd Woodbridge ( Australia ) 6-2\n"
    )
    people = ["Martin Brundle", "Tristan Hoffman", "Colin McRae", "Mark Woodforde"]
    got = _actors_from(text, [("PERSON", p) for p in people] + [("GPE", "Jordan")])
    assert got.get("Jordan") == "org" and got.get("TVM") == "org"
    # A car of two words is no team; a second player is no team.
    assert "Subaru Impreza" not in got and "Subaru" not in got
    assert got.get("Todd Woodbridge") != "org"


def test_us_standings_name_their_clubs_in_capitals() -> None:
    text = (
        "Baseball - major league standings .\nAMERICAN LEAGUE\nEASTERN DIVISION\n"
        "W L PCT GB\nNEW YORK 74 59 .556 -\nBOSTON 67 69 .493 8 1/2\n"
        "BASEBALL - YANKEES WIN AGAIN .\n"
    )
    spans = [("GPE", "NEW YORK"), ("GPE", "BOSTON"), ("ORG", "YANKEES")]
    got = _actors_from(text, spans)
    # Named as their cities are; a headline in capitals stays out.
    assert got == {"New York": "org", "Boston": "org"}


def test_field_labels_of_tables_and_squad_lists_are_no_clubs() -> None:
    text = (
        "Cricket - county championship scores .\nSurrey 429-7 ( C. Lewis 80 not out )\n"
        "Extras ( lb-11 w-1 nb-8 ) 20\nTotal ( for one wicket ) 229\nAttendance 18,500 .\n"
        "Defenders - Frank de Boer ( Ajax ) , John Veldman ( Ajax )\nHampshire 81-7 .\n"
    )
    got = _actors_from(text, [("ORG", "Extras"), ("ORG", "Attendance"), ("ORG", "Defenders")])
    assert got.get("Surrey") == "org" and got.get("Hampshire") == "org"
    assert not {"Extras", "Total", "Attendance", "Defenders"} & set(got)


def test_a_fixture_line_in_capitals_names_the_clubs_of_the_standings() -> None:
    text = (
        "Baseball - major league standings .\nW L PCT GB\nNEW YORK 74 59 .556 -\n"
        "BOSTON 67 69 .493 8 1/2\nSATURDAY 'S SCHEDULE\nNEW YORK AT BOSTON\n"
        "BASEBALL - RAIN IN TEXAS AT THE WEEKEND .\n"
    )
    found, _ = extract_actors(text, [_span(text, "GPE", "NEW YORK")])
    mentions = {a.name: [text[m.start : m.end] for m in a.mentions] for a in found}
    # The standings row and the fixture line; the headline's "TEXAS" is no club.
    assert mentions == {"New York": ["NEW YORK", "NEW YORK"], "Boston": ["BOSTON", "BOSTON"]}


def test_a_club_of_the_story_is_a_club_in_every_mention_and_list() -> None:
    text = (
        "Cricket - English county championship .\nAt Chesterfield : Derbyshire 471 and 71-1\n"
        "Title hopefuls Essex and Derbyshire both won .\n"
        "Derbyshire captain Dean Jones said the championship was open .\n"
    )
    found, _ = extract_actors(text, [_span(text, "PERSON", "Dean Jones")])
    mentions = {a.name: (a.kind, len(a.mentions)) for a in found}
    # "Essex" is listed with a club; "Derbyshire" is found where NER labelled nothing.
    assert mentions == {"Derbyshire": ("org", 3), "Essex": ("org", 1), "Dean Jones": ("person", 1)}


def test_a_name_ner_left_out_after_a_clubs_cue_is_a_club() -> None:
    """AIDA dev: NER labelled none of "title hopefuls Derbyshire and Surrey" in a story
    whose other clubs it found. Not in a story with no club, nor a person's name."""
    text = (
        "Cricket - English county championship run-in .\n"
        "Essex need 148 runs in their innings to beat Yorkshire , while title hopefuls Derbyshire"
        " and Surrey won . Kent , who thrashed Sussex , rest .\n"
        "Graham Lloyd played against Lloyd .\n"
    )
    spans = [_span(text, "ORG", "Yorkshire"), _span(text, "PERSON", "Graham Lloyd")]
    found, _ = extract_actors(text, spans)
    names = {a.name: a.kind for a in found}
    assert names == {
        "Yorkshire": "org",
        "Derbyshire": "org",
        "Surrey": "org",
        "Sussex": "org",
        "Graham Lloyd": "person",
    }
    alone = text.replace("Yorkshire", "yorkshire")
    found, _ = extract_actors(alone, [_span(alone, "PERSON", "Graham Lloyd")])
    assert {a.name for a in found} == {"Graham Lloyd"}


def test_a_person_named_in_full_keeps_a_surname_that_is_a_title_or_a_place() -> None:
    text = (
        "U.S. captain Billie Jean King named the team .\n"
        '" We will wait , " said King .\n'
        "Tennis finalist MaliVai Washington lost .\nWashington served well .\n"
    )
    spans = [("PERSON", "Billie Jean King"), ("ORG", "MaliVai Washington")]
    spans += [("PERSON", "King ."), ("GPE", "Washington served")]
    rows = [_span(text, label, s) for label, s in spans]
    rows[2] = ("PERSON", rows[2][1], rows[2][1] + 4, "King")
    rows[3] = ("GPE", rows[3][1], rows[3][1] + 10, "Washington")
    found, claimed = extract_actors(text, rows)
    names = {a.name: (a.kind, len(a.mentions)) for a in found}
    # "finalist" before a name is a person's role, as "captain" is.
    assert names == {"Billie Jean King": ("person", 2), "MaliVai Washington": ("person", 2)}
    assert (rows[3][1], rows[3][2]) in claimed  # no mention of the country US


def test_scorers_and_cricket_dismissals_are_people() -> None:
    text = (
        "Soccer results .\nSchalke 1 ( Thon 2nd ) Bochum 1 ( Donkow 86th ) .\n"
        "Cricket innings : Ijaz Ahmed c Stewart b Mullally 61\n"
    )
    got = _actors_from(text, [("PERSON", "Ijaz Ahmed")])
    for person in ("Thon", "Donkow", "Stewart", "Mullally", "Ijaz Ahmed"):
        assert got.get(person) == "person", person
    assert got.get("Schalke") == "org" and got.get("Bochum") == "org"


def _mentions(body: str) -> dict[str, list[str]]:
    a = Article(id="t", key="t", title="", body=body, published=MONDAY, source="Reuters")
    return {x.name: [m.surface for m in x.mentions] for x in extract(a).actors}


def test_a_headline_in_capitals_names_the_actors_of_the_body() -> None:
    got = _mentions(
        "SOCCER - SHEARER NAMED AS ENGLAND CAPTAIN .\nLONDON 1996-08-30\n"
        "Newcastle striker Alan Shearer was named England captain on Friday by coach Glenn "
        "Hoddle .\nShearer said he was proud to lead the side ."
    )
    assert "SHEARER" in got["Alan Shearer"]
    # A name the story also writes as a word stays a word in the headline.
    got = _mentions(
        "RUGBY UNION - LITTLE HOPE FOR WALES .\nCARDIFF 1996-08-30\n"
        "Centre Walter Little scored twice , and Wales had little to answer with .\n"
        "Little said the side had played well ."
    )
    assert "LITTLE" not in got.get("Walter Little", [])


def test_names_in_capitals_leave_a_spelling_two_actors_share() -> None:
    text = "BOXING - MILLER WINS .\nNate Miller beat Tom Miller .\nMILLER SHINES ."
    known = [("Nate Miller", "person", ["Nate Miller"]), ("Tom Miller", "person", ["Tom Miller"])]
    assert names_in_capitals(text, known, LineIndex(text), []) == []
    known = known[:1]
    found = names_in_capitals(text, known, LineIndex(text), [])
    assert [text[s:e] for s, e, _ in found] == ["MILLER", "MILLER"]


def test_a_club_named_after_its_home_takes_its_home_and_its_nickname() -> None:
    names = ["Baltimore Orioles", "Orioles", "Kansas City Royals", "Kansas City", "Times"]
    got = org_aliases(names + ["New York Times"])
    assert got["Orioles"] == "Baltimore Orioles" and got["Kansas City"] == "Kansas City Royals"
    assert got["Times"] == "New York Times"
    # A home of two clubs is neither's; a name that starts with no city is not split.
    got = org_aliases(["Chicago White Sox", "Chicago Cubs", "Chicago", "World Bank", "Bank"])
    assert "Chicago" not in got and "Bank" not in got


def test_a_firms_first_word_alone_is_the_firm_named_with_its_legal_form() -> None:
    assert org_aliases(["Standard Oil Co", "Standard"]) == {"Standard": "Standard Oil Co"}
    # Two names hold the word, or the one name has no legal form: the word stays apart.
    assert org_aliases(["Lufthansa Cargo AG", "Deutsche Lufthansa AG", "Lufthansa"]) == {}
    assert org_aliases(["Standard Oil Co", "Standard Chartered", "Standard"]) == {}
    assert org_aliases(["Standard Chartered", "Standard"]) == {}


def test_a_clubs_home_alone_is_the_club_but_not_where_it_played() -> None:
    text = (
        "Baseball - Rangers win .\nJuan Gonzalez homered twice as the Texas Rangers "
        "beat the Cleveland Indians 5-3 in the league .\nJim Thome homered for Cleveland .\n"
        "Cleveland 's lead over Chicago in the league dropped .\nIn Cleveland , rain fell on "
        "the baseball fans and the soccer and football fans .\n"
    )
    named = [("PERSON", "Juan Gonzalez"), ("ORG", "the Texas Rangers"), ("PERSON", "Jim Thome")]
    spans = [_span(text, label, s) for label, s in named]
    spans += [("GPE", m.start(), m.end(), m.group()) for m in re.finditer("Cleveland", text)]
    found, _ = extract_actors(text, sorted(spans, key=lambda s: s[1]))
    found_at = [m.start for a in found if a.name == "Cleveland" for m in a.mentions]
    # The club's name, "for Cleveland", "Cleveland 's lead"; not "In Cleveland , rain".
    assert found_at == [m.start() for m in re.finditer("Cleveland", text)][:3]
