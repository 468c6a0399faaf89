"""Person names in quotation contexts: regex building blocks, normalisation (Russian case folding via
pymorphy3, Azerbaijani genitive), comparison keys, and the article's people index used to resolve
pronouns and bare surnames to the last full name mentioned: names said inside quotations are no
antecedents, a person of the pronoun's known gender in the scene comes first, honorific single
names ("Mr. Bennet") are people, and kin descriptions ("his wife") resolve through the possessor.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from memoryhole.quotes.lexicon import Lexicon
from memoryhole.quotes.wordclass import closed_class, common_word

# Upper-case letters of Latin (with extensions), Greek and Cyrillic: `re` has no \p{Lu}.
UPPER = "".join(
    chr(c) for r in (range(0x41, 0x250), range(0x370, 0x530)) for c in r if chr(c).isupper()
)
_CAP = rf"[{UPPER}](?:\.|[\w'’]*(?:-[\w][\w'’]*)*)"  # a word or an initial ("J.")
_LAST_WORD = re.compile(r"([^\W\d_]+)[\W\d_]*$")  # the last word before a position
_CAPITALISED = re.compile(rf"(?<![\w'’-])[{UPPER}][\w'’]*(?:-[\w][\w'’]*)*(?![\w-])")
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’]*(?![\w'’-])")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_ORG = rf"[{UPPER}][\w&.'’-]*(?:\s+(?:of\s+|for\s+|and\s+|&\s+)?[{UPPER}][\w&.'’-]*){{0,5}}"
_ISSUED_BY = re.compile(rf"\s+(?:from|by|of)\s+(?:the\s+)?(?P<name>{_ORG})")


def _mention_end(text: str, person: Person) -> int:
    """Where the mention of `person` at its start ends: its full name, or the word there."""
    if text.startswith(person.name, person.start):
        return person.start + len(person.name)
    word = _CAPITALISED.match(text, person.start)
    return word.end() if word else person.start + 1


@cache
def _issued_re(lex: Lexicon, noun: str) -> re.Pattern[str]:
    """ " X issued a statement": the name right before an issuing verb and its document."""
    verbs = _alternation(lex.issue_verbs)
    return re.compile(
        rf"(?P<name>{_ORG})\s+(?:\w+\s+){{0,2}}?(?i:{verbs})\s+(?:a|an)\s+(?:[\w-]+\s+){{0,2}}?"
        rf"{re.escape(noun)}\b"
    )


def _alternation(words: tuple[str, ...]) -> str:
    """A regex matching any of `words` (a space in one matches any run of spaces), written as a
    trie ("sa(?:id|ys)" rather than "said|says"): Python's `re` tries a plain alternation's
    branches one by one at every position of the text, and the cue lexicon has hundreds of them
    (a third of the extraction time on news pages went to that one scan). Longer words still win:
    each optional tail is greedy. A run of spaces in a word counts as one space."""
    trie: dict = {}
    for word in words:
        word = re.sub(" +", " ", word)
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie) if trie else "(?!)"


def _trie_regex(node: dict) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_regex(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:
        return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{body})?"
    return body


@cache
def name_pattern(lex: Lexicon) -> str:
    """One to four capitalised words, lower-case particles allowed inside ("Ursula von der Leyen")."""
    particles = _alternation(lex.name_particles)
    return rf"{_CAP}(?:\s+(?:(?:{particles})\s+){{0,2}}{_CAP}){{0,3}}"


@cache
def speaker_pattern(lex: Lexicon, group: str = "speaker") -> str:
    """A speaker: (titles) + name, a pronoun, or a descriptive phrase ending in a speaker noun."""
    titles = _alternation(lex.titles)
    dets = _alternation(lex.determiners)
    heads = _alternation(lex.speaker_heads)
    pronouns = _alternation(lex.pronouns)
    name = name_pattern(lex)
    not_names = _alternation(tuple(lex.not_names))
    titled = rf"(?:(?:{titles})\s+(?:[\w-]+\s+){{0,2}}?)?(?!(?:{not_names})\b){name}"
    descriptor = rf"(?:(?i:{dets})\s+)?(?:[\w'’-]+\s+){{0,2}}(?i:{heads})\b"
    return rf"(?<![\w'’-])(?P<{group}>{titled}|\b(?i:{pronouns})\b|{descriptor})"


@cache
def _first_names():  # gender-guesser reads its 40,000-name list once (about 0.2 s)
    from gender_guesser.detector import Detector

    return Detector(case_sensitive=False)


_NAME_GENDERS = {
    "male": ("masc", True), "mostly_male": ("masc", False),
    "female": ("femn", True), "mostly_female": ("femn", False),
}  # fmt: skip


def first_name_gender(name: str) -> tuple[str | None, bool]:
    """("masc" | "femn", sure) when the name's first word is a first name of one gender (sure) or
    mostly of one ("Taylor", "Kim"), in gender-guesser's list (Jörg Michael's, compiled from many
    countries' name registers); (None, False) otherwise."""
    first = name.split()[0].split("-")[0] if name.split() else ""  # "Hans-Jürgen": Hans
    if not first.isalpha() or not first[0].isupper():
        return None, False
    return _NAME_GENDERS.get(_first_names().get_gender(first), (None, False))


