"""Quotation and story-linking benchmark.

    python bench/quotes.py [--pages 50] [--stories 150] [--stored 100000] [--new 100]
                           [--json bench/out/quotes.json]

Reports:
  * extraction cost per page on the scrapinghub article-extraction benchmark pages (read in place
    from ../shared/corpus): trafilatura's extraction, then our quotations and our story signature
    on trafilatura's text, each as a ratio to trafilatura (aim: quotations ≤ 0.3×);
  * story linking per new article with `--stored` articles already indexed (SQLite; aim ≤ 20 ms):
    synthetic signatures and keys are bulk-inserted straight into the tables, then `--new` simulated
    articles are indexed by the real code and the time of the linking transaction is measured apart
    from extraction, on two copies of the store: the rule before name rarity (`stories.match`) and
    after (`stories.matcher`), the second as a ratio to the first;
  * story linking quality: `--stories` generated stories (1-4 articles each, English and Russian
    outlets, each story with its own officials and one quotation, all of them naming two of four
    very common people) indexed by the real code with either rule; pairwise precision and recall
    against the known stories, and the false links each rule made.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from memoryhole import stories
from memoryhole.models import utcnow
from memoryhole.quotes import extract_quotations
from memoryhole.quotes.index import _index
from memoryhole.quotes.translit import name_key
from memoryhole.simulate.texts import EN_PEOPLE, RU_PEOPLE, write_story
from memoryhole.store import Store
from memoryhole.store.quotes import KEY_BAND, KEY_NAME, QuoteStore

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAGES = CORPUS / "scrapinghub-article-extraction-benchmark" / "html"
START = datetime(2026, 1, 1, tzinfo=UTC)


# ---- extraction cost ------------------------------------------------------------------------------
def extraction_cost(n_pages: int) -> dict:
    import trafilatura

    files = sorted(PAGES.glob("*.html.gz"))[:n_pages]
    extract_quotations("“Yes,” said Mary Smith.", "en")  # lexicon and name lists load untimed
    t_traf, t_quotes, t_keys = [], [], []
    for i, path in enumerate(files):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        t0 = time.process_time()
        text = trafilatura.extract(html) or ""
        t1 = time.process_time()
        quotes = extract_quotations(text, "en")
        t2 = time.process_time()
        stories.article_keys(
            article_id=i, outlet_id=1, number=1, at=START, text=text, language="en", quotes=quotes
        )
        t3 = time.process_time()
        t_traf.append(t1 - t0)
        t_quotes.append(t2 - t1)
        t_keys.append(t3 - t2)
    traf, quotes_s, keys_s = sum(t_traf), sum(t_quotes), sum(t_keys)
    return {
        "pages": len(files),
        "trafilatura_ms_per_page": round(1000 * traf / len(files), 2),
        "quotations_ms_per_page": round(1000 * quotes_s / len(files), 2),
        "signature_ms_per_page": round(1000 * keys_s / len(files), 2),
        "quotations_ratio": round(quotes_s / traf, 3),
        "quotations_and_signature_ratio": round((quotes_s + keys_s) / traf, 3),
    }


# ---- linking at scale -----------------------------------------------------------------------------
def _name_pool(size: int) -> list[str]:
    """The simulator's people first (they get the most articles, as famous people do), then
    synthetic names."""
    real = [n for n, *_ in EN_PEOPLE] + [n for n, *_ in RU_PEOPLE]
    keys = [name_key(n) or n for n in real]
    rng = random.Random(7)
    letters = "bcdfgjklmnprstvz"
    while len(keys) < size:
        keys.append(" ".join("".join(rng.choices(letters, k=rng.randint(2, 5))) for _ in range(2)))
    return keys


def fill(store: Store, n: int) -> None:
    """n articles with versions, done-marks, signatures and keys, inserted in bulk."""
    rng = np.random.default_rng(3)
    pool = _name_pool(30000)
    # name k drawn with probability ∝ k^-0.7: the commonest person is in ~11% of all articles
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.7
    drawn = rng.choice(len(pool), size=(n, 8), p=weights / weights.sum())
    seconds = rng.integers(0, 365 * 86400, n)
    now = utcnow().isoformat(sep=" ")
    with store.engine.begin() as conn:
        raw = conn.connection.driver_connection
        cur = raw.cursor()
        cur.executemany(
            "INSERT INTO outlets (id, name, homepage, poll_seconds, paused, created_at) "
            "VALUES (?, ?, ?, 600, 0, ?)",
            [(o, f"outlet-{o}", f"http://o{o}.test/", now) for o in range(1, 21)],
        )
        articles, fetches, versions, marks, sigs, keys = [], [], [], [], [], []
        for i in range(1, n + 1):
            at = (START + timedelta(seconds=int(seconds[i - 1]))).isoformat(sep=" ")[:26]
            outlet = i % 20 + 1
            names = sorted({pool[j] for j in drawn[i - 1]})
            mh = rng.integers(0, 2**32, stories.PERMUTATIONS, dtype=np.uint64).astype(np.uint32)
            articles.append((i, outlet, f"http://o{outlet}.test/a/{i}", "live", at, at, 1))
            fetches.append((i, i, outlet, "article", f"http://o{outlet}.test/a/{i}", at, 0.1, 200))
            versions.append(
                (i, i, 1, i, at, f"http://o{outlet}.test/a/{i}", "t", "", "en", "x", "d")
            )
            marks.append((i, i, 1, now))
            sigs.append(
                (
                    i,
                    outlet,
                    1,
                    at,
                    "en",
                    mh.tobytes(),
                    json.dumps(names),
                    json.dumps(names[:2]),
                    "[]",
                )
            )
            band_keys = [(KEY_BAND, k) for k in stories._bands(mh)]
            name_keys = [(KEY_NAME, stories._key("name", nm)) for nm in names]
            keys.extend((i, k, kind, outlet, at) for kind, k in band_keys + name_keys)
        cur.executemany(
            "INSERT INTO articles (id, outlet_id, url, status, first_seen, next_check_at, checks) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            articles,
        )
        cur.executemany(
            "INSERT INTO fetches (id, article_id, outlet_id, purpose, url, started_at, elapsed, status, "
            "revisit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            fetches,
        )
        cur.executemany(
            "INSERT INTO versions (id, article_id, number, fetch_id, fetched_at, url, title, byline, "
            "language, text, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            versions,
        )
        cur.executemany(
            "INSERT INTO quote_indexed (version_id, article_id, number, indexed_at) VALUES (?, ?, ?, ?)",
            marks,
        )
        cur.executemany(
            "INSERT INTO story_signatures (article_id, outlet_id, number, at, language, minhash, "
            "names, speakers, statements) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sigs,
        )
        # bulk load: build the key index once at the end instead of row by row
        cur.execute("DROP INDEX ix_story_keys_key")
        cur.executemany(
            "INSERT OR IGNORE INTO story_keys (article_id, key, kind, outlet_id, at) "
            "VALUES (?, ?, ?, ?, ?)",
            keys,
        )
        cur.execute("CREATE INDEX ix_story_keys_key ON story_keys (key, at)")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def add_new(store: Store, n_new: int, first_id: int) -> None:
    """n_new simulated articles (English and Russian) as fresh versions, spread over the year."""
    rng = random.Random(5)
    with store.engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        for k in range(n_new):
            i = first_id + k
            lang = "ru" if k % 2 else "en"
            when = START + timedelta(days=rng.uniform(0, 365))
            story = write_story(rng, lang, "politics" if lang == "en" else "politika", when)
            at = when.isoformat(sep=" ")[:26]
            url = f"http://o1.test/new/{i}"
            cur.execute(
                "INSERT INTO articles (id, outlet_id, url, status, first_seen, published, "
                "next_check_at, checks) VALUES (?, 1, ?, 'live', ?, ?, ?, 1)",
                (i, url, at, at, at),
            )
            cur.execute(
                "INSERT INTO fetches (id, article_id, outlet_id, purpose, url, started_at, elapsed, "
                "status, revisit) VALUES (?, ?, 1, 'article', ?, ?, 0.1, 200, 0)",
                (i, i, url, at),
            )
            cur.execute(
                "INSERT INTO versions (id, article_id, number, fetch_id, fetched_at, url, title, "
                "byline, language, text, digest) VALUES (?, ?, 1, ?, ?, ?, ?, '', ?, ?, 'd')",
                (i, i, i, at, url, story.title, lang, "\n\n".join(story.paragraphs)),
            )


def _link_all(url: str, n_new: int, rule: str) -> dict:
    """Index the pending new articles of the store at `url` with one rule, timed apart from the
    extraction: "before" is `stories.match` alone, "after" `stories.matcher(store)` (name rarity)."""
    store = Store(url)
    qs = QuoteStore(store)
    rows = qs.pending_versions(n_new)
    a = time.perf_counter()
    items = [_index(row) for row in rows]
    b = time.perf_counter()
    lookup_ms = []
    with store.engine.connect() as conn:  # candidate lookup alone, per article
        for item in items:
            t0 = time.perf_counter()
            assert item.story is not None
            qs._candidates(conn, item.story, stories.WINDOW)
            lookup_ms.append(1000 * (time.perf_counter() - t0))
    match = stories.match if rule == "before" else stories.matcher(store)
    c = time.perf_counter()
    qs.save(items, match, utcnow(), stories.WINDOW)  # as index_new_versions does
    d = time.perf_counter()
    with store.engine.connect() as conn:
        keys = conn.exec_driver_sql("SELECT count(*) FROM story_keys").scalar()
        linked = conn.exec_driver_sql("SELECT count(*) FROM story_articles").scalar()
    store.close()
    lookup_ms.sort()
    return {
        "stored_keys": keys,
        "new_articles": len(items),
        "articles_in_stories": linked,  # every link here is false: see linking_cost
        "extract_and_sign_ms_per_article": round(1000 * (b - a) / len(items), 2),
        "lookup_ms_median": round(statistics.median(lookup_ms), 2),
        "lookup_ms_p95": round(lookup_ms[int(0.95 * (len(lookup_ms) - 1))], 2),
        "save_and_link_ms_per_article": round(1000 * (d - c) / len(items), 2),
    }


def linking_cost(n_stored: int, n_new: int) -> dict:
    """The same filled store twice (a file copy), linked by the rule before name rarity and after.
    The new articles all come from one outlet and the stored ones are random: any link is false."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/before.db")
        t0 = time.perf_counter()
        fill(store, n_stored)
        fill_s = time.perf_counter() - t0
        add_new(store, n_new, n_stored + 1)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        shutil.copyfile(f"{tmp}/before.db", f"{tmp}/after.db")
        before = _link_all(f"sqlite:///{tmp}/before.db", n_new, "before")
        after = _link_all(f"sqlite:///{tmp}/after.db", n_new, "after")
    key = "save_and_link_ms_per_article"
    return {
        "stored_articles": n_stored,
        "fill_seconds": round(fill_s, 1),
        "before": before,
        "after": after,
        "after_over_before": round(after[key] / before[key], 2),
    }


