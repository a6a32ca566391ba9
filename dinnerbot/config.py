"""Find, read and validate the TOML config. The only module that reads environment variables.

Every key lives in one table, ``SCHEMA``: name, type, default and a one-line help. The loader
reports every problem at once as ``key: what is wrong (file)`` and warns about unknown keys.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from dinnerbot.errors import ConfigError

ENV_CONFIG = "DINNERBOT_CONFIG"
ENV_CACHE = "DINNERBOT_CACHE_DIR"
ENV_DATA = "DINNERBOT_DATA_DIR"


@dataclass(frozen=True, slots=True)
class Key:
    name: str  # dotted: "geocoder.online"
    kind: type | tuple[type, ...]
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    list_of: type | None = None  # element type when type is list


SCHEMA: tuple[Key, ...] = (
    Key("home", str, "", "Where you live: a city ('Stuttgart'), 'City, Country' or 'lat,lon'."),
    Key(
        "timezone",
        str,
        "",
        "Your home time zone (IANA, e.g. 'Europe/Berlin'); default: the home place's zone.",
    ),
    Key("me", list, [], "Your own e-mail addresses, to recognise invitations you declined.", list_of=str),
    Key(
        "calendars",
        list,
        [],
        "Calendars: .ics files, vdir folders, http(s)/webcal URLs, caldav+https URLs.",
        list_of=str,
    ),
    Key(
        "contacts",
        list,
        [],
        "Address books: .vcf files, CSV exports, vdir folders, carddav+https URLs.",
        list_of=str,
    ),
    Key("days", int, 30, "How many days ahead to look for trips."),
    Key("radius_km", (int, float), 50, "How far from the destination a contact may live or work."),
    Key("away_km", (int, float), 60, "How far from home an evening must be to count as a night away."),
    Key("dinner", str, "18:30-22:00", "The dinner window at the destination, local time 'HH:MM-HH:MM'."),
    Key("top", int, 3, "How many people to call per evening."),
    Key("backups", int, 2, "How many backups to list after them."),
    Key("lang", str, "de", "Default language of the messages.", choices=("de", "en")),
    Key(
        "register",
        str,
        "formal",
        "Default form of address: formal (Sie) or informal (du).",
        choices=("formal", "informal"),
    ),
    Key("format", str, "text", "Default output format.", choices=("text", "json", "markdown", "html", "ics")),
    Key("name", str, "", "Your name, as it appears in the messages."),
    Key("phone", str, "", "Your phone number, for the messages."),
    Key("templates", str, "", "A folder with your own templates; a file there overrides the shipped one."),
    Key(
        "cache_dir",
        str,
        "",
        "Where caches live (gazetteer index, fetched calendars); default: platform cache dir.",
    ),
    Key("data_dir", str, "", "Where the interaction log and nightly state live; default: platform data dir."),
    Key("geocoder.offline", bool, True, "Never send an address to an online geocoder."),
    Key("geocoder.online", str, "", "geopy geocoder to use when offline = false, e.g. 'nominatim'."),
    Key("geocoder.user_agent", str, "dinnerbot", "User agent sent to the online geocoder."),
    Key("geocoder.min_delay_seconds", (int, float), 1.0, "Pause between two online geocoder requests."),
    Key("geocoder.domain", str, "", "Server of the online geocoder, e.g. a self-hosted Nominatim "
        "'http://nominatim.internal:8080'; default: the service's public one."),
    Key("geocoder.api_key", str, "", "Name of the environment variable holding the online geocoder's API key."),
    Key("nightly.lead_days", int, 7, "`plan --cron` reports a trip this many days before it starts."),
    Key("nightly.remind_on_start", bool, True, "`plan --cron` reports a trip again on the morning it starts."),
    Key("smtp.host", str, "", "SMTP server for `plan --mail`."),
    Key("smtp.port", int, 0, "SMTP port; 0: 587 for starttls, 465 for ssl, 25 for none."),
    Key("smtp.security", str, "starttls", "starttls, ssl or none.", choices=("starttls", "ssl", "none")),
    Key("smtp.user", str, "", "SMTP login; empty: no login."),
    Key("smtp.password_env", str, "", "Name of the environment variable holding the SMTP password "
        "(else the keyring, service 'dinnerbot-smtp')."),
    Key("smtp.from", str, "", "Sender address; default: smtp.user."),
    Key("smtp.to", list, [], "Where `plan --mail` sends the digest.", list_of=str),
)

_KEYS = {k.name: k for k in SCHEMA}
_SECTIONS = {k.name.split(".")[0] for k in SCHEMA if "." in k.name}


@dataclass(frozen=True, slots=True)
class Config:
    """The validated settings; ``values`` maps every schema key to its value."""

    path: Path | None
    values: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)  # sections owned by other modules
    warnings: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def with_overrides(self, **overrides: Any) -> Config:
        """Command-line options win over the file; ``None`` means 'not given'."""
        values = dict(self.values)
        problems = []
        for name, value in overrides.items():
            key = name.replace("__", ".")
            if value is None or value == () or value == []:
                continue
            if key not in _KEYS:
                raise KeyError(key)
            if isinstance(value, tuple):
                value = list(value)
            problem = _check(_KEYS[key], value)
            if problem:
                problems.append(f"--{key.replace('_', '-')}: {problem}")
            values[key] = value
        if problems:
            raise ConfigError("; ".join(problems))
        return replace(self, values=values)

    @property
    def cache_dir(self) -> Path:
        if self.values.get("cache_dir"):
            return Path(self.values["cache_dir"]).expanduser()
        if os.environ.get(ENV_CACHE):
            return Path(os.environ[ENV_CACHE])
        import platformdirs

        return Path(platformdirs.user_cache_dir("dinnerbot"))

    @property
    def data_dir(self) -> Path:
        if self.values.get("data_dir"):
            return Path(self.values["data_dir"]).expanduser()
        if os.environ.get(ENV_DATA):
            return Path(os.environ[ENV_DATA])
        import platformdirs

        return Path(platformdirs.user_data_dir("dinnerbot"))

    def resolve_path(self, value: str) -> str:
        """A relative path in the config file is relative to the file; URLs stay as they are."""
        if "://" in value:
            return value
        path = Path(value).expanduser()
        if not path.is_absolute() and self.path is not None:
            path = self.path.parent / path
        return str(path)


def defaults() -> dict[str, Any]:
    return {k.name: (list(k.default) if isinstance(k.default, list) else k.default) for k in SCHEMA}


def find_config(explicit: str | None) -> Path | None:
    """--config, then $DINNERBOT_CONFIG, then the platform's config dir; None when there is none."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]).expanduser()
    import platformdirs

    path = Path(platformdirs.user_config_dir("dinnerbot")) / "config.toml"
    return path if path.exists() else None