def _given_name_gender(full: str, lex: Lexicon) -> tuple[str | None, bool]:
    """first_name_gender of the name; in German, of the first word before the surname that is a
    first name, as a role may still stand before it ("Holocaust-Überlebende Inge Auerbacher")."""
    words = full.split()
    if not lex.nouns_capitalised:
        return first_name_gender(strip_titles(full, lex) or full)  # "Lt Col Alexander Vindman"
    for index in range(max(1, len(words) - 1)):
        found = first_name_gender(" ".join(words[index:]))
        if found[0] is not None:
            return found
    return None, False


@lru_cache(maxsize=1)
def _morph():  # pymorphy3 loads its dictionaries once (about 0.1 s)
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


NAME_TAGS = ("Name", "Surn", "Patr")


@lru_cache(maxsize=20000)
def _ru_parse(word: str):
    parses = _morph().parse(word)
    named = [p for p in parses if any(t in p.tag for t in NAME_TAGS)]
    return named, parses


def ru_gender(words: list[str]) -> str | None:
    for word in words:
        named, _ = _ru_parse(word)
        if named and named[0].tag.gender:
            return named[0].tag.gender  # "masc" | "femn"
    return None


def _ru_nominative(word: str, gender: str | None) -> str:
    named, parses = _ru_parse(word)
    if not named:
        return word  # foreign or unknown words ("Лю", "Цзяньчао") do not decline
    matching = [p for p in named if gender is None or p.tag.gender == gender] or named
    form = matching[0].inflect({"nomn"})
    if form is None:
        return word
    word_out = form.word
    return "-".join(part[:1].upper() + part[1:] for part in word_out.split("-"))


_NOT_OF_A_NAME = ("Geox", "Orgn", "PRCL", "ADVB", "CONJ", "PREP", "INTJ")


def _ru_leading_extra(word: str) -> bool:
    """A capitalised word before a name that is no part of it: a place or body in the genitive of a
    title ("глава Чечни Рамзан Кадыров", "президент Молдовы …") or a sentence opener ("Просто")."""
    named, parses = _ru_parse(word)
    return not named and bool(parses) and any(t in parses[0].tag for t in _NOT_OF_A_NAME)


def normalise_russian(name: str) -> str:
    """ "Сергея Лаврова" -> "Сергей Лавров", "Марии Захаровой" -> "Мария Захарова"."""
    words = name.split()
    while len(words) > 1 and _ru_leading_extra(words[0]):
        words.pop(0)
    gender = ru_gender(words)
    return " ".join(
        _ru_nominative(w, gender) if w[:1].isupper() and not w.isupper() else w for w in words
    )


@cache
def _title_prefix(lex: Lexicon) -> re.Pattern[str]:
    return re.compile(
        rf"^(?:(?:(?i:{_alternation(lex.determiners)})|{_alternation(lex.titles)}"
        rf"|(?i:{_alternation(lex.speaker_heads)}))\s+)+"
    )


@cache
def _name_re(lex: Lexicon) -> re.Pattern[str]:
    return re.compile(name_pattern(lex))


@cache
def _title_start(lex: Lexicon) -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation(lex.titles)})(?=\s+[{UPPER}])")


@cache
def _title_suffix(lex: Lexicon) -> re.Pattern[str]:
    return re.compile(rf"(?:{_alternation(lex.titles)})\s+$")