# ---- linking quality --------------------------------------------------------------------------
_FIRST = (
    ("Boris", "Борис"), ("Pavel", "Павел"), ("Oleg", "Олег"), ("Anton", "Антон"), ("Roman", "Роман"),
    ("Denis", "Денис"), ("Gleb", "Глеб"), ("Vadim", "Вадим"), ("Mark", "Марк"), ("Stepan", "Степан"),
    ("Timur", "Тимур"), ("Fedor", "Федор"), ("Arkady", "Аркадий"), ("Lev", "Лев"),
)  # fmt: skip
_FIRST_F = (
    ("Vera", "Вера"), ("Nina", "Нина"), ("Marina", "Марина"), ("Tamara", "Тамара"), ("Kira", "Кира"),
    ("Lidia", "Лидия"), ("Zoya", "Зоя"), ("Galina", "Галина"), ("Polina", "Полина"), ("Rimma", "Римма"),
)  # fmt: skip
_SURNAMES = (
    ("Kadetov", "Кадетов"), ("Sorokin", "Сорокин"), ("Belov", "Белов"), ("Gromov", "Громов"),
    ("Zotov", "Зотов"), ("Rudin", "Рудин"), ("Tarasov", "Тарасов"), ("Voronin", "Воронин"),
    ("Panov", "Панов"), ("Lebedev", "Лебедев"), ("Kotov", "Котов"), ("Frolov", "Фролов"),
    ("Bykov", "Быков"), ("Zimin", "Зимин"), ("Nosov", "Носов"), ("Sedov", "Седов"),
    ("Kurbatov", "Курбатов"), ("Gusev", "Гусев"), ("Titov", "Титов"), ("Markin", "Маркин"),
    ("Shilov", "Шилов"), ("Lapin", "Лапин"), ("Dudin", "Дудин"), ("Rogov", "Рогов"), ("Popov", "Попов"),
)  # fmt: skip
_THINGS = (
    ("bridge", "моста"), ("school", "школы"), ("hospital", "больницы"), ("stadium", "стадиона"),
    ("water plant", "водоочистной станции"), ("railway station", "вокзала"),
    ("ring road", "кольцевой дороги"), ("port terminal", "портового терминала"),
)  # fmt: skip
_TOWNS = (("Tarn", "Тарн"), ("Velsk", "Вельск"), ("Ordan", "Ордань"), ("Kimr", "Кимр"),
          ("Lugov", "Лугов"), ("Belgor", "Белгор"), ("Sarny", "Сарны"), ("Dubna", "Дубна"))  # fmt: skip
