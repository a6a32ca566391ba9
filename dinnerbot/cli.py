"""The command line: parse options, call one core function, print what comes back, map errors to exit codes.

Exit codes: 0 ok, 1 the job failed, 2 usage or config error, 3 partial (a source failed, the rest delivered).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import click

from dinnerbot import __version__
from dinnerbot.config import Config, load_config
from dinnerbot.errors import ConfigError, DinnerbotError
from dinnerbot.model import Problem

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class App:
    """What every command gets: the config (with command-line overrides applied later) and the flags."""

    config_path: str | None
    debug: bool = False
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            for warning in self._config.warnings:
                click.echo(f"warning: {warning}", err=True)
        return self._config

    def now(self) -> datetime:
        return datetime.now().astimezone()


pass_app = click.make_pass_decorator(App)


def handle_errors(func: F) -> F:
    """Turn DinnerbotError into one line on stderr and its exit code; anything else into exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = ctx.find_object(App)
        try:
            return func(*args, **kwargs)
        except DinnerbotError as exc:
            if app is not None and app.debug:
                raise
            click.echo(f"error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"  hint: {exc.hint}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_FAILED)
        except Exception as exc:  # the last line of defence: never a traceback without --debug
            if app is not None and app.debug:
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
            ctx.exit(EXIT_FAILED)

    return wrapper  # type: ignore[return-value]


def report(problems: Sequence[Problem]) -> int:
    """Print each problem as a warning; the exit code the job ends with."""
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    return EXIT_PARTIAL if problems else EXIT_OK


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option}: expected a date YYYY-MM-DD, got {value!r}") from None


# Options shared by the commands that use them; each is an override of the config key of the same name.
_opt_calendar = click.option(
    "--calendar",
    "calendars",
    multiple=True,
    metavar="PATH_OR_URL",
    help="A calendar (.ics, vdir, URL); repeatable; replaces the config's list.",
)
_opt_contacts = click.option(
    "--contacts",
    "contacts",
    multiple=True,
    metavar="PATH",
    help="An address book (.vcf, .csv, vdir); repeatable; replaces the config's list.",
)


_opt_home = click.option("--home", metavar="PLACE", help="Where you live (overrides `home`).")


def _opt_window(f: F) -> F:
    f = click.option("--days", type=int, metavar="N", help="How many days ahead to look.")(f)
    f = click.option("--from", "from_", metavar="YYYY-MM-DD", help="What counts as today (default: today).")(f)
    return f


_opt_me = click.option("--me", multiple=True, metavar="EMAIL", help="Your e-mail address; repeatable.")


def _opt_list(f: F) -> F:
    f = click.option("--radius", "radius_km", type=float, metavar="KM", help="Search radius around the city.")(f)
    f = click.option("--top", type=int, metavar="N", help="How many people to call.")(f)
    f = click.option(
        "--all", "show_all", is_flag=True, help="Every contact in the radius; call lists for tentative trips too."
    )(f)
    f = click.option("--lang", type=click.Choice(["de", "en"]), help="Language of the messages.")(f)
    f = click.option("--explain", is_flag=True, help="Show each signal's contribution to the score.")(f)
    return f


def _opt_format(*choices: str) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        return click.option("--format", "fmt", type=click.Choice(list(choices)), help="Output format.")(f)

    return decorate


def _overrides(app: App, *, places: bool = True, **options: Any) -> Config:
    """The config with the command-line options applied; ``places``: the command needs the gazetteer."""
    config = app.config.with_overrides(**options)
    if places:
        _gazetteer_ready(config)
    return config