def load_config(explicit: str | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return Config(path=None, values=defaults())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found", hint="create it from examples/dinnerbot.toml"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: Mapping[str, Any], path: Path | None = None) -> Config:
    values = defaults()
    problems: list[str] = []
    warnings: list[str] = []
    extra: dict[str, Any] = {}
    where = f" ({path})" if path else ""
    for name, value in _flatten(raw):
        key = _KEYS.get(name)
        section = name.split(".")[0]
        if key is None:
            if section in OWNED_SECTIONS:
                extra.setdefault(section, raw[section])
                continue
            warnings.append(f"{name}: unknown key, ignored{where}")
            continue
        problem = _check(key, value)
        if problem:
            problems.append(f"{name}: {problem}{where}")
        else:
            values[name] = value
    if problems:
        raise ConfigError("; ".join(problems), hint="see examples/dinnerbot.toml for every key")
    for name in ("calendars", "contacts", "templates", "cache_dir", "data_dir"):
        value = values[name]
        if isinstance(value, list):
            values[name] = [_resolve(v, path) for v in value]
        elif value:
            values[name] = _resolve(value, path)
    return Config(path=path, values=values, extra=extra, warnings=tuple(warnings))


# Sections whose keys are validated by the module that owns them (e.g. [ranking], [smtp], [nightly]).
OWNED_SECTIONS: set[str] = {"ranking", "credentials", "messages"}


def _flatten(raw: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for name, value in raw.items():
        full = f"{prefix}{name}"
        if isinstance(value, dict) and full in _SECTIONS | OWNED_SECTIONS:
            if full in OWNED_SECTIONS:
                items.append((full, value))
            else:
                items.extend(_flatten(value, f"{full}."))
        else:
            items.append((full, value))
    return items


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}
    if isinstance(t, tuple):
        return "a number" if set(t) == {int, float} else " or ".join(names.get(x, x.__name__) for x in t)
    return names.get(t, t.__name__)


def _check(key: Key, value: Any) -> str | None:
    ok = isinstance(value, key.kind) and not (isinstance(value, bool) and key.kind is not bool)
    if not ok:
        return f"expected {_type_name(key.kind)}, got {type(value).__name__} {value!r}"
    if key.list_of is not None and not all(isinstance(v, key.list_of) for v in value):
        return f"expected a list of {_type_name(key.list_of).removeprefix('a ').removeprefix('an ')}s"
    if key.choices and value not in key.choices:
        return f"expected one of {', '.join(key.choices)}, got {value!r}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return f"expected a positive number, got {value!r}"
    if key.name == "dinner":
        from dinnerbot.clock import parse_window

        try:
            parse_window(value)
        except ValueError as exc:
            return str(exc)
    return None


def _resolve(value: str, path: Path | None) -> str:
    if "://" in value:
        return value
    p = Path(value).expanduser()
    if not p.is_absolute() and path is not None:
        p = path.parent / p
    return str(p)


def secret(name: str) -> str | None:
    """A credential from the environment (the only place config reads env vars for secrets)."""
    return os.environ.get(name)


def config_reference() -> str:
    """The config reference as markdown, built from the schema (docs cannot drift)."""
    lines = ["| key | type | default | what |", "|---|---|---|---|"]
    for k in SCHEMA:
        lines.append(f"| `{k.name}` | {_type_name(k.kind)} | `{k.default!r}` | {k.help} |")
    return "\n".join(lines)


__all__ = ["Config", "SCHEMA", "load_config", "parse_config", "find_config", "config_reference", "fields"]