_MONTHS = (("March", "марта"), ("June", "июня"), ("September", "сентября"), ("December", "декабря"))
_BENEFITS = (("clean water", "чистую воду"), ("new jobs", "новые рабочие места"),
             ("a shorter journey", "более короткую дорогу"), ("better care", "лучшую помощь"))  # fmt: skip
_STOCK = (("We will not give up", "Мы не сдадимся"),
          ("Our country is stronger than ever", "Наша страна сильна как никогда"))  # fmt: skip
_ROLES = ("the president", "the prime minister", "the foreign minister", "the finance minister")
_DETAILS = (
    ("The project will cost {m} million and employ {w} people.",
     "Проект обойдётся в {m} миллионов и даст работу {w} людям."),
    ("Residents of {t} have waited {y} years for the work to start.",
     "Жители города {t} ждали начала работ {y} лет."),
    ("A first tender for {w} tonnes of steel failed in {y} rounds.",
     "Первый тендер на {w} тонн стали сорвался в {y} турах."),
    ("Engineers found {w} faults in the old plans, the district said, at a cost of {m} million.",
     "Инженеры нашли в старых планах {w} ошибок, их исправление стоило {m} миллионов."),
    ("Only {y} of the {w} permits have been issued so far.",
     "Пока выдано только {y} из {w} разрешений."),
    ("The budget of {t} set aside {m} million for it over {y} years.",
     "Бюджет города {t} выделил на это {m} миллионов на {y} лет."),
)  # fmt: skip
_CLOSINGS = (
    ("No contractor has been named.", "Подрядчик пока не назван."),
    ("Opponents have promised to appeal.", "Противники проекта обещают обжаловать решение."),
    ("The next hearing is due in spring.", "Следующие слушания пройдут весной."),
    ("Local groups plan a public meeting on the issue.", "Местные активисты готовят собрание."),
    ("The district declined to give further details.", "Подробности в районе не сообщили."),
)  # fmt: skip
_ROLES_RU = ("президент", "премьер-министр", "министр иностранных дел", "министр финансов")