def _gazetteer_ready(config: Config) -> None:
    """Build the offline gazetteer index on first use, with a progress bar on stderr."""
    from dinnerbot.geo import open_gazetteer
    from dinnerbot.geo.gazetteer import default_sources, index_path

    if index_path(config.cache_dir, default_sources()).exists():
        return
    if not sys.stderr.isatty():  # cron and pipes: build quietly
        open_gazetteer(config.cache_dir)
        return
    click.echo("Building the offline place index (once; about 10 s) ...", err=True)
    with click.progressbar(length=100, label="places", file=sys.stderr) as bar:
        shown = [0]

        def progress(done: int, total: int) -> None:
            percent = int(100 * done / total) if total else 100
            bar.update(max(0, percent - shown[0]))
            shown[0] = max(shown[0], percent)

        open_gazetteer(config.cache_dir, progress=progress)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dinnerbot")
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="DINNERBOT_CONFIG",
    help="Config file (default: $DINNERBOT_CONFIG, else the platform config dir).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """dinnerbot: never eat alone on a business trip.

    Finds the trips in your calendars and whom to call for dinner there.

    Example: dinnerbot --config examples/dinnerbot.toml plan
    """
    ctx.obj = App(config_path=config_path, debug=debug)


@cli.command()
@_opt_calendar
@_opt_home
@_opt_window
@_opt_me
@_opt_format("text", "json", "markdown")
@pass_app
@handle_errors
def trips(
    app: App,
    calendars: tuple[str, ...],
    home: str | None,
    days: int | None,
    from_: str | None,
    me: tuple[str, ...],
    fmt: str | None,
) -> None:
    """The business trips in your calendars: destination, nights, free evenings, and the events behind them.

    Example: dinnerbot trips --calendar work.ics --home Stuttgart --from 2026-12-01 --days 60
    """
    from dinnerbot import digest, plan

    config = _overrides(app, calendars=calendars, home=home, days=days, me=me, format=fmt)
    result = plan.list_trips(config, today=parse_date(from_, "--from") or app.now().date(), now=app.now())
    click.echo(digest.render(result, config["format"]))
    sys.exit(report(result.problems))


@cli.command()
@_opt_contacts
@_opt_home
@_opt_format("text", "json", "markdown")
@pass_app
@handle_errors
def contacts(app: App, contacts: tuple[str, ...], home: str | None, fmt: str | None) -> None:
    """Every contact read, where it was placed on the map, or why it could not be.

    Example: dinnerbot contacts --contacts people.vcf --format json
    """
    from dinnerbot import digest, plan

    config = _overrides(app, contacts=contacts, home=home, format=fmt)
    result = plan.list_contacts(config)
    click.echo(digest.render(result, config["format"]))
    sys.exit(report(result.problems))


@cli.command()
@click.argument("city_name", metavar="CITY")
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="The evening of the dinner.")
@_opt_contacts
@_opt_home
@_opt_list
@_opt_format("text", "json", "markdown", "html")
@pass_app
@handle_errors
def city(
    app: App,
    city_name: str,
    date_: str | None,
    contacts: tuple[str, ...],
    home: str | None,
    radius_km: float | None,
    top: int | None,
    show_all: bool,
    lang: str | None,
    explain: bool,
    fmt: str | None,
) -> None:
    """Whom to call for dinner in CITY (on evening --date).

    Example: dinnerbot city Dresden --date 2026-12-03 --contacts people.vcf
    """
    from dinnerbot import digest, plan

    config = _overrides(app, contacts=contacts, home=home, radius_km=radius_km, top=top, lang=lang, format=fmt)
    result = plan.plan_city(config, city_name, evening=parse_date(date_, "--date"), now=app.now(), show_all=show_all)
    click.echo(digest.render(result, config["format"], explain=explain))
    sys.exit(report(result.problems))


@cli.command(name="plan")
@_opt_calendar
@_opt_contacts
@_opt_home
@_opt_window
@_opt_me
@_opt_list
@_opt_format("text", "json", "markdown", "html", "ics")
@click.option("--cron", is_flag=True, help="The nightly job: implies --new-only.")
@click.option("--new-only", is_flag=True, help="Only what is new since the last run; silent when nothing is.")
@click.option("--out", type=click.Path(dir_okay=False), metavar="PATH", help="Write to PATH (atomically).")
@click.option("--mail", is_flag=True, help="Send by e-mail (text + HTML) through the [smtp] settings.")
@pass_app
@handle_errors
def plan_command(
    app: App,
    calendars: tuple[str, ...],
    contacts: tuple[str, ...],
    home: str | None,
    days: int | None,
    from_: str | None,
    me: tuple[str, ...],
    radius_km: float | None,
    top: int | None,
    show_all: bool,
    lang: str | None,
    explain: bool,
    fmt: str | None,
    cron: bool = False,
    new_only: bool = False,
    out: str | None = None,
    mail: bool = False,
) -> None:
    """Every trip in the window, each free evening with its call list and ready messages.

    Example: dinnerbot --config examples/dinnerbot.toml plan --from 2026-12-01

    Nightly: dinnerbot plan --cron --mail (reports each new or changed trip once; exit 3: a source failed)
    """
    if cron or new_only or out or mail:
        _plan_nightly(app, locals())
        return
    from dinnerbot import digest, plan

    config = _overrides(
        app,
        calendars=calendars,
        contacts=contacts,
        home=home,
        days=days,
        me=me,
        radius_km=radius_km,
        top=top,
        lang=lang,
        format=fmt,
    )
    result = plan.plan_trips(
        config, today=parse_date(from_, "--from") or app.now().date(), now=app.now(), show_all=show_all
    )
    click.echo(digest.render(result, config["format"], explain=explain))
    sys.exit(report(result.problems))


def _plan_nightly(app: App, options: dict[str, Any]) -> None:
    """`plan --cron/--new-only/--out/--mail`: deliver, then (news mode) commit what was reported."""
    from datetime import time as dtime
    from pathlib import Path

    from dinnerbot import digest, nightly, plan

    o = options
    config = _overrides(
        app,
        calendars=o["calendars"],
        contacts=o["contacts"],
        home=o["home"],
        days=o["days"],
        me=o["me"],
        radius_km=o["radius_km"],
        top=o["top"],
        lang=o["lang"],
        format=o["fmt"],
    )
    today = parse_date(o["from_"], "--from") or app.now().date()
    now = app.now()
    if o["from_"] and today != now.date():  # the clock set by --from: that morning, 04:00
        now = datetime.combine(today, dtime(4), now.tzinfo)
    result = plan.plan_trips(config, today=today, now=now, show_all=o["show_all"])
    fmt = config["format"] if config["format"] in ("text", "markdown", "json") else "text"
    out = Path(o["out"]) if o["out"] else None
    templates = Path(config["templates"]) if config["templates"] else None

    def deliver(text: str, html: str | None, subject: str) -> None:
        nightly.deliver_to(config, text=text, html=html, subject_line=subject, out=out, mail=o["mail"])
        if out is None and not o["mail"]:
            click.echo(text, nl=False)

    if o["cron"] or o["new_only"]:
        nightly.run(
            result,
            plan.store_path(config),
            today=today,
            settings=nightly.Settings.from_config(config),
            deliver=lambda news: deliver(
                nightly.render_news(result, news, fmt),
                nightly.render_news_html(result, news, templates) if o["mail"] else None,
                nightly.subject(news),
            ),
        )
    else:
        from dinnerbot.html import render_html

        text = digest.render(result, fmt, explain=o["explain"])
        html = render_html(result, templates_dir=templates) if o["mail"] else None
        deliver(text + "\n", html, f"dinnerbot: plan {result.window_from} to {result.window_to}")
    sys.exit(report(result.problems))


@cli.command()
@pass_app
@handle_errors
def doctor(app: App) -> None:
    """Check the config, each calendar and address book, the templates and the database; say what to fix.

    Example: dinnerbot doctor
    """
    from dinnerbot.doctor import run_checks

    checks = run_checks(app.config_path, now=app.now())
    for check in checks:
        click.echo(check.line())
    broken = [c for c in checks if c.status == "fail"]
    warned = sum(c.status == "warn" for c in checks)
    also = f" ({warned} warning{'s' if warned != 1 else ''})" if warned else ""
    click.echo((f"{len(broken)} problem{'s' if len(broken) != 1 else ''} to fix" if broken else "all good") + also)
    sys.exit(EXIT_FAILED if broken else EXIT_OK)


@cli.command()
@click.argument("text", metavar="ADDRESS")
@click.option("--country", metavar="CC", help="A country hint (ISO code or name).")
@_opt_format("text", "json")
@pass_app
@handle_errors
def geocode(app: App, text: str, country: str | None, fmt: str | None) -> None:
    """Show how one address or place name is resolved, with the candidates weighed.

    Example: dinnerbot geocode "Hauptstraße 5, 01662 Meißen"
    """
    import json

    from dinnerbot import plan

    config = _overrides(app, format=fmt)
    res = plan.open_geocoder(config).resolve(text, country=country)
    if config["format"] == "json":
        data = {
            "query": res.query,
            "place": res.place.as_dict() if res.place else None,
            "method": res.method or None,
            "ambiguous": res.ambiguous,
            "reason": res.reason or None,
            "parsed": res.parsed,
            "candidates": [
                {
                    **c.place.as_dict(),
                    "population": c.place.population,
                    "score": round(c.score, 2),
                    "why": c.why,
                }
                for c in res.candidates
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        if res.place:
            p = res.place
            click.echo(f"{text!r} -> {p.name}, {p.country} ({p.lat:.5f}, {p.lon:.5f}) by {res.method}")
        else:
            click.echo(f"{text!r} -> not placed: {res.reason or 'nothing recognisable'}")
        if res.parsed:
            click.echo("  parsed: " + ", ".join(f"{k}={v}" for k, v in res.parsed.items() if v))
        for c in res.candidates:
            click.echo(f"  candidate: {c.why or c.place.name}  (score {c.score:g})")
    if res.place is None:
        sys.exit(EXIT_FAILED)


# --- the interaction log: log, history, export, import ----------------------------------------------------


def _one_contact(config: Config, text: str) -> Any:
    """The configured contact NAME_OR_EMAIL means; UsageError (exit 2) listing the matches when unclear."""
    from dinnerbot import plan
    from dinnerbot.errors import UsageError
    from dinnerbot.store import find_contacts

    people, _ = plan.load_contacts(config)
    found = find_contacts(people, text)
    if not found:
        raise UsageError(f"no contact matches {text!r}", hint="try part of the name or the e-mail address")
    if len(found) > 1:
        listed = "; ".join(f"{c.name} <{c.email or c.id}>" for c in found[:10])
        more = f" and {len(found) - 10} more" if len(found) > 10 else ""
        raise UsageError(
            f"{text!r} matches {len(found)} contacts: {listed}{more}", hint="give the e-mail address instead"
        )
    return found[0]


@cli.command(name="log")
@click.argument("who", metavar="NAME_OR_EMAIL")
@click.argument("kind", type=click.Choice(["accepted", "declined", "no-answer", "met"]))
@click.option("--date", "date_", metavar="YYYY-MM-DD", help="When it happened (default: today).")
@click.option("--note", default="", metavar="TEXT", help="A note to keep with the entry.")
@click.option("--city", default="", metavar="CITY", help="Where (for your memory; optional).")
@click.option(
    "--invite",
    "invite_dir",
    metavar="DIR",
    help="With accepted and --city: write the dinner's .ics invitation (and the Bewirtungsbeleg) into DIR.",
)
@_opt_contacts
@pass_app
@handle_errors
def log_command(
    app: App,
    who: str,
    kind: str,
    date_: str | None,
    note: str,
    city: str,
    invite_dir: str | None,
    contacts: tuple[str, ...],
) -> None:
    """Record what happened: an invitation accepted, declined, not answered, or a meeting.

    Example: dinnerbot log "Anna Schmidt" declined --date 2026-11-23 --note "ask again in spring"
    """
    from dinnerbot import plan
    from dinnerbot.model import Outcome
    from dinnerbot.store import Store

    config = _overrides(app, places=bool(invite_dir), contacts=contacts)
    if invite_dir and (kind != "accepted" or not city):
        from dinnerbot.errors import UsageError

        raise UsageError("--invite needs the outcome 'accepted' and --city CITY")
    contact = _one_contact(config, who)
    day = parse_date(date_, "--date") or app.now().date()
    with Store.open(plan.store_path(config)) as store:
        entry = store.add(Outcome(contact.id, kind, day, note=note, city=city))
    click.echo(f"logged #{entry.id}: {entry.date} {entry.kind} {contact.name}")
    if invite_dir:
        from pathlib import Path

        for path in plan.write_dinner(config, contact, city, day, now=app.now(), out_dir=Path(invite_dir)):
            click.echo(f"wrote {path}")


@cli.command()
@click.argument("who", metavar="[NAME_OR_EMAIL]", required=False)
@_opt_contacts
@pass_app
@handle_errors
def history(app: App, who: str | None, contacts: tuple[str, ...]) -> None:
    """The interaction log, oldest first; one contact's when NAME_OR_EMAIL is given.

    Example: dinnerbot history Anna
    """
    from dinnerbot import plan
    from dinnerbot.store import Store

    config = _overrides(app, places=False, contacts=contacts)
    names: dict[str, str] = {}
    contact_id = None
    if who is not None:
        contact = _one_contact(config, who)
        names[contact.id], contact_id = contact.name, contact.id
    elif config["contacts"]:
        people, _ = plan.load_contacts(config)
        names = {c.id: c.name for c in people}
    path = plan.store_path(config)
    entries = []
    if path.exists():
        with Store.open(path) as store:
            entries = store.history(contact_id)
    if not entries:
        click.echo("nothing logged yet" + (f" for {names[contact_id]}" if contact_id else ""))
        return
    for o in entries:
        extra = "".join(f" · {x}" for x in (o.city, o.note) if x)
        click.echo(f"{o.date}  {o.kind:<9}  {names.get(o.contact_id, o.contact_id)}{extra}")


@cli.command()
@_opt_format("json", "csv")
@click.option("--out", type=click.Path(dir_okay=False), metavar="FILE", help="Write to FILE (mode 0600).")
@pass_app
@handle_errors
def export(app: App, fmt: str | None, out: str | None) -> None:
    """The whole interaction log as JSON (default) or CSV, to move or back it up.

    Example: dinnerbot export --format csv --out log.csv
    """
    import os

    from dinnerbot import plan
    from dinnerbot.store import Store

    with Store.open(plan.store_path(app.config)) as store:
        text = store.export("csv" if fmt == "csv" else "json")
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise DinnerbotError(f"{out}: cannot write: {exc.strerror}") from None


@cli.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False), metavar="FILE")
@_opt_format("json", "csv")
@pass_app
@handle_errors
def import_command(app: App, file: str, fmt: str | None) -> None:
    """Add the entries of an export (JSON, or CSV for a .csv FILE); entries already logged are skipped.

    Example: dinnerbot import log.json
    """
    from pathlib import Path

    from dinnerbot import plan
    from dinnerbot.store import Store

    kind = fmt or ("csv" if file.lower().endswith(".csv") else "json")
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DinnerbotError(f"{file}: cannot read: {exc}") from None
    with Store.open(plan.store_path(app.config)) as store:
        added = store.import_(text, "csv" if kind == "csv" else "json")
    click.echo(f"imported {added} new {'entry' if added == 1 else 'entries'} from {file}")


def main() -> None:
    cli(prog_name="dinnerbot")
