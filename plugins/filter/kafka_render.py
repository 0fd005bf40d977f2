"""Filters that write inventory values into the files the roles render: Java properties
(server.properties, zoo.cfg), systemd environment files (broker.env) and unit files.

Validation refuses odd values earlier with a better message; these filters must still never let a
value turn into a second line (a second unclean.leader.election.enable=, an ExecStartPre= that
systemd would run as root), so each either escapes what its reader would misread or raises.
Values that need no escaping come out unchanged, so upgrading the toolkit does not rewrite (and
restart) a running cluster.

The rules are those of the Java and systemd documentation cited below; tests/unit/test_render.py
reads the output back with java.util.Properties and, where it can run, with systemd's own parser.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

# Escapes Properties.load understands by name; Properties.store writes the same ones.
_JAVA_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}
# In a key these end the key ('=', ':', ' '), start a comment at the start of the line ('#', '!')
# or start an escape ('\\').
_JAVA_KEY_SPECIALS = frozenset("\\ =:#!")
_JAVA_VALUE_SPECIALS = frozenset("\\")

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_FILE_QUOTED_ESCAPES = re.compile(r'(["\\`$])')
_ENVIRONMENT_NEEDS_QUOTES = frozenset(" \"'\\%")
_EXEC_ESCAPES = {"\\": "\\\\", " ": "\\s", '"': '\\"', "'": "\\'", "%": "%%", "$": "$$"}


def _java_escape(text: str, specials: frozenset[str]) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in specials:
            out.append("\\" + char)
        elif char in _JAVA_NAMED_ESCAPES:
            out.append(_JAVA_NAMED_ESCAPES[char])
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code > 0xFFFF:
            # \\u takes four hex digits: Java strings hold astral characters as UTF-16 pairs.
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            # load(InputStream) decodes ISO-8859-1, so anything beyond ASCII must be escaped.
            out.append(f"\\u{code:04X}")
    return "".join(out)


def _property_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def to_properties(properties: Mapping[Any, Any]) -> str:
    """Render a dict as a Java properties file body: sorted keys, booleans in lower case,
    lists joined with commas, null values left out (so an override can remove a default).

    Every entry is one `key=value` line that java.util.Properties.load(InputStream) reads back
    as the same key and value:
    - keys escape '\\', ' ', '=', ':', '#', '!' with a backslash;
    - values escape '\\' and a leading space; '=', ':', '#', '!' stay as they are, since after
      the separator the rest of the line is the value (`server.1=a:2888:3888` is unchanged);
    - in both, TAB, LF, CR and FF become \\t \\n \\r \\f, every other control character and every
      non-ASCII character \\uXXXX (astral ones as a UTF-16 surrogate pair), so the file is ASCII
      and a trailing backslash is always doubled and never joins the next line.
    """
    lines = []
    for key in sorted(properties):
        value = properties[key]
        if value is None:
            continue
        text = _java_escape(_property_text(value), _JAVA_VALUE_SPECIALS)
        if text.startswith(" "):
            # load() skips the blanks between the separator and the value.
            text = "\\" + text
        lines.append(f"{_java_escape(str(key), _JAVA_KEY_SPECIALS)}={text}")
    return "\n".join(lines) + "\n"


def _systemd_text(value: Any, filter_name: str) -> str:
    """The value as text, or ValueError if no systemd quoting can keep it on one line and intact."""
    text = str(value)
    for char in text:
        code = ord(char)
        if unicodedata.category(char) == "Cc":
            reason = "a control character"
        elif 0xD800 <= code <= 0xDFFF:
            reason = "a lone surrogate"
        elif 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE or code == 0xFEFF:
            # systemd's UTF-8 check refuses these and then drops the whole assignment.
            reason = "a Unicode noncharacter or byte order mark"
        else:
            continue
        raise ValueError(f"{filter_name}: {text!r} contains {reason} (U+{code:04X}), which systemd would "
                         "split into another line or drop; refusing to write it")
    return text


def systemd_env_value(value: Any) -> str:
    """The VALUE of a `KEY=VALUE` line in a file read by EnvironmentFile=.

    systemd.exec(5), EnvironmentFile=: an unquoted value loses leading and trailing whitespace
    and takes a backslash as escaping the next character; a value starting with a quote is
    parsed as quoted. Inside double quotes a backslash before one of " \\ ` $ stands for that
    character (other backslashes are kept, so nothing else is escaped). There is no variable
    expansion and no inline comment. The file must be UTF-8 without NUL, noncharacters or BOM.

    So a value is written bare unless it starts or ends with a space, starts with a quote or
    contains a backslash; then it is double-quoted. Control characters raise ValueError: a quoted
    newline would be read back, but no other reader of the file expects one.
    """
    text = _systemd_text(value, "systemd_env_value")
    if text and (text[0] in " '\"" or text[-1] == " " or "\\" in text):
        return '"' + _ENV_FILE_QUOTED_ESCAPES.sub(r"\\\1", text) + '"'
    return text


def systemd_environment(name: str, value: Any) -> str:
    """`NAME=VALUE` as the argument of an Environment= line of a unit file.

    systemd.exec(5), Environment=, and systemd.syntax(7), Quoting: the line is first expanded for
    specifiers ('%' must be '%%'), then split into words at whitespace; a word may be quoted
    whole, and C-style escapes (\\\\, \\", ...) are resolved inside and outside quotes. "$" has no
    special meaning. A line ending in a backslash would be joined with the next one.

    So the assignment stays bare unless the value has a space, a quote, a backslash or '%'; then
    the whole assignment is double-quoted with '\\' and '"' escaped and '%' doubled.
    """
    if not ENV_NAME.match(str(name)):
        raise ValueError(f"systemd_environment: {name!r} is not an environment variable name")
    text = _systemd_text(value, "systemd_environment")
    assignment = f"{name}={text}"
    if _ENVIRONMENT_NEEDS_QUOTES.isdisjoint(text):
        return assignment
    escaped = assignment.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{escaped}"'


def systemd_exec_word(value: Any) -> str:
    """A value as (part of) one word of an ExecStart= command line, without quotes so that the
    template can go on with a literal suffix such as `/%i.properties`.

    systemd.service(5), Command lines, and systemd.syntax(7): the line is expanded for specifiers
    ('%%' for '%'), split at whitespace, with quotes and C-style escapes resolved (\\s is a
    space, \\\\ a backslash, \\" and \\' quotes); "$$" passes a literal '$' where '$NAME' and
    '${NAME}' would be substituted; a lone ';' separates commands.

    An empty value (the word would vanish) and a lone ';' raise ValueError, like control
    characters. A leading '-', '@', ':', '+' or '!' of the executable is a prefix to systemd;
    absolute paths, which validation requires, never start with one.
    """
    text = _systemd_text(value, "systemd_exec_word")
    if text in ("", ";"):
        raise ValueError(f"systemd_exec_word: {text!r} cannot be written as a word of a command line")
    return "".join(_EXEC_ESCAPES.get(char, char) for char in text)


def systemd_unit_value(value: Any) -> str:
    """A value of a unit file setting that takes it literally (User=, Group=, LimitNOFILE=,
    EnvironmentFile=, Description=...).

    systemd.syntax(7): settings are one line; a trailing backslash joins the next line, and
    whitespace around the value is stripped; an empty value resets a setting to its default
    (User= empty is root). systemd.unit(5), Specifiers: '%' must be written '%%'.

    So '%' is doubled, and a value that is empty, starts or ends with a space or ends with a
    backslash raises ValueError, like one with a control character.
    """
    text = _systemd_text(value, "systemd_unit_value")
    if not text or text != text.strip(" ") or text.endswith("\\"):
        raise ValueError(f"systemd_unit_value: {text!r} is empty, has spaces around it or ends with a "
                         "backslash, which systemd would not read back as written")
    return text.replace("%", "%%")


def single_line(value: Any) -> str:
    """The value unchanged, for text inside a comment; ValueError if it would add a line."""
    text = str(value)
    for char in text:
        if unicodedata.category(char) == "Cc":
            raise ValueError(f"single_line: {text!r} contains a control character (U+{ord(char):04X}), "
                             "which would start a new line; refusing to write it")
    return text


class FilterModule:
    """Rendering filters for the roles' templates."""

    def filters(self) -> dict:
        return {
            "to_properties": to_properties,
            "systemd_env_value": systemd_env_value,
            "systemd_environment": systemd_environment,
            "systemd_exec_word": systemd_exec_word,
            "systemd_unit_value": systemd_unit_value,
            "single_line": single_line,
        }