def _people(rng: random.Random) -> list[tuple[str, str, bool]]:
    """(English, Russian, feminine): every first name with every surname, shuffled."""
    out = [(f"{f} {s}", f"{fr} {sr}", False) for f, fr in _FIRST for s, sr in _SURNAMES]
    out += [(f"{f} {s}a", f"{fr} {sr}а", True) for f, fr in _FIRST_F for s, sr in _SURNAMES]
    rng.shuffle(out)
    return out


def _quality_articles(n_stories: int, seed: int = 11) -> list[dict]:
    """Stories of 1-4 articles at distinct outlets (1-3 English, 4-6 Russian) over 20 days; each
    story has its own one or two officials (one quoted: the same words in every copy, translated)
    and mentions two of four very common people (a president, ministers), who are themselves
    quoted in 60% of all articles (15% of the time with one of two stock phrases)."""
    rng = random.Random(seed)
    people = _people(rng)
    common, people = people[:4], people[4:]
    out = []
    for sid in range(n_stories):
        r1, r2 = people[2 * sid], people[2 * sid + 1]
        two = r2 if rng.random() < 0.5 else None
        thing, town, month, benefit = (rng.choice(x) for x in (_THINGS, _TOWNS, _MONTHS, _BENEFITS))
        families = rng.randint(100, 999)
        facts = {"m": rng.randint(10, 990), "w": rng.randint(50, 5000), "y": rng.randint(2, 9)}
        details = rng.sample(range(len(_DETAILS)), 2)
        cs = rng.sample(range(4), 2) if rng.random() < 0.8 else [0, rng.randrange(1, 4)]
        start = START + timedelta(days=rng.uniform(0, 20))
        outlets = rng.sample(range(1, 7), rng.choice((1, 1, 2, 2, 3, 4)))
        for variant, outlet in enumerate(outlets):
            ru = outlet > 3
            (en1, ru1, f1) = r1
            said = ("сказала" if f1 else "сказал") if ru else "said"
            if ru:
                q = (f"Мы закончим строительство {thing[1]} в городе {town[1]} до {month[1]}, и "
                     f"{families} семей наконец получат {benefit[1]}")  # fmt: skip
                lead = (f"{ru1}, глава районной администрации, {'заявила' if f1 else 'заявил'}, "
                        f"что строительство {thing[1]} в городе {town[1]} продолжится.")  # fmt: skip
                paras = [lead, f"«{q}», — {said} {ru1}."]
                if two:
                    paras.append(f"Решение {'поддержала' if two[2] else 'поддержал'} {two[1]}, "
                                 "глава местного совета.")  # fmt: skip
                paras.append(f"Об этом плане в прошлом месяце говорили {_ROLES_RU[cs[0]]} "
                             f"{common[cs[0]][1]} и {_ROLES_RU[cs[1]]} {common[cs[1]][1]}.")  # fmt: skip
            else:
                q = (f"We will finish the {thing[0]} in {town[0]} by {month[0]}, and {families} "
                     f"families will at last have {benefit[0]}")  # fmt: skip
                lead = (f"{en1}, head of the district administration, said that work on the "
                        f"{thing[0]} in {town[0]} would go ahead.")  # fmt: skip
                if variant % 2:
                    lead = (f"Work on the {thing[0]} in {town[0]} will go ahead, {en1}, head of the "
                            "district administration, announced.")  # fmt: skip
                paras = [lead, f"“{q},” {en1} said."]
                if two:
                    paras.append(
                        f"The decision was welcomed by {two[0]}, who leads the local council."
                    )
                paras.append(f"The plan was discussed last month with {_ROLES[cs[0]]}, "
                             f"{common[cs[0]][0]}, and {_ROLES[cs[1]]}, {common[cs[1]][0]}.")  # fmt: skip
            if rng.random() < 0.6:  # a common person quoted on something else
                c = rng.randrange(4)
                if rng.random() < 0.15:
                    g = _STOCK[rng.randrange(2)]
                else:
                    n, t2 = rng.randint(2, 99), rng.choice(_TOWNS)
                    g = (f"We have sent {n} more inspectors to {t2[0]} this week",
                         f"На этой неделе мы направили в город {t2[1]} ещё {n} инспекторов")  # fmt: skip
                en_c, ru_c, fc = common[c]
                paras.append(
                    f"«{g[1]}», — {'сказала' if fc else 'сказал'} журналистам {ru_c}." if ru
                    else f"“{g[0]},” {en_c} told reporters."
                )  # fmt: skip
            for d in details[: 1 + variant % 2]:  # copies tell the same facts, not all of them
                paras.append(_DETAILS[d][ru].format(t=town[ru], **facts))
            paras.append(rng.choice(_CLOSINGS)[ru])
            at = start + timedelta(hours=rng.uniform(0, 12))
            out.append({"story": sid, "outlet": outlet, "lang": "ru" if ru else "en",
                        "at": at, "text": "\n\n".join(paras)})  # fmt: skip
    return out


