"""The nightly job: what is new since the last run, delivered once, with the state committed after delivery.

The state lives in the same SQLite database as the interaction log (key ``nightly.reported``): per trip
its destination, dates, and per evening free/busy and the ids of the people to call. ``diff`` compares a
fresh plan with it and returns the news plus the state to store; the CLI delivers the news and only then
calls ``commit``. A crash in between leaves the old state: the news comes again the next night.

A lock file next to the database (``fcntl.flock``) serialises overlapping runs: the second one waits,
then reads the state the first one committed, and has nothing left to report.
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dinnerbot.errors import StoreError
from dinnerbot.model import Plan, TripPlan

STATE_KEY = "nightly.reported"
LOCK_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class Settings:
    lead_days: int = 7  # report a trip this many days before it starts
    remind_on_start: bool = True  # and again on the morning it starts

    @classmethod
    def from_config(cls, config: Any) -> Settings:
        return cls(
            lead_days=int(config.get("nightly.lead_days", 7)),
            remind_on_start=bool(config.get("nightly.remind_on_start", True)),
        )


@dataclass(frozen=True, slots=True)
class News:
    """One thing to report: a new, changed or cancelled trip, or the reminder on its first morning."""

    kind: str  # new, changed, cancelled, reminder
    key: str
    title: str  # "Dresden, DE 2026-12-02 to 2026-12-04"
    changes: tuple[str, ...] = ()
    trip: TripPlan | None = None  # None for a cancelled trip

    def describe(self) -> str:
        head = {"new": "NEW", "changed": "CHANGED", "cancelled": "CANCELLED", "reminder": "TODAY"}[self.kind]
        text = f"{head}: {self.title}"
        return text + "".join(f"\n  - {c}" for c in self.changes)


def trip_key(tp: TripPlan) -> str:
    t = tp.trip
    return f"{t.destination.name}|{t.destination.country}|{t.start.isoformat()}|{t.end.isoformat()}"


def snapshot(tp: TripPlan) -> dict[str, Any]:
    """What is remembered of a reported trip."""
    t = tp.trip
    return {
        "city": t.destination.name,
        "country": t.destination.country,
        "start": t.start.isoformat(),
        "end": t.end.isoformat(),
        "evenings": {
            ep.evening.date.isoformat(): {
                "free": ep.evening.free,
                "calls": [c.contact.id for c in ep.candidates if c.role == "call"],
                "names": {c.contact.id: c.contact.name for c in ep.candidates if c.role == "call"},
            }
            for ep in tp.evenings
        },
    }


def _title(snap: Mapping[str, Any]) -> str:
    where = f"{snap['city']}, {snap['country']}" if snap.get("country") else snap["city"]
    return f"{where} {snap['start']} to {snap['end']}"


def _names(tp: TripPlan) -> dict[str, str]:
    return {c.contact.id: c.contact.name for ep in tp.evenings for c in ep.candidates}


def _changes(old: Mapping[str, Any], new: Mapping[str, Any], names: Mapping[str, str], today: date) -> list[str]:
    out = []
    if (old["city"], old.get("country")) != (new["city"], new.get("country")):
        out.append(f"destination {old['city']} -> {new['city']}")
    if (old["start"], old["end"]) != (new["start"], new["end"]):
        out.append(f"dates {old['start']} to {old['end']} -> {new['start']} to {new['end']}")
    old_ev, new_ev = old.get("evenings", {}), new.get("evenings", {})
    for day in sorted(set(old_ev) | set(new_ev)):
        before, after = old_ev.get(day), new_ev.get(day)
        if before is None or after is None or day < today.isoformat():
            continue  # the dates line already says it
        if before["free"] != after["free"]:
            out.append(f"evening {day} became {'free' if after['free'] else 'busy'}")
        elif before["calls"] != after["calls"] and after["free"]:
            names = {**before.get("names", {}), **names}
            gone = [c for c in before["calls"] if c not in after["calls"]]
            came = [c for c in after["calls"] if c not in before["calls"]]
            parts = []
            if came:
                parts.append("+ " + ", ".join(names.get(c, c) for c in came))
            if gone:
                parts.append("- " + ", ".join(names.get(c, c) for c in gone))
            out.append(f"call list for {day} changed: " + "; ".join(parts or ["new order"]))
    return out


def _same_trip(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """A moved trip (same place, dates overlapping or within a week) or a trip whose city changed."""
    o_start, o_end = date.fromisoformat(old["start"]), date.fromisoformat(old["end"])
    n_start, n_end = date.fromisoformat(new["start"]), date.fromisoformat(new["end"])
    if (old["city"], old.get("country")) == (new["city"], new.get("country")):
        return n_start <= o_end + timedelta(days=7) and o_start <= n_end + timedelta(days=7)
    return (o_start, o_end) == (n_start, n_end)


def diff(
    plan: Plan, reported: Mapping[str, Any], *, today: date, settings: Settings = Settings()
) -> tuple[list[News], dict[str, Any]]:
    """The news since ``reported`` (the stored state) and the state to store once they are delivered."""
    state: dict[str, Any] = {}
    news: list[News] = []
    unmatched = {k: v for k, v in reported.items()}
    horizon = today + timedelta(days=settings.lead_days)
    for tp in plan.trips:
        if tp.trip.end <= today:
            continue
        snap = snapshot(tp)
        key = trip_key(tp)
        old_key = key if key in unmatched else None
        if old_key is None:
            old_key = next((k for k, v in unmatched.items() if _same_trip(v, snap)), None)
        if old_key is None:
            if tp.trip.start > horizon:
                continue  # not yet: reported when it comes within the lead time
            snap["reminded"] = _remind_now(tp, today, settings)
            news.append(News("new", key, _title(snap), trip=tp))
            state[key] = snap
            continue
        old = unmatched.pop(old_key)
        if snap["start"] == today.isoformat() and old["start"] < snap["start"]:
            # a trip under way is cut at the window's start: it still began when it began
            snap["start"] = old["start"]
            snap["evenings"] = {**old.get("evenings", {}), **snap["evenings"]}
            key = f"{snap['city']}|{snap['country']}|{snap['start']}|{snap['end']}"
        changes = _changes(old, snap, _names(tp), today)
        snap["reminded"] = bool(old.get("reminded")) and old["start"] == snap["start"]
        if changes:
            news.append(News("changed", key, _title(snap), tuple(changes), trip=tp))
            snap["reminded"] = snap["reminded"] or _remind_now(tp, today, settings)
        elif _remind_now(tp, today, settings) and not snap["reminded"]:
            news.append(News("reminder", key, _title(snap), ("starts today",), trip=tp))
            snap["reminded"] = True
        state[key] = snap
    for key, old in unmatched.items():
        if date.fromisoformat(old["end"]) <= today:
            continue  # over: forget it quietly
        if plan.problems:
            state[key] = old  # a source failed: absence proves nothing, keep it
            continue
        news.append(News("cancelled", key, _title(old), ("no longer in the calendar",)))
    return news, state


def _remind_now(tp: TripPlan, today: date, settings: Settings) -> bool:
    return settings.remind_on_start and tp.trip.start == today


def news_plan(plan: Plan, news: list[News]) -> Plan:
    """The plan restricted to the trips the news are about (for the digest)."""
    keep = {id(n.trip) for n in news if n.trip is not None}
    return replace(plan, trips=tuple(tp for tp in plan.trips if id(tp) in keep))


def render_news(plan: Plan, news: list[News], fmt: str = "text") -> str:
    """The nightly report: what changed, then the digest of the trips concerned."""
    from dinnerbot import digest

    sub = news_plan(plan, news)
    if fmt == "json":
        import json

        doc = {
            "news": [{"kind": n.kind, "key": n.key, "title": n.title, "changes": list(n.changes)} for n in news],
            "plan": digest.as_json(sub),
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    head = "\n".join(n.describe() for n in news)
    if fmt == "markdown":
        head = "\n".join(f"- {line}" if not line.startswith("  ") else f"  {line}" for line in head.splitlines())
    if not sub.trips:
        return head + "\n"
    return head + "\n\n" + digest.render(sub, fmt).rstrip("\n") + "\n"


def subject(news: list[News]) -> str:
    first = news[0]
    more = f" (+{len(news) - 1} more)" if len(news) > 1 else ""
    label = {"new": "new trip", "changed": "trip changed", "cancelled": "trip cancelled", "reminder": "today"}
    return f"dinnerbot: {label[first.kind]} {first.title}{more}"


# -- state and lock --------------------------------------------------------------------------------------


def load_state(store: Any) -> dict[str, Any]:
    value = store.get(STATE_KEY, {})
    return dict(value) if isinstance(value, dict) else {}


def commit(store: Any, state: Mapping[str, Any]) -> None:
    """Replace the reported state in one transaction."""
    store.put(STATE_KEY, dict(state))


@contextmanager
def lock(db_path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[Path]:
    """An exclusive lock on ``<db>.lock``; waits up to ``timeout`` seconds for another run to finish."""
    import fcntl

    path = Path(str(db_path) + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = _time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if _time.monotonic() >= deadline:
                    raise StoreError(
                        f"{path}: another dinnerbot run holds the lock",
                        hint="wait for it to finish; remove the file only if no dinnerbot runs",
                    ) from None
                _time.sleep(0.1)
        yield path
    finally:
        os.close(fd)  # closing releases the lock, also when the process dies


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_news_html(plan: Plan, news: list[News], templates_dir: Path | None = None) -> str:
    """The HTML digest of the trips concerned, with the list of what changed at the top."""
    from html import escape

    from dinnerbot.html import render_html

    page = render_html(news_plan(plan, news), templates_dir=templates_dir)
    items = "".join(
        f"<li><strong>{escape(n.describe().splitlines()[0])}</strong>"
        + ("<ul>" + "".join(f"<li>{escape(c)}</li>" for c in n.changes) + "</ul>" if n.changes else "")
        + "</li>"
        for n in news
    )
    block = f'<section class="news"><h2>What is new</h2><ul>{items}</ul></section>'
    if "<main>" in page:
        return page.replace("<main>", "<main>" + block, 1)
    return page.replace("<body>", "<body>" + block, 1)


def run(
    plan: Plan,
    db_path: Path,
    *,
    today: date,
    settings: Settings,
    deliver: Callable[[list[News]], None],
    before_commit: Callable[[], None] | None = None,
    lock_timeout: float = LOCK_TIMEOUT_S,
) -> list[News]:
    """Under the lock: diff the plan with the stored state, deliver the news, then commit the new state.

    When ``deliver`` raises, nothing is committed and the exception goes on: the news stays new.
    """
    from dinnerbot.store import Store

    with lock(db_path, lock_timeout), Store.open(db_path) as store:
        news, state = diff(plan, load_state(store), today=today, settings=settings)
        if news:
            deliver(news)
        if before_commit is not None:
            before_commit()
        if news or state != load_state(store):
            commit(store, state)
    return news


def deliver_to(config: Any, *, text: str, html: str | None, subject_line: str, out: Path | None, mail: bool) -> None:
    """Write the report to ``out`` (atomically) and/or send it by mail; any failure raises."""
    if out is not None:
        try:
            write_atomic(out, text)
        except OSError as exc:
            from dinnerbot.errors import DinnerbotError

            raise DinnerbotError(f"{out}: cannot write: {exc.strerror or exc}") from None
    if mail:
        from dinnerbot import mail as mailer

        settings = mailer.SmtpSettings.from_config(config)
        message = mailer.build_message(
            subject=subject_line, text=text, html=html, sender=settings.sender, to=settings.to
        )
        mailer.send(message, settings)
