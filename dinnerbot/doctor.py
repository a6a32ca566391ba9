"""`dinnerbot doctor`: check the config, every source, the templates and the database; say what to fix.

Each check returns a ``Check`` (ok, warn or fail, what was found, what to do). One broken part never
stops the others from being checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from dinnerbot.errors import DinnerbotError


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # ok, warn, fail
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}[self.status]
        text = f"[{mark}] {self.name}: {self.detail}"
        return text + (f"\n       fix: {self.fix}" if self.fix and self.status != "ok" else "")


def run_checks(config_path: str | None, *, now: datetime) -> list[Check]:
    """Every check, in the order a user would fix them."""
    from dinnerbot.config import find_config, load_config

    checks: list[Check] = []
    try:
        config = load_config(config_path)
    except DinnerbotError as exc:
        return [Check("config", "fail", exc.message, exc.hint or "see examples/dinnerbot.toml")]
    path = find_config(config_path)
    if config.path is None:
        checks.append(Check("config", "warn", "no config file, using the defaults", _create_hint()))
    else:
        checks.append(Check("config", "ok", str(path)))
    for warning in config.warnings:
        checks.append(Check("config", "warn", warning, "remove or correct the key"))
    checks.extend(_check_home(config))
    checks.extend(_check_calendars(config, now))
    checks.extend(_check_contacts(config))
    checks.append(_check_templates(config))
    checks.append(_check_store(config))
    if config["smtp.host"]:
        checks.append(_check_smtp(config))
    return checks


def _create_hint() -> str:
    import platformdirs

    return f"copy examples/dinnerbot.toml to {Path(platformdirs.user_config_dir('dinnerbot')) / 'config.toml'}"


def _check_home(config: Any) -> list[Check]:
    from dinnerbot import plan

    try:
        home = plan.home_place(config, plan.open_geocoder(config))
    except DinnerbotError as exc:
        return [Check("home", "fail", exc.message, exc.hint or "")]
    return [Check("home", "ok", f"{home.name}, {home.country} ({home.timezone or 'no zone'})")]


def _check_calendars(config: Any, now: datetime) -> list[Check]:
    from dinnerbot.calendars import read_calendars
    from dinnerbot.clock import zone

    if not config["calendars"]:
        return [Check("calendars", "fail", "no calendar configured", "set `calendars = [...]` in the config")]
    tz = zone(config["timezone"], "UTC")
    start = datetime.combine(now.date(), time(), tz)
    end = start + timedelta(days=int(config["days"]) + 1)
    checks = []
    for source in config["calendars"]:
        try:
            # no cache: the doctor wants to know whether the source answers now, not what it said last
            events, problems = read_calendars([source], start, end, home_tz=tz, me=config["me"], cache_dir=None)
        except DinnerbotError as exc:
            checks.append(Check(f"calendar {source}", "fail", exc.message, exc.hint or ""))
            continue
        except Exception as exc:  # a reader bug must not stop the doctor
            checks.append(Check(f"calendar {source}", "fail", f"{type(exc).__name__}: {exc}"))
            continue
        detail = f"{len(events)} events in the next {config['days']} days"
        if problems:
            status = "fail" if not events else "warn"
            first = str(problems[0])
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            checks.append(Check(f"calendar {source}", status, f"{detail}; {first}{more}", _source_fix(source)))
        else:
            checks.append(Check(f"calendar {source}", "ok", detail))
    return checks


def _check_contacts(config: Any) -> list[Check]:
    from dinnerbot.contacts import read_contacts

    if not config["contacts"]:
        return [Check("contacts", "fail", "no address book configured", "set `contacts = [...]` in the config")]
    checks = []
    for source in config["contacts"]:
        try:
            people, problems = read_contacts([source])
        except DinnerbotError as exc:
            checks.append(Check(f"contacts {source}", "fail", exc.message, exc.hint or ""))
            continue
        except Exception as exc:
            checks.append(Check(f"contacts {source}", "fail", f"{type(exc).__name__}: {exc}"))
            continue
        detail = f"{len(people)} contacts"
        if problems:
            status = "fail" if not people else "warn"
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            checks.append(Check(f"contacts {source}", status, f"{detail}; {problems[0]}{more}", _source_fix(source)))
        else:
            checks.append(Check(f"contacts {source}", "ok", detail))
    return checks


def _source_fix(source: str) -> str:
    if "://" in source:
        return "check the URL, the server and the password (environment, keyring or ~/.netrc)"
    return "check that the file exists and is readable, or remove it from the config"


def _check_templates(config: Any) -> Check:
    if not config["templates"]:
        return Check("templates", "ok", "the shipped templates")
    folder = Path(config["templates"])
    if not folder.is_dir():
        return Check("templates", "fail", f"{folder}: no such folder", 'create it or set `templates = ""`')
    from jinja2 import Environment, TemplateSyntaxError

    env = Environment()
    broken = []
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".j2", ".jinja"))
    for p in files:
        try:
            env.parse(p.read_text(encoding="utf-8"))
        except (TemplateSyntaxError, UnicodeDecodeError, OSError) as exc:
            line = getattr(exc, "lineno", None)
            broken.append(f"{p.name}{f':{line}' if line else ''}: {exc}")
    if broken:
        return Check("templates", "fail", "; ".join(broken), "fix the template syntax (jinja2)")
    return Check("templates", "ok", f"{folder} ({len(files)} templates)")


def _check_store(config: Any) -> Check:
    from dinnerbot import plan
    from dinnerbot.store import Store

    path = plan.store_path(config)
    if not path.exists():
        return Check("database", "ok", f"{path} (created on first use)")
    try:
        with Store.open(path) as store:
            result = store.integrity_check()
            entries = len(store.history())
    except DinnerbotError as exc:
        return Check("database", "fail", exc.message, exc.hint or "restore a backup (dinnerbot export/import)")
    if result != "ok":
        return Check("database", "fail", f"{path}: integrity check: {result}", "restore a backup (dinnerbot import)")
    return Check("database", "ok", f"{path} ({entries} log entries, integrity ok)")


def _check_smtp(config: Any) -> Check:
    from dinnerbot.mail import SmtpSettings, check

    try:
        s = SmtpSettings.from_config(config)
        check(s)
    except DinnerbotError as exc:
        return Check("smtp", "fail", exc.message, exc.hint or "check smtp.host, smtp.port and smtp.security")
    login = f", logged in as {s.user}" if s.user else ""
    return Check("smtp", "ok", f"{s.host}:{s.port} {s.security}{login}, to {', '.join(s.to)}")