def _title_before(text: str, pos: int, lex: Lexicon) -> str | None:
    """The title just before a name ("Mrs", "Frau"), used as a gender hint."""
    match = _title_suffix(lex).search(text[max(0, pos - 40) : pos])
    return match.group(0).strip() if match else None


_POSSESSIVE = re.compile(r"(?<=\w)['’]s$")


@cache
def _title_inside(lex: Lexicon) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{_alternation(lex.titles)})\s+(?=[{UPPER}])")


def strip_titles(phrase: str, lex: Lexicon) -> str:
    """Drop leading determiners and titles: "Foreign Minister Sergei Lavrov" -> "Sergei Lavrov";
    a title after the name of its organisation too ("UN Secretary-General Antonio Guterres")."""
    rest = _title_prefix(lex).sub("", phrase.strip())
    inside = list(_title_inside(lex).finditer(rest))
    if inside and rest[inside[-1].end() :].strip():
        rest = rest[inside[-1].end() :]
    # a lower-case title may be followed by its complement ("министр иностранных дел")
    match = _name_re(lex).search(rest)
    if match and rest[: match.start()].strip() and rest[: match.start()].strip()[0].islower():
        rest = rest[match.start() :]
    rest = _POSSESSIVE.sub("", rest)  # "Nadia Cruz’s (office said)": the person
    return rest or phrase.strip()


def is_pronoun(word: str, lex: Lexicon) -> bool:
    return word.casefold() in {p.casefold() for p in lex.pronouns}


def honorific_gender(title: str, lex: Lexicon) -> str | None:
    """ "Mrs." -> "femn", "Herr" -> "masc" (the lexicon's honorifics), else None."""
    bare = title.strip().rstrip(".")
    if bare in lex.honorifics_female:
        return "femn"
    if bare in lex.honorifics_male:
        return "masc"
    return None


def pronoun_gender(word: str, lex: Lexicon) -> str | None:
    low = word.casefold()
    if low in {p.casefold() for p in lex.pronouns_male}:
        return "masc"
    if low in {p.casefold() for p in lex.pronouns_female}:
        return "femn"
    return None


def normalise(phrase: str, lex: Lexicon, genitive: bool = False) -> str:
    """A speaker phrase as written -> the name in its citation form (titles dropped)."""
    name = strip_titles(phrase, lex)
    if genitive and lex.genitive_suffix:
        name = re.sub(lex.genitive_suffix + r"$", "", name)
    if lex.language == "ru" or _CYRILLIC.search(name):
        name = normalise_russian(name)
        if genitive:
            name = _ru_head_nominative(name)
    return name


def _ru_head_nominative(phrase: str) -> str:
    """ "по данным Росстата" -> "Росстат", "Министерства обороны" -> "Министерство обороны": a
    source's head noun (not a name, which `normalise_russian` folds) from the genitive; the words
    after it stay as written (they are its own genitive attributes)."""
    words = phrase.split()
    if not words:
        return phrase
    named, parses = _ru_parse(words[0])
    if not parses or parses[0] in named or not {"NOUN", "gent"} <= set(parses[0].tag.grammemes):
        return phrase  # the likeliest reading: a common noun in the genitive
    form = parses[0].inflect({"nomn"})
    if form is None:
        return phrase
    head = form.word
    if words[0][:-1].isupper() and len(words[0]) > 2:
        head = head.upper()  # "МИДа" -> "МИД"
    elif words[0][:1].isupper():
        head = head[:1].upper() + head[1:]
    return " ".join([head, *words[1:]])


