"""Loads a language's quotation lexicon (cue verbs, pronouns, titles, patterns) from `lang/<code>.toml`.

A language is data, not code: adding one means adding a TOML file. Brace alternation in entries
("sagt{,e,en}") is expanded here so the files stay short.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

LANG_DIR = Path(__file__).parent / "lang"
_BRACES = re.compile(r"\{([^{}]*)\}")


def expand(entry: str) -> list[str]:
    """Expand brace alternation: "warn{s,ed}" -> ["warns", "warned"] (nested groups not allowed)."""
    match = _BRACES.search(entry)
    if match is None:
        return [entry]
    head, tail = entry[: match.start()], entry[match.end() :]
    return [form for option in match.group(1).split(",") for form in expand(head + option + tail)]


def _words(data: dict, key: str) -> tuple[str, ...]:
    forms = [form for entry in data.get(key, []) for form in expand(entry)]
    return tuple(
        sorted(set(forms), key=lambda w: (-len(w), w))
    )  # longest first for regex alternation


@dataclass(frozen=True, eq=False)  # hashed by identity: one per language (load_lexicon caches
class Lexicon:  # it), and hashing hundreds of words on every cached lookup cost a tenth of the time
    language: str
    cue_verbs: tuple[str, ...]
    according: tuple[str, ...]
    pronouns_male: tuple[str, ...]
    pronouns_female: tuple[str, ...]
    pronouns_plural: tuple[str, ...]
    name_particles: tuple[str, ...]
    titles: tuple[str, ...]
    speaker_heads: tuple[str, ...]
    determiners: tuple[str, ...]
    not_names: frozenset[str]
    non_person_words: frozenset[str]
    reported: tuple[str, ...]  # regex templates with {SPEAKER}, {CUE}, {CLAUSE}, ...
    genitive_suffix: str | None
    partial_quote_words: int  # a lower-case quoted phrase this long is a partial quotation
    # sentence-subject speakers (German): a quote inside a sentence is the subject's words
    subject_speaker: bool = False
    # every noun is capitalised (German): a run of capitalised words is no name by itself, so names
    # start at their first proper noun (the tagger) and pronouns prefer known first names
    nouns_capitalised: bool = False
    subject_pronouns: frozenset[str] = frozenset()  # lower-case
    adverbial_openers: frozenset[str] = frozenset()  # lower-case; the subject follows the verb
    np_links: frozenset[str] = frozenset()  # lower-case words continuing a noun phrase ("des")
    reported_verbs: frozenset[str] = frozenset()  # lower-case; their subject is not the speaker
    subordinators: frozenset[str] = frozenset()  # lower-case; such a clause's subject is elsewhere
    pronouns_first: tuple[str, ...] = ()  # "I", "we": the speaker as written, never resolved
    gender_male: frozenset[str] = frozenset()  # lower-case words telling a person's gender
    gender_female: frozenset[str] = frozenset()
    # lower-case nouns (or compound endings: "ARD-Sendung") that name what a quote right after
    # them is: a title, motto, name ("unter dem Motto „…“", "die so genannte „…“")
    term_heads: tuple[str, ...] = ()
    # common words are written lower-case mid-sentence (English, not German): a capitalised word
    # found lower-case elsewhere in the text is a sentence opener or a common noun, not a name
    lowercase_common: bool = False
    # titles telling a gender ("Mrs", "Herr"; without the period); in languages that list gender
    # words, one word after them is a person's name ("Mr. Bennet")
    honorifics_male: frozenset[str] = frozenset()
    honorifics_female: frozenset[str] = frozenset()
    # relational descriptions: kin noun -> honorific ("wife" -> "Mrs": "his wife" is Mrs <his name>)
    kin: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # a common noun -> the title it stands for, when they differ ("doctor" -> "dr"): "the doctor"
    # is the Dr. named before
    title_nouns: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # possessive -> its pronoun ("her" -> "she"): "her mother" is a description, not "her"
    possessives: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # a part-of-speech model shipped inside a PyPI package (wordclass.py: HanTa's model file name)
    # and the tags of words that open a clause as adverbials, never speakers ("ADV", "ADJ(D)")
    tagger: str | None = None
    # lower-case cue verbs whose object, not their subject, is the speaker ("zitiert")
    object_cues: frozenset[str] = frozenset()
    # "heißt es": a cue naming no one; a document it points into is the source ("heißt es in dem
    # Bericht"; `source_preps`: the prepositions before such a document)
    impersonal_cues: frozenset[str] = frozenset()  # lower-case
    source_preps: tuple[str, ...] = ()
    # lower-case cues followed right away by the speaker's noun phrase ("…“, so die Grünen, …")
    np_cues: frozenset[str] = frozenset()
    # lower-case participles of speech verbs: after a subjunctive auxiliary its subject speaks
    cue_participles: frozenset[str] = frozenset()
    # the passive: lower-case auxiliaries and the prepositions before its agent ("wird von X als
    # „…“ bezeichnet": X speaks, not the subject)
    passive_auxiliaries: frozenset[str] = frozenset()
    agent_preps: tuple[str, ...] = ()
    # lower-case words that cue reported speech only, never a quote: statement nouns ("his claim
    # that …") and participles ("…, admitting that …"); the {REPORTED_CUE} placeholder
    reported_cues: tuple[str, ...] = ()
    # per reported pattern, a regex a sentence must contain before the pattern is tried (a cheap
    # test in front of a costly pattern: "that" before "X said that …"), or None
    reported_requires: tuple[str | None, ...] = ()
    # lower-case words that, after a comma, open the narration's own clause and end a reported one
    # ("…, as he deflected attacks", "…, including …")
    clause_ends: tuple[str, ...] = ()
    # lower-case words that end an agent written in lower case ("von vielen als „…“")
    agent_stops: tuple[str, ...] = ()
    # lower-case prepositions opening a participial attribute inside a noun phrase ("die von
    # Umweltgruppen getragene Initiative")
    attribute_preps: frozenset[str] = frozenset()
    # lower-case nouns (or compound endings) of reports and statements: "Nach einer Erklärung des
    # DFB erkennt X …" names the document as the source
    document_nouns: tuple[str, ...] = ()
    # lower-case verbs that issue a document ("Big Machine Records issued a statement"): "the
    # statement" that speaks later is its issuer's
    issue_verbs: tuple[str, ...] = ()
    # lower-case endings of a paragraph that announce the quotation below it ("wie folgt:")
    lead_ins: tuple[str, ...] = ()
    # phrases that start with a cue word but cite no one ("wie folgt", "so genannt")
    not_cues: tuple[str, ...] = ()
    # a regex of what may stand between such a cue and its phrase ("so charakterisierte ihn der X")
    np_cue_skip: str | None = None
    # lower-case prepositions: a phrase after one is an object, never the speaker ("an die Gäste")
    object_preps: frozenset[str] = frozenset()
    # lower-case words after which a name is an object ("than Rose-Lynn Harlan", "to Mary"): a
    # pronoun goes first to a person of its gender named as no object in the scene
    governors: frozenset[str] = frozenset()
    # lower-case cues whose object is who was spoken to ("told reporters", "told Carla Babb")
    addressee_cues: frozenset[str] = frozenset()
    opener_tags: frozenset[str] = frozenset()
    # lower-case nouns for a person of a gender: "said the old man" stands for a man in the scene
    person_nouns_male: frozenset[str] = frozenset()
    person_nouns_female: frozenset[str] = frozenset()
    # lower-case words opening reported speech after a cue ("explained that …")
    complementisers: frozenset[str] = frozenset()
    adverb_ending: str | None = None  # "said the doctor carelessly": the manner word is dropped
    # a first name tells its bearer's gender ("Emma" is no "he"): gender-guesser's name list
    first_name_genders: bool = False

    @property
    def pronouns(self) -> tuple[str, ...]:
        return (
            self.pronouns_male + self.pronouns_female + self.pronouns_plural + self.pronouns_first
        )


def available_languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LANG_DIR.glob("*.toml")))


@cache
def load_lexicon(language: str) -> Lexicon:
    """The lexicon for an ISO 639-1 code; KeyError names the available ones when there is none."""
    path = LANG_DIR / f"{language}.toml"
    if not path.is_file():
        raise KeyError(f"no quotation lexicon for {language!r}; available: {available_languages()}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Lexicon(
        language=data["language"],
        cue_verbs=_words(data, "cue_verbs"),
        according=_words(data, "according"),
        pronouns_male=_words(data, "pronouns_male"),
        pronouns_female=_words(data, "pronouns_female"),
        pronouns_plural=_words(data, "pronouns_plural"),
        name_particles=_words(data, "name_particles"),
        titles=_words(data, "titles"),
        speaker_heads=_words(data, "speaker_heads"),
        determiners=_words(data, "determiners"),
        not_names=frozenset(_words(data, "not_names")),
        non_person_words=frozenset(_words(data, "non_person_words")),
        reported=tuple(item["pattern"] for item in data.get("reported", [])),
        reported_requires=tuple(item.get("requires") for item in data.get("reported", [])),
        genitive_suffix=data.get("genitive_suffix"),
        partial_quote_words=int(data.get("partial_quote_words", 3)),
        subject_speaker=bool(data.get("subject_speaker", False)),
        nouns_capitalised=bool(data.get("nouns_capitalised", False)),
        subject_pronouns=_lower(data, "subject_pronouns"),
        adverbial_openers=_lower(data, "adverbial_openers"),
        np_links=_lower(data, "np_links"),
        reported_verbs=_lower(data, "reported_verbs"),
        subordinators=_lower(data, "subordinators"),
        pronouns_first=_words(data, "pronouns_first"),
        gender_male=_lower(data, "gender_male"),
        gender_female=_lower(data, "gender_female"),
        term_heads=tuple(w.casefold() for w in _words(data, "term_heads")),
        lowercase_common=bool(data.get("lowercase_common", False)),
        honorifics_male=frozenset(_words(data, "honorifics_male")),
        honorifics_female=frozenset(_words(data, "honorifics_female")),
        kin={k.casefold(): v for k, v in data.get("kin", {}).items()},
        possessives={k.casefold(): v for k, v in data.get("possessives", {}).items()},
        title_nouns={k.casefold(): v.casefold() for k, v in data.get("title_nouns", {}).items()},
        tagger=data.get("tagger"),
        object_cues=_lower(data, "object_cues"),
        impersonal_cues=_lower(data, "impersonal_cues"),
        source_preps=_words(data, "source_preps"),
        np_cues=_lower(data, "np_cues"),
        np_cue_skip=data.get("np_cue_skip"),
        not_cues=_words(data, "not_cues"),
        lead_ins=tuple(w.casefold() for w in _words(data, "lead_ins")),
        reported_cues=tuple(w.casefold() for w in _words(data, "reported_cues")),
        clause_ends=tuple(w.casefold() for w in _words(data, "clause_ends")),
        passive_auxiliaries=_lower(data, "passive_auxiliaries"),
        agent_preps=_words(data, "agent_preps"),
        agent_stops=tuple(w.casefold() for w in _words(data, "agent_stops")),
        attribute_preps=_lower(data, "attribute_preps"),
        document_nouns=tuple(w.casefold() for w in _words(data, "document_nouns")),
        issue_verbs=tuple(w.casefold() for w in _words(data, "issue_verbs")),
        cue_participles=_lower(data, "cue_participles"),
        object_preps=_lower(data, "object_preps"),
        governors=_lower(data, "governors"),
        addressee_cues=_lower(data, "addressee_cues"),
        opener_tags=frozenset(data.get("opener_tags", [])),
        person_nouns_male=_lower(data, "person_nouns_male"),
        person_nouns_female=_lower(data, "person_nouns_female"),
        adverb_ending=data.get("adverb_ending"),
        complementisers=_lower(data, "complementisers"),
        first_name_genders=bool(data.get("first_name_genders", False)),
    )


def _lower(data: dict, key: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in _words(data, key))
