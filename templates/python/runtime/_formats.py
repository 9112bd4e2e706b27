"""Checks of the string formats ``--formats assert`` asserts (RFC 3339 dates and times, ISO 8601
durations, e-mail addresses, host names, IP addresses, URIs, UUIDs, regular expressions, JSON
pointers), written as small ASCII parsers that the TypeScript and Rust runtimes follow step by step.

Part of the generated package's runtime (copied only when a schema asserts a format); nothing here
is generated.  stepflow-codegen's reference checks are these same functions (but ``regex``, which
it checks as ECMA-262; docs/conformance.md).
"""

from __future__ import annotations

import re

__all__ = [
    "is_date",
    "is_date_time",
    "is_duration",
    "is_email",
    "is_hostname",
    "is_ipv4",
    "is_ipv6",
    "is_json_pointer",
    "is_regex",
    "is_relative_json_pointer",
    "is_time",
    "is_uri",
    "is_uri_reference",
    "is_uuid",
]

_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"
_ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _num(s: str, i: int, n: int) -> int:
    """The ``n`` ASCII digits at ``s[i:]`` as a number, -1 when they are not all digits."""
    if i + n > len(s):
        return -1
    v = 0
    for k in range(i, i + n):
        c = s[k]
        if c not in _DIGITS:
            return -1
        v = v * 10 + ord(c) - 48
    return v


def is_date(s: str) -> bool:
    if len(s) != 10 or s[4] != "-" or s[7] != "-":
        return False
    y, m, d = _num(s, 0, 4), _num(s, 5, 2), _num(s, 8, 2)
    if y < 0 or m < 1 or m > 12 or d < 1:
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[m - 1]
    return d <= days


def is_time(s: str) -> bool:
    if len(s) < 9 or s[2] != ":" or s[5] != ":":
        return False
    h, m, sec = _num(s, 0, 2), _num(s, 3, 2), _num(s, 6, 2)
    if h < 0 or h > 23 or m < 0 or m > 59 or sec < 0 or sec > 60:
        return False
    i = 8
    if s[i] == ".":
        i += 1
        start = i
        while i < len(s) and s[i] in _DIGITS:
            i += 1
        if i == start:
            return False
    if i >= len(s):
        return False
    c = s[i]
    if c in "Zz":
        if i + 1 != len(s):
            return False
        offset = 0
    elif c in "+-":
        if len(s) != i + 6 or s[i + 3] != ":":
            return False
        oh, om = _num(s, i + 1, 2), _num(s, i + 4, 2)
        if oh < 0 or oh > 23 or om < 0 or om > 59:
            return False
        offset = (oh * 60 + om) * (1 if c == "+" else -1)
    else:
        return False
    if sec == 60:
        utc = (h * 60 + m - offset) % 1440
        return utc == 23 * 60 + 59
    return True


def is_date_time(s: str) -> bool:
    return len(s) > 11 and s[10] in "Tt" and is_date(s[:10]) and is_time(s[11:])


def is_duration(s: str) -> bool:
    if len(s) < 2 or s[0] != "P":
        return False
    n = len(s)
    i = 1
    units = "YMD"
    pos = 0
    seen = False
    while i < n and s[i] != "T":
        j = i
        while j < n and s[j] in _DIGITS:
            j += 1
        if j == i or j == n:
            return False
        if s[j] == "W":
            return not seen and j + 1 == n
        k = units.find(s[j], pos)
        if k < 0:
            return False
        pos, seen, i = k + 1, True, j + 1
    if i < n:
        i += 1
        units, pos, timed = "HMS", 0, False
        while i < n:
            j = i
            while j < n and s[j] in _DIGITS:
                j += 1
            if j == i or j == n:
                return False
            k = units.find(s[j], pos)
            if k < 0:
                return False
            pos, timed, i = k + 1, True, j + 1
        if not timed:
            return False
        seen = True
    return seen


def is_hostname(s: str) -> bool:
    if len(s) == 0 or len(s) > 253:
        return False
    for label in s.split("."):
        if len(label) == 0 or len(label) > 63 or label[0] == "-" or label[-1] == "-":
            return False
        for c in label:
            if c not in _ALPHA and c not in _DIGITS and c != "-":
                return False
    return True


def is_ipv4(s: str) -> bool:
    parts = s.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if len(p) == 0 or len(p) > 3 or (len(p) > 1 and p[0] == "0"):
            return False
        v = _num(p, 0, len(p))
        if v < 0 or v > 255:
            return False
    return True


def _ipv6_groups(part: str, last: bool) -> int:
    """The number of 16-bit groups ``part`` (groups separated by ``:``) holds, -1 when malformed;
    ``last``: its last group may be an IPv4 address (two groups)."""
    if part == "":
        return 0
    groups = part.split(":")
    count = 0
    for i, g in enumerate(groups):
        if last and i == len(groups) - 1 and "." in g:
            if not is_ipv4(g):
                return -1
            count += 2
        elif 1 <= len(g) <= 4 and all(c in _HEX for c in g):
            count += 1
        else:
            return -1
    return count


def is_ipv6(s: str) -> bool:
    k = s.find("::")
    if k < 0:
        return _ipv6_groups(s, True) == 8
    head, tail = _ipv6_groups(s[:k], False), _ipv6_groups(s[k + 2 :], True)
    return head >= 0 and tail >= 0 and head + tail <= 7


