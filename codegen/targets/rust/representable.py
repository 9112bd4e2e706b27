"""What Rust cannot hold, found before rendering: lone surrogates and integers past ``i64``.

JSON allows ``"\\ud800"`` (a lone surrogate) in any string and integers of any size; Rust strings
are UTF-8 (no lone surrogates) and the generated code compares integer literals as ``i64``.  The
Rust target walks the whole IR first and reports every such value as an error with its file and
JSON pointer, so it exits 2 instead of writing a crate that does not compile (or failing with a
traceback half-way through rendering).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ...diagnostics import Diagnostics
from ...ir import model as ir

I64 = (-(2**63), 2**63 - 1)


def _lone_surrogate(text: str) -> str | None:
    for c in text:
        if 0xD800 <= ord(c) <= 0xDFFF:
            return f"\\u{ord(c):04x}"
    return None


def _walk(node: object, source: ir.Source | None, numeric: bool) -> Iterator[tuple[ir.Source | None, object, bool]]:
    """(nearest source, value, whether the value is compared as a Rust integer) for every leaf."""
    if isinstance(node, ir.Source):
        return
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        src = getattr(node, "source", None)
        if isinstance(src, ir.Source):
            source = src
        is_value = isinstance(node, (ir.LiteralType, ir.EnumMember, ir.TagDiscriminator))
        for f in dataclasses.fields(node):
            if f.name in ("kind", "source") or not f.compare:
                continue
            yield from _walk(getattr(node, f.name), source, is_value and f.name in ("value", "values"))
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(k, source, False)
            yield from _walk(v, source, numeric)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _walk(v, source, numeric)
    else:
        yield source, node, numeric


def check(program: ir.Program, diags: Diagnostics) -> bool:
    """Report what the Rust target cannot write; True if anything was reported."""
    found = False
    seen: set[tuple[str, str, str]] = set()

    def report(source: ir.Source | None, fallback: str, message: str, hint: str) -> None:
        nonlocal found
        file, _, pointer = fallback.partition("#")
        if source is not None:
            file, pointer = source.file, source.pointer
        if (file, pointer, message) in seen:
            return
        seen.add((file, pointer, message))
        found = True
        diags.error("unsupported", file, pointer, message, hint)

    roots: list[tuple[str, object, ir.Source | None]] = [(d.id, d, d.source) for d in program.decls]
    p = program.protocol
    if p is not None:
        file = p.source.file if p.source else ""
        pointers = {"name": "/name", "version": "/version", "doc": "/description", "client_role": "/roles/client",
                    "server_role": "/roles/server", "namespace": "/namespace", "profile": "/profile"}
        for attr, pointer in pointers.items():
            roots.append(("", getattr(p, attr), ir.Source(file, pointer)))
        roots += [("", m, m.source or p.source) for m in p.methods]
    roots += [("", c, c.source) for c in program.components]
    roots += [("", program.inputs, None)]
    for fallback, root, root_source in roots:
        for source, value, numeric in _walk(root, root_source, False):
            if isinstance(value, str):
                bad = _lone_surrogate(value)
                if bad:
                    report(
                        source,
                        fallback,
                        f"the string {value!r} holds a lone surrogate ({bad}), which Rust strings (UTF-8) cannot hold",
                        "write the whole character (a surrogate pair in JSON) or remove it; or leave this schema "
                        "out of the Rust target",
                    )
            elif numeric and isinstance(value, int) and not isinstance(value, bool):
                if not I64[0] <= value <= I64[1]:
                    report(
                        source,
                        fallback,
                        f"the value {value} does not fit a Rust i64 (the generated code compares enum, const "
                        "and tag values as i64)",
                        f"use values from {I64[0]} to {I64[1]}, or a string",
                    )
    return found
