"""The one SQLite database: the interaction log and the nightly job's small state.

Only this module opens SQLite. The file is created with mode 0600 in a 0700 folder, runs in WAL mode
with ``synchronous=FULL`` (a committed entry survives a crash of the process or the machine), and
waits up to ``BUSY_TIMEOUT_MS`` for another process holding the write lock. Every write is one
transaction (``BEGIN IMMEDIATE``): an entry is in the log whole or not at all.

The schema carries a version (table ``schema_version``); ``MIGRATIONS`` lists the steps from version 1
on, each applied once, in its own transaction. A database written by a newer dinnerbot is refused.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from dinnerbot.errors import StoreError
from dinnerbot.model import Contact, Outcome

KINDS = ("accepted", "declined", "no-answer", "met", "proposed")
BUSY_TIMEOUT_MS = 30_000
FIELDS = ("id", "contact_id", "kind", "date", "note", "city")
EXPORT_FORMAT = "dinnerbot-log"

# Each step takes the schema from version N-1 to N. Never edit a released step: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: the interaction log and a key/value table for the nightly job
    f"""
    CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ({", ".join(repr(k) for k in KINDS)})),
        date TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outcomes_by_contact ON outcomes (contact_id, date);
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

Format = Literal["json", "csv"]


def _when_unlocked(step: Callable[[], Any]) -> Any:
    """Run ``step``, retrying while another process holds the lock: switching a new file to WAL takes an
    exclusive lock and SQLite reports "database is locked" at once there, without its busy handler."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Store:
    """An open database. Use as a context manager: ``with Store.open(path) as store: store.add(...)``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._depth = 0

    # -- opening and closing ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (or create) the database at ``path`` and bring its schema up to date."""
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
        store = cls(db, path)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = _when_unlocked(lambda: db.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            if str(mode).lower() != "wal":
                raise StoreError(f"{path}: cannot switch the database to WAL mode (got {mode})")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            store._migrate()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"{path}: not a dinnerbot database or damaged: {exc}") from None
        except StoreError:
            db.close()
            raise
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _migrate(self) -> None:
        with self.transaction() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            version = 0 if row is None else int(row[0])
            if row is None:
                db.execute("INSERT INTO schema_version (version) VALUES (0)")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer dinnerbot (schema version {version}, "
                f"this one knows up to {SCHEMA_VERSION})",
                hint="upgrade dinnerbot",
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as db:
                # re-read inside the write lock: another process may have migrated meanwhile
                current = int(db.execute("SELECT version FROM schema_version").fetchone()[0])
                if current >= number:
                    continue
                for statement in _statements(MIGRATIONS[number - 1]):
                    db.execute(statement)
                db.execute("UPDATE schema_version SET version = ?", (number,))

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("SELECT version FROM schema_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed when the block ends, rolled back on error.

        Nested blocks join the outer transaction. SQLite errors become StoreError naming the file.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the database: {exc}") from None
        self._depth = 1
        try:
            yield self._db
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(f"{self.path}: cannot write the database: {exc}") from None
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot commit to the database: {exc}") from None
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    # -- the interaction log ---------------------------------------------------------------------------

    def add(self, outcome: Outcome) -> Outcome:
        """Append one entry; returns it with its id."""
        return self.add_many([outcome])[0]

    def add_many(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Append several entries in one transaction: all of them or none."""
        for outcome in outcomes:
            _validate(outcome, str(self.path))
        added = []
        with self.transaction() as db:
            for o in outcomes:
                cursor = db.execute(
                    "INSERT INTO outcomes (contact_id, kind, date, note, city) VALUES (?, ?, ?, ?, ?)",
                    (o.contact_id, o.kind, o.date.isoformat(), o.note, o.city),
                )
                added.append(
                    Outcome(o.contact_id, o.kind, o.date, note=o.note, city=o.city, id=cursor.lastrowid)
                )
        return added

    def history(self, contact_id: str | None = None) -> list[Outcome]:
        """The log, oldest first (by date, then by the order of entry); one contact's when given."""
        query = "SELECT id, contact_id, kind, date, note, city FROM outcomes"
        args: tuple[str, ...] = ()
        if contact_id is not None:
            query += " WHERE contact_id = ?"
            args = (contact_id,)
        try:
            rows = self._db.execute(query + " ORDER BY date, id", args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the log: {exc}") from None
        return [
            Outcome(cid, kind, date.fromisoformat(day), note=note, city=city, id=oid)
            for oid, cid, kind, day, note, city in rows
        ]

    def delete(self, outcome_id: int) -> bool:
        """Remove one entry (a mistaken log line); False when there was none with that id."""
        with self.transaction() as db:
            return db.execute("DELETE FROM outcomes WHERE id = ?", (outcome_id,)).rowcount > 0

    # -- export and import -----------------------------------------------------------------------------

    def export(self, fmt: Format = "json") -> str:
        """The whole log as JSON or CSV text; ``import_`` of it into an empty store gives the same export."""
        entries = sorted(self.history(), key=lambda o: o.id or 0)
        if fmt == "json":
            doc = {
                "format": EXPORT_FORMAT,
                "schema_version": SCHEMA_VERSION,
                "outcomes": [_as_dict(o) for o in entries],
            }
            return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        if fmt == "csv":
            buffer = io.StringIO(newline="")
            # RFC 4180 line ends: a field holding a lone \r is then quoted too, so it survives the trip
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(FIELDS)
            for o in entries:
                writer.writerow([_as_dict(o)[f] for f in FIELDS])
            return buffer.getvalue()
        raise StoreError(f"export: unknown format {fmt!r} (expected json or csv)")

    def import_(self, text: str, fmt: Format = "json") -> int:
        """Add the entries of an export; returns how many were new.

        All or nothing: one bad entry rejects the file with every problem listed. An entry already in
        the log (same contact, kind, date, note and city, counted: two identical entries match two) is
        skipped, so importing the same file twice adds nothing.
        Ids are kept when free, so a round trip through an empty store is identical.
        """
        rows = _parse(text, fmt)
        count = 0
        with self.transaction() as db:
            # a multiset of what is there: an entry logged twice on purpose stays twice
            present = Counter((o.contact_id, o.kind, o.date, o.note, o.city) for o in self.history())
            for oid, o in rows:
                key = (o.contact_id, o.kind, o.date, o.note, o.city)
                if present[key] > 0:
                    present[key] -= 1
                    continue
                taken = (
                    oid is not None and db.execute("SELECT 1 FROM outcomes WHERE id = ?", (oid,)).fetchone()
                )
                db.execute(
                    "INSERT INTO outcomes (id, contact_id, kind, date, note, city) VALUES (?, ?, ?, ?, ?, ?)",
                    (None if taken else oid, o.contact_id, o.kind, o.date.isoformat(), o.note, o.city),
                )
                count += 1
        return count

    # -- small key/value state for the nightly job -----------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """A JSON value stored with ``put``; ``default`` when there is none."""
        try:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read state {key!r}: {exc}") from None
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value under ``key`` (replacing the old one)."""
        text = json.dumps(value, sort_keys=True, default=_json_default)
        with self.transaction() as db:
            db.execute(
                "INSERT INTO state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, text),
            )

    def remove(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM state WHERE key = ?", (key,))

    def integrity_check(self) -> str:
        """'ok' when SQLite finds nothing wrong with the file."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _as_dict(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.id,
        "contact_id": o.contact_id,
        "kind": o.kind,
        "date": o.date.isoformat(),
        "note": o.note,
        "city": o.city,
    }


def _validate(o: Outcome, where: str) -> None:
    if o.kind not in KINDS:
        raise StoreError(f"{where}: unknown outcome {o.kind!r} (expected one of {', '.join(KINDS)})")
    if not o.contact_id:
        raise StoreError(f"{where}: an entry needs a contact id")


def _parse(text: str, fmt: Format) -> list[tuple[int | None, Outcome]]:
    records: list[tuple[int, dict[str, Any]]] = []
    if fmt == "json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreError(f"import: not valid JSON: {exc}") from None
        items = doc.get("outcomes") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise StoreError("import: expected a dinnerbot export (an object with 'outcomes', or a list)")
        records = [(n, item) for n, item in enumerate(items, 1)]
        where = "entry"
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = {"contact_id", "kind", "date"} - set(reader.fieldnames or ())
        if missing:
            raise StoreError(f"import: CSV header lacks {', '.join(sorted(missing))}")
        records = [(reader.line_num, dict(row)) for row in reader]
        where = "line"
    else:
        raise StoreError(f"import: unknown format {fmt!r} (expected json or csv)")
    out: list[tuple[int | None, Outcome]] = []
    problems: list[str] = []
    for n, item in records:
        if not isinstance(item, dict):
            problems.append(f"{where} {n}: expected an object")
            continue
        try:
            oid = item.get("id")
            oid = None if oid in (None, "") else int(oid)
            day = date.fromisoformat(str(item.get("date", "")))
            o = Outcome(
                contact_id=str(item.get("contact_id") or ""),
                kind=str(item.get("kind") or ""),
                date=day,
                note=str(item.get("note") or ""),
                city=str(item.get("city") or ""),
            )
            _validate(o, f"{where} {n}")
        except (ValueError, TypeError) as exc:
            problems.append(f"{where} {n}: {exc}")
            continue
        except StoreError as exc:
            problems.append(exc.message)
            continue
        out.append((oid, o))
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise StoreError("import: " + "; ".join(problems[:5]) + more, hint="nothing was imported")
    return out


def find_contacts(contacts: Sequence[Contact], text: str) -> list[Contact]:
    """Whom ``text`` (an e-mail, a contact id, a name or part of one) means: exact matches win over parts.

    Case and accents do not matter ("muller" finds "Müller"); the caller decides what to do with
    none or several.
    """
    want = _fold(text)
    if not want:
        return []
    for exact in (
        lambda c: want in (_fold(e) for e in c.emails),
        lambda c: _fold(c.id) == want,
        lambda c: _fold(c.name) == want,
    ):
        found = [c for c in contacts if exact(c)]
        if found:
            return found
    words = want.split()
    return [c for c in contacts if all(w in _fold(c.name) for w in words)]


def _fold(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in t if not unicodedata.combining(ch)).split())