def _quality_store(path: str, articles: list[dict]) -> None:
    store = Store(f"sqlite:///{path}")
    now = utcnow().isoformat(sep=" ")
    with store.engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        cur.executemany(
            "INSERT INTO outlets (id, name, homepage, poll_seconds, paused, created_at) "
            "VALUES (?, ?, ?, 600, 0, ?)",
            [(o, f"outlet-{o}", f"http://o{o}.test/", now) for o in range(1, 7)],
        )
        for i, art in enumerate(articles, 1):
            at, url = art["at"].isoformat(sep=" ")[:26], f"http://o{art['outlet']}.test/{i}"
            cur.execute(
                "INSERT INTO articles (id, outlet_id, url, status, first_seen, published, "
                "next_check_at, checks) VALUES (?, ?, ?, 'live', ?, ?, ?, 1)",
                (i, art["outlet"], url, at, at, at),
            )
            cur.execute(
                "INSERT INTO fetches (id, article_id, outlet_id, purpose, url, started_at, elapsed, "
                "status, revisit) VALUES (?, ?, ?, 'article', ?, ?, 0.1, 200, 0)",
                (i, i, art["outlet"], url, at),
            )
            cur.execute(
                "INSERT INTO versions (id, article_id, number, fetch_id, fetched_at, url, title, "
                "byline, language, text, digest) VALUES (?, ?, 1, ?, ?, ?, 't', '', ?, ?, 'd')",
                (i, i, i, at, url, art["lang"], art["text"]),
            )
    store.close()