def is_uuid(s: str) -> bool:
    if len(s) != 36:
        return False
    for i, c in enumerate(s):
        if i in (8, 13, 18, 23):
            if c != "-":
                return False
        elif c not in _HEX:
            return False
    return True


_UNRESERVED = _ALPHA + _DIGITS + "-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCHAR = _UNRESERVED + _SUB_DELIMS + ":@"


def _uri_chars(s: str, allowed: str) -> bool:
    """Every character of ``s`` is in ``allowed`` or is a ``%`` followed by two hex digits."""
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            if i + 2 >= len(s) or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                return False
            i += 3
            continue
        if c not in allowed:
            return False
        i += 1
    return True


def _authority(a: str) -> bool:
    at = a.rfind("@")
    if at >= 0:
        if not _uri_chars(a[:at], _UNRESERVED + _SUB_DELIMS + ":"):
            return False
        a = a[at + 1 :]
    if a.startswith("["):
        end = a.find("]")
        if end < 0:
            return False
        inside, rest = a[1:end], a[end + 1 :]
        if inside[:1] in ("v", "V"):
            dot = inside.find(".")
            if (
                dot < 2
                or not all(c in _HEX for c in inside[1:dot])
                or dot + 1 == len(inside)
            ):
                return False
            if (
                not _uri_chars(inside[dot + 1 :], _UNRESERVED + _SUB_DELIMS + ":")
                or "%" in inside
            ):
                return False
        elif not is_ipv6(inside):
            return False
    else:
        colon = a.rfind(":")
        host, rest = (a[:colon], a[colon:]) if colon >= 0 else (a, "")
        if not _uri_chars(host, _UNRESERVED + _SUB_DELIMS):
            return False
    if rest == "":
        return True
    return rest[0] == ":" and all(c in _DIGITS for c in rest[1:])


def _relative(s: str, scheme: bool) -> bool:
    """The part of a URI after the scheme's ``:`` (``scheme``), or a relative reference."""
    hash_ = s.find("#")
    if hash_ >= 0:
        if not _uri_chars(s[hash_ + 1 :], _PCHAR + "/?"):
            return False
        s = s[:hash_]
    q = s.find("?")
    if q >= 0:
        if not _uri_chars(s[q + 1 :], _PCHAR + "/?"):
            return False
        s = s[:q]
    if s.startswith("//"):
        slash = s.find("/", 2)
        auth, path = (s[2:slash], s[slash:]) if slash >= 0 else (s[2:], "")
        if not _authority(auth):
            return False
        return _uri_chars(path, _PCHAR + "/")
    if not scheme:
        first = s.split("/", 1)[0]
        if ":" in first:
            return False
    return _uri_chars(s, _PCHAR + "/")


def _scheme_end(s: str) -> int:
    """The index of the ``:`` ending a scheme at the start of ``s``, -1 when there is none."""
    if s == "" or s[0] not in _ALPHA:
        return -1
    for i, c in enumerate(s):
        if c == ":":
            return i
        if c not in _ALPHA and c not in _DIGITS and c not in "+-.":
            return -1
    return -1


def is_uri(s: str) -> bool:
    end = _scheme_end(s)
    return end > 0 and _relative(s[end + 1 :], True)


def is_uri_reference(s: str) -> bool:
    return is_uri(s) or _relative(s, False)


def is_email(s: str) -> bool:
    at = s.rfind("@")
    if at <= 0:
        return False
    local, domain = s[:at], s[at + 1 :]
    if local[0] == '"':
        if len(local) < 2 or local[-1] != '"':
            return False
        i = 1
        while i < len(local) - 1:
            c = local[i]
            if c == "\\":
                if i + 1 >= len(local) - 1 or not (" " <= local[i + 1] <= "~"):
                    return False
                i += 2
                continue
            if c == '"' or not (" " <= c <= "~"):
                return False
            i += 1
    else:
        for atom in local.split("."):
            if atom == "":
                return False
            for c in atom:
                if (
                    c not in _ALPHA
                    and c not in _DIGITS
                    and c not in "!#$%&'*+-/=?^_`{|}~"
                ):
                    return False
    if domain.startswith("[") and domain.endswith("]"):
        inside = domain[1:-1]
        if inside.startswith("IPv6:"):
            return is_ipv6(inside[5:])
        return is_ipv4(inside)
    return is_hostname(domain)


def is_json_pointer(s: str) -> bool:
    if s != "" and s[0] != "/":
        return False
    i = 0
    while i < len(s):
        if s[i] == "~":
            if i + 1 >= len(s) or s[i + 1] not in "01":
                return False
            i += 2
            continue
        i += 1
    return True


def is_relative_json_pointer(s: str) -> bool:
    i = 0
    while i < len(s) and s[i] in _DIGITS:
        i += 1
    if i == 0 or (i > 1 and s[0] == "0"):
        return False
    rest = s[i:]
    return rest == "#" or is_json_pointer(rest)


def is_regex(s: str) -> bool:
    """Python's ``re`` compiles it (ECMA-262 and Python differ at the edges: ``(?<name>...)``
    needs Python 3.x's ``(?P<name>...)``, ``\\d`` is Unicode in Python... see docs/conformance.md).
    """
    try:
        re.compile(s)
    except (re.error, OverflowError, RecursionError):
        return False
    return True
