"""Site files: TOML read into :class:`crawler.sites.SiteDescription`, or refused in one line.

A site file holds one ``[sites.NAME]`` table per site; its keys are the description's fields
(``politeness`` a table of its own). What a field may hold is read from the model itself (its
type hints), so a new field needs no change here. Every problem - an unknown field, a wrong
type, a bad regular expression, a URL without a scheme, a TOML syntax error - becomes a
:class:`SiteFileError` whose message names the file, the site and the field, e.g.

    sites.d/mysite.toml: site 'mysite': field 'base_url': 'example.com' has no scheme: ...

TOML is read with the standard library's ``tomllib``; :func:`site_to_toml` writes a description
back (what ``pitboard sites add`` saves), by hand, with every string escaped.
"""

from __future__ import annotations

import json
import tomllib
import types
import typing
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from crawler.sites import Politeness, SiteDescription, SiteError, default_domains

#: Fields a file may not set: the table's name is the site's name, the sample sites are built
#: in code, and the source is the file itself.
NOT_IN_FILES = frozenset({"name", "sample", "source"})


class SiteFileError(ValueError):
    """A site file cannot be used; the message is one line naming file, site and field."""


def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in fields(cls) if f.name not in NOT_IN_FILES}


def _type_name(hint: Any, plural: bool = False) -> str:
    origin = typing.get_origin(hint)
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(hint)[0], plural=True)}"
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return " or ".join(_type_name(a, plural) for a in args)
    names = {str: ("a string", "strings"), bool: ("true or false", "booleans")}
    names.update({int: ("an integer", "integers"), float: ("a number", "numbers")})
    single, many = names.get(hint, (str(hint), str(hint)))
    return many if plural else single


def _convert(hint: Any, value: Any) -> Any:
    """``value`` as the model's ``hint`` wants it; TypeError when it cannot be."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        for arg in args:
            try:
                return _convert(arg, value)
            except TypeError:
                continue
        raise TypeError
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise TypeError
        return value
    raise TypeError


def _fail(path: Path, site: str | None, field_name: str | None, message: str) -> SiteFileError:
    where = f"{path}"
    if site is not None:
        where += f": site {site!r}"
    if field_name is not None:
        where += f": field {field_name!r}"
    return SiteFileError(f"{where}: {message}")


def _politeness(path: Path, name: str, value: Any) -> Politeness:
    if not isinstance(value, dict):
        raise _fail(path, name, "politeness", f"expected a table, got {_toml_type(value)}")
    types_ = _field_types(Politeness)
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        if key not in types_:
            raise _fail(
                path, name, f"politeness.{key}", f"unknown field (known: {', '.join(types_)})"
            )
        try:
            kwargs[key] = _convert(types_[key], item)
        except TypeError:
            expected = _type_name(types_[key])
            raise _fail(
                path, name, f"politeness.{key}", f"expected {expected}, got {_toml_type(item)}"
            ) from None
    try:
        return Politeness(**kwargs)
    except SiteError as exc:
        raise _fail(path, name, exc.field, exc.reason) from None


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def site_from_table(path: Path, name: str, table: Any) -> SiteDescription:
    """The description ``[sites.NAME]`` of ``path`` gives; SiteFileError when it is wrong."""
    if not isinstance(table, dict):
        raise _fail(path, name, None, f"expected a table [sites.{name}], got {_toml_type(table)}")
    types_ = _field_types(SiteDescription)
    kwargs: dict[str, Any] = {"name": name, "source": str(path)}
    for key, value in table.items():
        if key not in types_:
            known = ", ".join(sorted(types_))
            raise _fail(path, name, key, f"unknown field (known: {known})")
        if key == "politeness":
            kwargs[key] = _politeness(path, name, value)
            continue
        try:
            kwargs[key] = _convert(types_[key], value)
        except TypeError:
            expected = _type_name(types_[key])
            raise _fail(path, name, key, f"expected {expected}, got {_toml_type(value)}") from None
    kwargs.setdefault("base_url", None)
    try:
        return SiteDescription(**kwargs)
    except SiteError as exc:
        raise _fail(path, name, exc.field, exc.reason) from None


def read_site_file(path: Path) -> list[SiteDescription]:
    """Every site ``path`` describes, in file order; SiteFileError on the first problem."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise _fail(path, None, None, f"cannot be read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, None, None, f"is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"sites"})
    if unknown:
        message = f"unknown top-level key {unknown[0]!r}: describe sites as [sites.NAME]"
        raise _fail(path, None, None, message)
    tables = data.get("sites", {})
    if not isinstance(tables, dict):
        raise _fail(path, None, None, "'sites' must be a table of [sites.NAME] tables")
    return [site_from_table(path, name, table) for name, table in tables.items()]


# --- writing ---------------------------------------------------------------------------------


def _toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key):
        return key
    return _toml_string(key)


def _toml_string(value: str) -> str:
    """A TOML string for ``value``: a literal string when it can be one (regular expressions
    stay readable), else a basic string (JSON's escapes are a subset of TOML's)."""
    if "'" not in value and all(c >= " " and c != "\x7f" for c in value):
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, tuple | list):
        if not value:
            return "[]"
        items = [_toml_value(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= 80:
            return one_line
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def site_to_toml(site: SiteDescription) -> str:
    """The ``[sites.NAME]`` table of ``site``: ``base_url`` and the fields that differ from
    their defaults (``allowed_domains`` included, when it is not the one the base URL gives)."""
    if site.base_url is None:
        raise ValueError(f"{site.name} has no base URL: a site file needs one")
    defaults = {
        f.name: (f.default if f.default is not MISSING else f.default_factory())  # type: ignore[misc]
        for f in fields(SiteDescription)
        if f.default is not MISSING or f.default_factory is not MISSING
    }
    defaults["allowed_domains"] = default_domains(site.base_url)
    lines = [f"[sites.{_toml_key(site.name)}]"]
    for f in fields(SiteDescription):
        if f.name in NOT_IN_FILES or f.name == "politeness":
            continue
        value = getattr(site, f.name)
        if f.name == "base_url" or value != defaults.get(f.name, MISSING):
            lines.append(f"{f.name} = {_toml_value(value)}")
    polite = {
        f.name: getattr(site.politeness, f.name)
        for f in fields(Politeness)
        if getattr(site.politeness, f.name) is not None
    }
    if polite:
        lines += ["", f"[sites.{_toml_key(site.name)}.politeness]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in polite.items()]
    return "\n".join(lines) + "\n"
