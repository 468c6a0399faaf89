"""Alert tables (rules, destinations, deliveries, the dispatcher's watermark) and every query on them.

A delivery row is the de-duplication key of one (event, destination) pair: it is written, pending,
before anything is sent, and its state machine is pending → sent | failed | suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from . import Store
from . import schema as t
from .db import inserted_id
from .schema import UTC, metadata

__all__ = [
    "AlertStore",
    "DELIVERY_STATES",
    "rules",
    "destinations",
    "rule_destinations",
    "deliveries",
]

DELIVERY_STATES = ("pending", "sent", "failed", "suppressed")

rules = Table(
    "alert_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTC, nullable=False),
    Column("outlets", JSON, nullable=False),  # outlet names; [] = every outlet
    Column("kinds", JSON, nullable=False),  # event kinds; [] = rules.DEFAULT_KINDS
    Column("match", JSON, nullable=False),  # phrases, any of which must appear; [] = no filter
    Column("min_words", Integer),  # edits: words added + removed at least this (or a quote cut)
)

destinations = Table(
    "alert_destinations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),  # an Apprise URL (may hold secrets)
    Column("created_at", UTC, nullable=False),
)

rule_destinations = Table(
    "alert_rule_destinations",
    metadata,
    Column("rule_id", ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "destination_id", ForeignKey("alert_destinations.id", ondelete="CASCADE"), primary_key=True
    ),
)

deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column(
        "destination_id", ForeignKey("alert_destinations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("outlet_id", Integer, nullable=False),  # copied from the event: digests group by it
    Column("state", String(12), nullable=False),  # DELIVERY_STATES
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTC, nullable=False),
    Column("next_attempt_at", UTC, nullable=False),
    Column("sent_at", UTC),
    Column("last_error", Text),
    Column("message", String(40)),  # how it went out: "event", "digest:<n>", "outage:<event id>"
    UniqueConstraint("event_id", "destination_id", name="uq_alert_deliveries_event_destination"),
    Index("ix_alert_deliveries_due", "state", "next_attempt_at"),
)

cursor = Table(
    "alert_cursor",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("event_id", Integer, nullable=False),  # every event up to this id has been planned
)


class AlertStore:
    """Queries on the alert tables, sharing the monitor's `Store` (its engine and its events)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    # ---- rules and destinations ---------------------------------------------------------------
    def add_rule(
        self,
        urls: Sequence[str],
        now: datetime,
        *,
        outlets: Sequence[str] = (),
        kinds: Sequence[str] = (),
        match: Sequence[str] = (),
        min_words: int | None = None,
    ) -> int:
        with self.engine.begin() as conn:
            rule_id = inserted_id(
                conn.execute(
                    insert(rules).values(
                        created_at=now,
                        outlets=list(outlets),
                        kinds=list(kinds),
                        match=list(match),
                        min_words=min_words,
                    )
                )
            )
            for url in dict.fromkeys(urls):
                conn.execute(
                    insert(rule_destinations).values(
                        rule_id=rule_id, destination_id=self._destination(conn, url, now)
                    )
                )
        return rule_id

    def _destination(self, conn: Any, url: str, now: datetime) -> int:
        found = conn.execute(select(destinations.c.id).where(destinations.c.url == url)).scalar()
        if found is not None:
            return int(found)
        return inserted_id(conn.execute(insert(destinations).values(url=url, created_at=now)))

    def remove_rule(self, rule_id: int) -> bool:
        """Remove a rule; destinations no other rule uses go too (with their pending deliveries)."""
        with self.engine.begin() as conn:
            gone = conn.execute(delete(rules).where(rules.c.id == rule_id)).rowcount
            used = select(rule_destinations.c.destination_id)
            conn.execute(delete(destinations).where(destinations.c.id.not_in(used)))
        return bool(gone)

    def rules(self) -> list[dict]:
        """Every rule with `urls` and `destination_ids` (same order)."""
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(rules).order_by(rules.c.id)).mappings()]
            links = conn.execute(
                select(rule_destinations.c.rule_id, destinations.c.id, destinations.c.url)
                .join(destinations, destinations.c.id == rule_destinations.c.destination_id)
                .order_by(destinations.c.id)
            ).all()
        for row in rows:
            mine = [(d, u) for r, d, u in links if r == row["id"]]
            row["destination_ids"] = [d for d, _ in mine]
            row["urls"] = [u for _, u in mine]
        return rows

    def rule(self, rule_id: int) -> dict | None:
        return next((r for r in self.rules() if r["id"] == rule_id), None)

    def destination_urls(self) -> dict[int, str]:
        with self.engine.connect() as conn:
            return {
                int(i): u for i, u in conn.execute(select(destinations.c.id, destinations.c.url))
            }

    # ---- events, as the alerts need them ------------------------------------------------------
    def event_rows(
        self,
        *,
        after_id: int | None = None,
        ids: Iterable[int] | None = None,
        outlet: str | None = None,
        limit: int = 500,
        newest_first: bool = False,
    ) -> list[dict]:
        """Events joined like `Store.events` (so `records.event_record` reads them), plus the
        article's id and published date and the text and title of the version the event rests on."""
        e, a, o, v = t.events, t.articles, t.outlets, t.versions
        pv = v.alias("pv")
        q = (
            select(
                e,
                a.c.url,
                o.c.name.label("source"),
                v.c.number.label("version"),
                pv.c.number.label("previous_version"),
                func.coalesce(v.c.title, a.c.title).label("title"),
                a.c.published.label("article_published"),
                v.c.published.label("version_published"),
                v.c.text.label("version_text"),
                v.c.fetch_id.label("version_fetch_id"),
            )
            .join(o, o.c.id == e.c.outlet_id)
            .outerjoin(a, a.c.id == e.c.article_id)
            .outerjoin(v, v.c.id == e.c.version_id)
            .outerjoin(pv, pv.c.id == e.c.previous_version_id)
            .order_by(e.c.id.desc() if newest_first else e.c.id)
            .limit(limit)
        )
        if after_id is not None:
            q = q.where(e.c.id > after_id)
        if ids is not None:
            q = q.where(e.c.id.in_(list(ids)))
        if outlet is not None:
            q = q.where(o.c.name == outlet)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def outlet_outages(self) -> dict[int, dict | None]:
        """Each outlet's saved outage-guard state (outages.OutageTracker.to_dict())."""
        with self.engine.connect() as conn:
            return {int(i): s for i, s in conn.execute(select(t.outlets.c.id, t.outlets.c.outage))}

    # ---- planning: events → pending deliveries ------------------------------------------------
    def watermark(self, name: str = "dispatcher") -> int | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(cursor.c.event_id).where(cursor.c.name == name)).scalar()
        return None if found is None else int(found)

    def plan(
        self,
        planned: Sequence[tuple[dict, int, datetime]],
        watermark: int,
        now: datetime,
        name: str = "dispatcher",
    ) -> int:
        """Write a pending delivery per (event row, destination id, first attempt time) unless one
        exists, and move the watermark, in one transaction. Returns how many rows were new."""
        added = 0
        with self.engine.begin() as conn:
            for event, destination_id, due in planned:
                exists = conn.execute(
                    select(deliveries.c.id).where(
                        deliveries.c.event_id == event["id"],
                        deliveries.c.destination_id == destination_id,
                    )
                ).first()
                if exists:
                    continue
                conn.execute(
                    insert(deliveries).values(
                        event_id=event["id"],
                        destination_id=destination_id,
                        outlet_id=event["outlet_id"],
                        state="pending",
                        attempts=0,
                        created_at=now,
                        next_attempt_at=due,
                    )
                )
                added += 1
            self._set_watermark(conn, name, watermark)
        return added

    def _set_watermark(self, conn: Any, name: str, event_id: int) -> None:
        moved = conn.execute(
            update(cursor).where(cursor.c.name == name).values(event_id=event_id)
        ).rowcount
        if not moved:
            try:
                with conn.begin_nested():
                    conn.execute(insert(cursor).values(name=name, event_id=event_id))
            except IntegrityError:  # another dispatcher wrote it first
                conn.execute(update(cursor).where(cursor.c.name == name).values(event_id=event_id))

    # ---- sending --------------------------------------------------------------------------------
    def due(self, now: datetime, limit: int = 200) -> list[dict]:
        """Pending deliveries whose time has come, oldest first."""
        d = deliveries
        q = (
            select(d)
            .where(d.c.state == "pending", d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def pending_for(self, destination_id: int, outlet_id: int) -> list[dict]:
        """Every pending delivery to one destination about one outlet (due or not), with the
        event's kind and detection time (what a digest gathers)."""
        d, e = deliveries, t.events
        q = (
            select(d, e.c.kind, e.c.detected_at)
            .join(e, e.c.id == d.c.event_id)
            .where(
                d.c.state == "pending",
                d.c.destination_id == destination_id,
                d.c.outlet_id == outlet_id,
            )
            .order_by(e.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def claim(
        self, ids: Sequence[int], now: datetime, lease: float, *, only_due: bool = True
    ) -> bool:
        """Push the rows' next attempt a lease ahead before sending, so that a second dispatcher
        (or this one after a crash) leaves them alone until the lease ends. False if any row was
        taken or finished meanwhile (then nothing is claimed). A digest takes rows not yet due."""
        d = deliveries
        cond = [d.c.id.in_(list(ids)), d.c.state == "pending"]
        if only_due:
            cond.append(d.c.next_attempt_at <= now)
        with self.engine.connect() as conn, conn.begin() as tx:
            n = conn.execute(
                update(d).where(*cond).values(next_attempt_at=now + timedelta(seconds=lease))
            ).rowcount
            if n != len(ids):
                tx.rollback()
                return False
        return True

    def mark_sent(self, ids: Sequence[int], now: datetime, message: str) -> None:
        d = deliveries
        with self.engine.begin() as conn:
            conn.execute(
                update(d)
                .where(d.c.id.in_(list(ids)), d.c.state == "pending")
                .values(
                    state="sent",
                    sent_at=now,
                    attempts=d.c.attempts + 1,
                    message=message,
                    last_error=None,
                )
            )

    def mark_failed(
        self, ids: Sequence[int], now: datetime, error: str, retry_at: datetime | None
    ) -> None:
        """Count a failed attempt: pending again at `retry_at`, or failed for good when None."""
        d = deliveries
        values: dict[str, Any] = {"attempts": d.c.attempts + 1, "last_error": error[:2000]}
        values.update(
            {"next_attempt_at": retry_at} if retry_at is not None else {"state": "failed"}
        )
        with self.engine.begin() as conn:
            conn.execute(
                update(d).where(d.c.id.in_(list(ids)), d.c.state == "pending").values(**values)
            )

    def mark_suppressed(self, ids: Sequence[int], now: datetime, why: str) -> None:
        d = deliveries
        with self.engine.begin() as conn:
            conn.execute(
                update(d)
                .where(d.c.id.in_(list(ids)), d.c.state == "pending")
                .values(state="suppressed", sent_at=now, message=why[:40])
            )

    def deliveries(self, *, event_id: int | None = None, state: str | None = None) -> list[dict]:
        d = deliveries
        conds = []
        if event_id is not None:
            conds.append(d.c.event_id == event_id)
        if state is not None:
            conds.append(d.c.state == state)
        q = select(d).order_by(d.c.id)
        if conds:
            q = q.where(and_(*conds))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