def speaker_key(name: str) -> str:
    """A comparison key for a speaker name: case, accents, punctuation, word order and Russian
    grammatical case folded ("Сергея Лаврова" and "Лавров Сергей" share one key)."""
    if _CYRILLIC.search(name):
        name = " ".join(_ru_key_word(w) for w in normalise_russian(name).split())
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("ё", "е"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    tokens = re.findall(r"\w+", bare)
    return " ".join(sorted(tokens))


def _ru_key_word(word: str) -> str:
    """A name word stays as normalise_russian left it (nominative); any other Russian word becomes
    its dictionary form, so that descriptive speakers meet whatever their case ("представителя
    МИД" ~ "представитель МИД", "Сотрудники полиции" ~ "полиция")."""
    if not _CYRILLIC.search(word):
        return word
    parts = []
    for part in word.split("-"):
        named, parses = _ru_parse(part)
        parts.append(part if named or not parses else parses[0].normal_form)
    return "-".join(parts)


@lru_cache(maxsize=20000)
def _word_keys(word: str) -> frozenset[str]:
    """Keys of a name word; for Russian also its lemmas ("Соколова" ~ "Соколов")."""
    keys = {speaker_key(word)}
    if _CYRILLIC.search(word):
        keys |= {p.normal_form.replace("ё", "е") for p in _ru_parse(word)[1]}
    return frozenset(keys)


def _same_word(a: str, b: str) -> bool:
    return bool(_word_keys(a) & _word_keys(b))


@cache
def _gender_re(lex: Lexicon) -> re.Pattern[str]:
    words = _alternation(tuple(sorted(lex.gender_male | lex.gender_female, key=len, reverse=True)))
    return re.compile(rf"(?<![\w-])(?i:{words})(?![\w-])")


@dataclass(frozen=True)
class Person:
    name: str  # normalised full name
    start: int
    gender: str | None
    quoted: bool = False  # named inside a quotation: talked about, not necessarily present
    titled: bool = False  # "Mrs. Bennet": a family name after an honorific
    # the gender a first-name list gives ("Emma"); unless `name_sure` ("Taylor" is mostly male),
    # the pronouns after the name's mentions overrule it
    name_gender: str | None = None
    name_sure: bool = False
    # the title written with the name, casefolded, no period ("captain", "foreign minister")
    title: str | None = None
    # right after an article or preposition ("im Treptower Park", "eine Visual Novel"): in German,
    # where every noun is capitalised, more likely a thing than a person
    governed: bool = False

    @property
    def known_gender(self) -> str | None:
        return self.gender or self.name_gender


SCENE = 1500  # chars back that count as the current scene for resolving "he" / "she"


def _without_leading_nouns(words: list[str], lex: Lexicon) -> list[str] | None:
    """German capitalises every noun, so a run of capitalised words is a name only from its first
    proper noun on: "Russischen Föderation Sergei Lawrow" is Sergei Lawrow, "Aussage zu Romney"
    and "Auf Sorgen" are no one (pronouns were resolved to them), "Blasius Nach" is Blasius
    (surnames may be common nouns, "Dorothee Bär": the end is cut at closed-class words only),
    while a role ending in one of the lexicon's titles keeps its surname ("VW-Chef Winterkorn").
    Only words the tagger (wordclass.py) knows count, and never a first name ("Mark" is also a
    currency)."""
    words = _without_trailing_phrase(words, lex)
    while len(words) > 1 and closed_class(words[-1], lex):
        words = words[:-1]
    start = 0
    while start < len(words) - 1 and _no_name(words[start], lex):
        start += 1
        while start < len(words) - 1 and words[start] in lex.name_particles:
            start += 1
    if start == 0 or len(words) - start >= 2:
        return words[start:]
    if words[start - 1] not in lex.name_particles and words[start - 1].casefold().endswith(
        _title_endings(lex)
    ):
        return words
    return None


def _no_name(word: str, lex: Lexicon) -> bool:
    return common_word(word, lex) and not _first_name(word, lex)


def _first_name(word: str, lex: Lexicon) -> bool:
    return lex.first_name_genders and first_name_gender(word)[0] is not None


def _without_trailing_phrase(words: list[str], lex: Lexicon) -> list[str]:
    """ "Howard Berman von der Demokratischen": a particle followed only by common words opens a
    phrase after the name ("von der Leyen" keeps its particles: "Leyen" is no common word)."""
    for index, word in enumerate(words[1:], 1):
        if word in lex.name_particles:
            rest = [w for w in words[index:] if w not in lex.name_particles]
            if rest and all(common_word(w, lex) for w in rest):
                return words[:index]
    return words


def _governed(text: str, start: int, lex: Lexicon) -> bool:
    """Whether the name at `start` follows an article or preposition (the lexicon's `governors`,
    else the tagger's closed-class words): an object, not who acts ("than Rose-Lynn Harlan")."""
    if not lex.governors and lex.tagger is None:
        return False
    before = _LAST_WORD.search(text, max(0, start - 30), start)
    if before is None:
        return False
    word = before.group(1)
    return word.casefold() in lex.governors if lex.governors else closed_class(word, lex)


@cache
def _abbreviated_title(word: str, lex: Lexicon) -> bool:
    """A title written abbreviated ("Mr", "Dr.", "Lt"): the lexicon lists it with a period."""
    bare = word.rstrip(".")
    return bare in lex.titles and f"{bare}." in lex.titles


def _title_endings(lex: Lexicon) -> tuple[str, ...]:
    return tuple(t.casefold().rstrip(".") for t in lex.titles if len(t) > 3)


class PeopleIndex:
    """Full person names mentioned in an article, in order, for resolving later short mentions."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.lex = lex
        self.text = text
        self.people: list[Person] = []
        self.common: frozenset[str] = (
            frozenset(_LOWER_WORD.findall(text)) if lex.lowercase_common else frozenset()
        )
        for match in _name_re(lex).finditer(text):
            first = match.group(0).split()[0]
            if honorific_gender(first, lex) and len(match.group(0).split()) == 2:
                self._add_titled(text, match, first)  # "Miss Crane", "Mrs Bennet"
                continue
            full = self._full_name(match.group(0))
            if full:
                title = _title_before(text, match.start(), lex)
                gender = self._gender(full, title)
                written = _title_start(lex).match(match.group(0))
                title = written.group(0).strip() if written else title
                named, sure = (
                    _given_name_gender(full, lex) if lex.first_name_genders else (None, False)
                )
                self.people.append(
                    Person(
                        normalise(full, lex),
                        match.start(),
                        gender,
                        name_gender=named,
                        name_sure=sure,
                        governed=_governed(text, match.start(), lex),
                        title=title.casefold().rstrip(".") if title else None,
                    )
                )
            elif lex.honorifics_male or lex.honorifics_female:
                self._add_titled(text, match)

    def _add_titled(self, text: str, match: re.Match[str], title: str | None = None) -> None:
        """ "Mr. Bennet", "Miss Lucas": one word after a gendered honorific is a person (fiction
        names people so); "Mr Bennet" unless a full name with that word and gender came before."""
        word = _POSSESSIVE.sub("", match.group(0).split()[-1 if title else 0])  # "Miss Watkin's"
        title = title or _title_before(text, match.start(), self.lex)
        gender = honorific_gender(title or "", self.lex)
        if gender is None or word in self.lex.not_names or word.isupper():
            return
        full = next(
            (
                p.name
                for p in reversed(self.people)
                if len(p.name.split()) > 1 and not p.titled and p.gender in (None, gender)
                and p.name.split()[-1] == word
            ),
            None,
        )  # fmt: skip
        if full is None and first_name_gender(word)[0] in (None, gender):
            full = next(  # "Miss Jemima", "Sir Henry": a first name after the title
                (
                    p.name
                    for p in reversed(self.people)
                    if len(p.name.split()) > 1 and not p.titled and p.gender in (None, gender)
                    and p.name.split()[0] == word and first_name_gender(word)[0] is not None
                ),
                None,
            )  # fmt: skip
        name = full or f"{(title or '').rstrip('.')} {word}"
        self.people.append(Person(name, match.start(), gender, titled=full is None))

    def named(self, phrase: str) -> bool:
        """Whether the text names a person by exactly this full name somewhere."""
        return any(p.name == phrase for p in self.people)

    def is_person(self, phrase: str) -> bool:
        return self._full_name(strip_titles(phrase, self.lex)) is not None

    def known_surname(self, word: str) -> bool:
        return any(_same_word(word, w) for p in self.people for w in p.name.split())

    def is_organisation(self, phrase: str) -> bool:
        return any(w.strip(".,") in self.lex.non_person_words for w in phrase.split())

    def _full_name(self, raw: str) -> str | None:
        words = raw.split()
        while words and words[0] in self.lex.not_names:
            words.pop(0)
        if self.common and words and words[0] not in self.lex.titles:
            while words and words[0].casefold() in self.common:
                words.pop(0)  # "Can I", "Old Billy": a sentence opener
            if words and words[-1].casefold() in self.common or "I" in words:
                return None  # "Lincoln Park", "Chapter I": a common noun or a pronoun in it
        if self.lex.tagger is not None and self.lex.nouns_capitalised:
            words = _without_leading_nouns(words, self.lex) or []
        while words and _abbreviated_title(words[-1], self.lex):
            words.pop()  # "Mr. Sherlock Holmes Mr. Sherlock Holmes": a heading run into the text
        if len(words) < 2 or any(w.strip(".,") in self.lex.non_person_words for w in words):
            return None
        if any(w.rstrip(".").isupper() and len(w.rstrip(".")) > 1 for w in words):
            return None  # acronyms belong to organisations
        if len(words) > 1 and any(is_pronoun(w.strip("'’"), self.lex) for w in words[1:]):
            return None  # "In God We Trust": a motto, not a name
        ru_common = self.lex.language == "ru" and not any(_ru_parse(w)[0] for w in words)
        if ru_common and all(_ru_parse(w)[1][0].tag.POS for w in words):
            return None  # known common words, no name among them
        return " ".join(words)

    def _gender(self, name: str, title: str | None) -> str | None:
        if self.lex.language == "ru":
            return ru_gender(name.split())
        return honorific_gender(title or "", self.lex)

    def add_speakers(self, text: str, speakers: list[str]) -> None:
        """Single-word names seen as speakers ("said Durbeyfield", "Mary answered", "Mrs. Lennox")
        become people at each of their mentions (fiction names characters by one word); each name's
        gender is the one of the pronouns that most often follow its mentions."""
        if not self.lex.gender_male:
            return  # languages opt in by listing their gender words (German capitalises nouns)
        names = set()
        for phrase in speakers:
            word = strip_titles(phrase, self.lex)
            if (
                " " not in word
                and word not in self.lex.not_names
                and word.strip(".,") not in self.lex.non_person_words
                and not is_pronoun(word, self.lex)
                and not (word.isupper() and len(word) > 1)
            ):
                names.add(word)
        added = []
        for name in names:
            full = next(
                (p.name for p in self.people if name in p.name.split()), normalise(name, self.lex)
            )
            named, sure = (
                _given_name_gender(full, self.lex) if self.lex.first_name_genders else (None, False)
            )
            for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                if not any(
                    p.start <= match.start() < p.start + len(p.name) + 8 for p in self.people
                ):
                    governed = _governed(text, match.start(), self.lex)
                    added.append(
                        Person(
                            full, match.start(), None, name_gender=named, name_sure=sure,
                            governed=governed,
                        )
                    )  # fmt: skip
        self.people = sorted(self.people + added, key=lambda p: p.start)
        self._add_surnames(text)
        self._infer_genders(text)

    def _add_surnames(self, text: str) -> None:
        """A surname alone ("Steenburgen said", "Gregory wagged his head") is a mention of the last
        person named before it with that surname, so "she" after it goes to her, not to a woman
        named earlier."""
        full = [p for p in self.people if not p.titled and len(p.name.split()) > 1]
        surnames = {p.name.split()[-1] for p in full}
        surnames = {
            s for s in surnames if s not in self.lex.not_names and s.casefold() not in self.common
        }
        if not surnames:
            return
        starts = [p.start for p in self.people]  # sorted
        ends = [_mention_end(text, p) for p in self.people]
        added = []
        for match in _CAPITALISED.finditer(text):
            if match.group(0) not in surnames:
                continue
            i = bisect_right(starts, match.start()) - 1
            if i >= 0 and match.start() < ends[i]:
                continue  # inside a mention already indexed
            word = match.group(0)
            person = next(
                (
                    p
                    for p in reversed(full)
                    if p.start < match.start() and p.name.split()[-1] == word
                ),
                None,
            )
            if person is not None:
                governed = _governed(text, match.start(), self.lex)
                added.append(replace(person, start=match.start(), quoted=False, governed=governed))
        self.people = sorted(self.people + added, key=lambda p: p.start)

    def _infer_genders(self, text: str) -> None:
        if self.lex.language == "ru" or not (self.lex.gender_male and self.lex.gender_female):
            return
        votes: dict[str, int] = {}
        for index, person in enumerate(self.people):
            end = self.people[index + 1].start if index + 1 < len(self.people) else len(text)
            found = _gender_re(self.lex).search(text, person.start, min(end, person.start + 200))
            if found:
                male = found.group(0).casefold() in self.lex.gender_male
                votes[person.name] = votes.get(person.name, 0) + (1 if male else -1)
        self.people = [
            p
            if p.gender or p.name_sure or not votes.get(p.name)
            else replace(p, gender="masc" if votes[p.name] > 0 else "femn")
            for p in self.people
        ]

    def mark_quoted(self, spans: list[tuple[int, int]]) -> None:
        """Flag the mentions inside quotations: a name someone says is no antecedent for the "he"
        of the narration around it ("“Mrs. Long says …,” returned she")."""
        starts = [a for a, _ in spans]
        marked = []
        for person in self.people:
            i = bisect_right(starts, person.start) - 1
            inside = i >= 0 and person.start < spans[i][1]
            marked.append(replace(person, quoted=inside) if inside != person.quoted else person)
        self.people = marked

    def before(self, pos: int) -> list[Person]:
        return [p for p in self.people if p.start < pos]

    def narrated_before(self, pos: int) -> list[Person]:
        """Mentions before `pos` outside quotations."""
        return [p for p in self.people if p.start < pos and not p.quoted]

    def resolve(self, mention: str, pos: int, last_speaker: str | None = None) -> str | None:
        """The full name a short mention at `pos` stands for (or the mention itself, normalised)."""
        words = mention.split()
        if len(words) == 1 and is_pronoun(words[0], self.lex):
            return self._resolve_pronoun(words[0], pos, last_speaker)
        name = normalise(mention, self.lex)
        if len(name.split()) != 1:
            return name
        title = words[0] if len(words) == 2 else ""
        gender = honorific_gender(title, self.lex)
        earlier = self.before(pos) or self.people
        for person in reversed(earlier):
            if gender and person.gender not in (None, gender):
                continue  # "Mr. Bennet" is not the Mrs. Bennet mentioned last
            if any(_same_word(name, word) for word in person.name.split()):
                return person.name
        if len(words) == 1 and self.lex.nouns_capitalised:  # "sagte der Minister": a title
            titled = self._titled_as(name.casefold(), pos)
            if titled is not None:
                return titled
        return f"{title.rstrip('.')} {name}" if gender else name

    def described(self, phrase: str, pos: int, last_speaker: str | None) -> str | None:
        """ "the old man", "the little girl": a description ending in a gendered person noun (the
        lexicon's `person_nouns_*`) stands for a person of that gender, as a pronoun would."""
        noun = phrase.split()[-1].casefold()
        titled = self._titled_as(noun, pos)
        if titled is not None:
            return titled  # "the minister": Foreign Minister Sergei Lavrov, named before
        gender = (
            "masc" if noun in self.lex.person_nouns_male
            else "femn" if noun in self.lex.person_nouns_female
            else None
        )  # fmt: skip
        return self.resolve_gender(gender, pos, last_speaker) if gender else None

    def issuer(self, noun: str, pos: int, end: int) -> str | None:
        """Who issued the document a phrase ending in `noun` at `pos`..`end` names ("said a report
        from Kotak Institutional Equities"; "Big Machine Records issued a statement … the statement
        continued"), or None."""
        after = _ISSUED_BY.match(self.text, end)
        if after is not None:
            name = after.group("name").rstrip(".")  # "… from Kotak Institutional Equities."
            return self.resolve(name, pos) or name
        found = list(_issued_re(self.lex, noun).finditer(self.text, max(0, pos - 3000), pos))
        if not found:
            return None
        name = found[-1].group("name").rstrip(".")
        return self.resolve(name, found[-1].start("name")) or name

    def _titled_as(self, noun: str, pos: int) -> str | None:
        """The last person named before `pos` under a title this noun names ("the captain" ->
        Captain Smollett, "the doctor" -> Dr. Howard Archie: the lexicon's `title_nouns`)."""
        if is_pronoun(noun, self.lex):
            return None
        wanted = {noun, self.lex.title_nouns.get(noun, noun)}
        for person in reversed(self.before(pos)):
            title = person.title.split()[-1] if person.title else ""
            # a compound ends in the noun ("Außenminister" is a "Minister")
            if title in wanted or any(len(w) > 4 and title.endswith(w) for w in wanted):
                return person.name
        return None

    def relative(self, possessive: str, kin: str, pos: int, last_speaker: str | None) -> str | None:
        """ "his wife", "her father": the possessor's family name under the kin's honorific
        ("Mrs Bennet" for the wife of Mr. Bennet), else the last titled person of the kin's
        gender in the scene. None when neither is known."""
        title = self.lex.kin.get(kin.casefold())
        gender = honorific_gender(title or "", self.lex)
        if title is None or gender is None:
            return None
        owner_pronoun = self.lex.possessives.get(possessive.casefold())
        owner = self._resolve_pronoun(owner_pronoun, pos, last_speaker) if owner_pronoun else None
        person = next((p for p in reversed(self.people) if p.name == owner), None)
        if person is not None and (person.titled or len(person.name.split()) > 1):
            return f"{title} {person.name.split()[-1]}"
        for candidate in reversed(self.narrated_before(pos)):
            if candidate.start < pos - SCENE:
                break
            if candidate.titled and candidate.gender == gender and candidate.name != owner:
                return candidate.name
        return None

    def _resolve_pronoun(self, pronoun: str, pos: int, last_speaker: str | None) -> str | None:
        gender = pronoun_gender(pronoun, self.lex)
        if gender is None and pronoun.casefold() in {
            p.casefold() for p in self.lex.pronouns_plural + self.lex.pronouns_first
        }:
            return None
        return self.resolve_gender(gender, pos, last_speaker)

    def resolve_gender(self, gender: str | None, pos: int, last_speaker: str | None) -> str | None:
        """The person a "he", "she" (or "the old man", see `described`) at `pos` stands for: the
        last speaker if of that gender, else the last person of it in the scene, else the last."""
        candidates = self.narrated_before(pos) or self.before(pos)
        if self.lex.nouns_capitalised and self.lex.first_name_genders:
            # German capitalises nouns, so many "names" are noun pairs ("Treptower Park", "Visual
            # Novel"): a pronoun goes to someone whose first name is known, or to the last speaker.
            # Others (first names the list lacks: "Dolkun Isa") only if none fits and no article
            # or preposition stands before them.
            named = [p for p in candidates if p.name_gender or p.name == last_speaker]
            found = self._of_gender(named, gender, pos, last_speaker)
            if found is not None:
                return found
            candidates = [p for p in candidates if not p.governed]  # "Dolkun Isa ist …"
        if self.lex.governors:
            # "she was more nervous than Rose-Lynn Harlan. “…,” she said": not the object; "Singh
            # Jabarjung, 24, from Punjab’s Bhatinda … He said": nor a place after a preposition
            free = [p for p in candidates if not p.governed]
            found = (
                self._of_gender(free, gender, pos, last_speaker, scene_only=True)
                or self._of_gender(candidates, gender, pos, last_speaker, scene_only=True)
                or self._of_gender(free, gender, pos, last_speaker)
            )
            if found is not None:
                return found
        return self._of_gender(candidates, gender, pos, last_speaker) or last_speaker

    def likeliest(self, people: list[Person]) -> Person | None:
        """The last of these that is most likely a person: in German (nouns capitalised), one
        whose first name is known, else one after no article or preposition."""
        if self.lex.nouns_capitalised and self.lex.first_name_genders:
            named = [p for p in people if p.name_gender] or [p for p in people if not p.governed]
            return named[-1] if named else None
        return people[-1] if people else None

    def _named_since(
        self, candidates: list[Person], speaker: Person, gender: str | None
    ) -> str | None:
        """A person of the pronoun's gender named after the last speaker's mention, who the
        pronoun stands for rather than that speaker: when the speaker's gender is unknown (an
        organisation: "…," said Kotak Institutional Equities. Pankaj Pandey … "…," he said), or,
        where `governors` tell objects apart, one named as no object ("York said … Buckley, who …
        worried. “…,” she said")."""
        known = speaker.known_gender is not None
        if gender is None or known and not self.lex.governors:
            return None
        since = [
            p for p in candidates
            if p.start > speaker.start and p.known_gender == gender and p.name != speaker.name
            and not (known and p.governed)
        ]  # fmt: skip
        return since[-1].name if since else None

    def _of_gender(
        self,
        candidates: list[Person],
        gender: str | None,
        pos: int,
        last_speaker: str | None,
        scene_only: bool = False,
    ) -> str | None:
        if last_speaker and len(last_speaker.split()) > 1:
            speaker_person = [p for p in candidates if p.name == last_speaker]
            if speaker_person and speaker_person[-1].known_gender in (None, gender):
                return self._named_since(candidates, speaker_person[-1], gender) or last_speaker
        if gender is not None:  # a person known to be of the pronoun's gender in the scene first
            for person in reversed(candidates):
                if person.start < pos - SCENE:
                    break
                if person.known_gender == gender:
                    return person.name
        if scene_only:
            return None
        for person in reversed(candidates):
            if gender is None or person.known_gender in (None, gender):
                return person.name
        return None
