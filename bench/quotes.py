"""Quotation and story-linking benchmark.

    python bench/quotes.py [--pages 50] [--stored 100000] [--new 100] [--json bench/out/quotes.json]

Reports:
  * extraction cost per page on the scrapinghub article-extraction benchmark pages (read in place
    from ../shared/corpus): trafilatura's extraction, then our quotations and our story signature
    on trafilatura's text, each as a ratio to trafilatura (aim: quotations ≤ 0.3×);
  * story linking per new article with `--stored` articles already indexed (SQLite; aim ≤ 20 ms):
    synthetic signatures and keys are bulk-inserted straight into the tables, then `--new` simulated
    articles are indexed by the real code and the time of the linking transaction is measured apart
    from extraction.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
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


def linking_cost(n_stored: int, n_new: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        fill(store, n_stored)
        fill_s = time.perf_counter() - t0
        add_new(store, n_new, n_stored + 1)
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
        c = time.perf_counter()
        qs.save(items, stories.match, utcnow(), stories.WINDOW)  # as index_new_versions does
        d = time.perf_counter()
        with store.engine.connect() as conn:
            keys = conn.exec_driver_sql("SELECT count(*) FROM story_keys").scalar()
            linked = conn.exec_driver_sql("SELECT count(*) FROM story_articles").scalar()
        store.close()
    lookup_ms.sort()
    return {
        "stored_articles": n_stored,
        "stored_keys": keys,
        "new_articles": len(items),
        "articles_in_stories": linked,
        "fill_seconds": round(fill_s, 1),
        "extract_and_sign_ms_per_article": round(1000 * (b - a) / len(items), 2),
        "lookup_ms_median": round(statistics.median(lookup_ms), 2),
        "lookup_ms_p95": round(lookup_ms[int(0.95 * (len(lookup_ms) - 1))], 2),
        "save_and_link_ms_per_article": round(1000 * (d - c) / len(items), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = {"extraction": extraction_cost(args.pages) if PAGES.is_dir() and args.pages else None}
    print(json.dumps(figures, indent=2), flush=True)
    figures["linking"] = linking_cost(args.stored, args.new)
    print(json.dumps(figures["linking"], indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