def _pairs(groups: dict[int, list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for ids in groups.values() for a in ids for b in ids if a < b}


def linking_quality(n_stories: int) -> dict:
    """Pairwise precision and recall of story links on generated articles with known stories,
    indexed in the order of their dates, by the rule before name rarity and after."""
    articles = sorted(_quality_articles(n_stories), key=lambda a: a["at"])
    truth: dict[int, list[int]] = {}
    for i, art in enumerate(articles, 1):
        truth.setdefault(art["story"], []).append(i)
    true_pairs = _pairs(truth)
    story = {i: art["story"] for i, art in enumerate(articles, 1)}
    cross = {(a, b) for a, b in true_pairs if articles[a - 1]["lang"] != articles[b - 1]["lang"]}
    out: dict = {"articles": len(articles), "stories": n_stories, "true_pairs": len(true_pairs)}
    with tempfile.TemporaryDirectory() as tmp:
        for rule in ("before", "after"):
            _quality_store(f"{tmp}/{rule}.db", articles)
            store = Store(f"sqlite:///{tmp}/{rule}.db")
            qs = QuoteStore(store)
            rule_match = stories.match if rule == "before" else stories.matcher(store)
            direct: list[tuple[int, int, bool]] = []  # (new, matched, same language)

            def match(new, candidates, rule_match=rule_match, direct=direct):  # type: ignore[no-untyped-def]
                found = rule_match(new, candidates)
                lang = {c.article_id: c.language for c in candidates}
                direct.extend((new.article_id, m, lang[m] == new.language) for m, _, _ in found)
                return found

            while rows := qs.pending_versions(100):
                qs.save([_index(r) for r in rows], match, utcnow(), stories.WINDOW)
            found: dict[int, list[int]] = {}
            for row in qs.story_rows():
                found.setdefault(row["story_id"], []).append(row["article_id"])
            store.close()
            linked = _pairs(found)
            hits = linked & true_pairs
            out[rule] = {
                "linked_pairs": len(linked),
                "precision": round(len(hits) / len(linked), 3) if linked else 1.0,
                "recall": round(len(hits) / len(true_pairs), 3),
                "recall_across_languages": round(len(hits & cross) / len(cross), 3),
                "links_made": len(direct),
                "false_links_made": sum(story[a] != story[b] for a, b, _ in direct),
                "false_links_across_languages": sum(
                    story[a] != story[b] for a, b, same in direct if not same
                ),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument(
        "--stories",
        type=int,
        default=150,
        help="stories in the quality check (at most 290; 0 skips)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = {"extraction": extraction_cost(args.pages) if PAGES.is_dir() and args.pages else None}
    print(json.dumps(figures, indent=2), flush=True)
    if args.stories > 0:  # 0 skips a part
        figures["linking_quality"] = linking_quality(args.stories)
        print(json.dumps(figures["linking_quality"], indent=2), flush=True)
    if args.stored > 0 and args.new > 0:
        figures["linking"] = linking_cost(args.stored, args.new)
        print(json.dumps(figures["linking"], indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
