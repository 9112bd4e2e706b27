"""What Rust cannot hold, found before rendering: lone surrogates and integers past ``i64``.

JSON allows ``"\\ud800"`` (a lone surrogate) in any string and integers of any size; Rust strings
are UTF-8 (no lone surrogates) and the generated code compares integer literals as ``i64``.  The
Rust target walks the whole IR first and reports every such value as an error with its file and
JSON pointer, so it exits 2 instead of writing a crate that does not compile (or failing with a
traceback half-way through rendering).

With ``--integers exact`` an integer ``enum``, ``const`` or tag value past ``i64`` is no error:
:func:`widen_big_integers` types such an enum or literal as an integer (``serde_json::Number``,
any size) and drops such a tag from the union's dispatch.  The schema checks, which compare numbers
on their decimal text, still accept exactly the listed values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...ir.passes import map_decl, map_expr

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


def _big(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and not I64[0] <= value <= I64[1]


def _widen(e: ir.TypeExpr) -> ir.TypeExpr:
    if isinstance(e, ir.LiteralType) and _big(e.value):
        return ir.IntType()
    if isinstance(e, ir.UnionType):
        d = e.discriminator
        if isinstance(d, ir.TagDiscriminator) and any(_big(v) for vs in d.values for v in vs):
            e = dataclasses.replace(e, discriminator=None)
        variants = tuple(dict.fromkeys(e.variants))  # two big literals are one integer now
        if len(variants) == 1:
            return variants[0]
        if len(variants) != len(e.variants):
            e = dataclasses.replace(e, variants=variants, discriminator=None)
    return e


def widen_big_integers(program: ir.Program, diags: Diagnostics) -> ir.Program:
    """``--integers exact``: ``program`` with every integer ``enum``/``const`` that holds a value past
    ``i64`` typed as an integer, and every tag with such a value dropped from its union (the checks
    keep the values; see the module docstring).  The same program when there is none."""
    decls = []
    changed = False
    for d in program.decls:
        new: ir.Decl = d
        if isinstance(d, ir.EnumDecl) and d.value_kind == "integer" and any(_big(m.value) for m in d.members):
            values = ", ".join(str(m.value) for m in d.members)
            note = f"One of {values} (an integer enum with a value past 64 bits: typed as any integer, and checked)."
            new = ir.AliasDecl(d.id, d.name, ir.IntType(), f"{d.doc}\n\n{note}" if d.doc else note, d.source)
            diags.info("big-integer-enum", d.source.file if d.source else "", d.source.pointer if d.source else "",
                       "an integer enum holds a value past 64 bits: its Rust type is serde_json::Number, and the "
                       "schema checks accept only the listed values")
        elif not isinstance(d, ir.EnumDecl):
            new = map_decl(d, _widen)
        changed = changed or new != d
        decls.append(new)
    components = tuple(
        dataclasses.replace(c, input=map_expr(c.input, _widen), output=map_expr(c.output, _widen)) for c in program.components
    )
    protocol = program.protocol
    if protocol is not None:
        methods = tuple(
            dataclasses.replace(
                m, params=map_expr(m.params, _widen), result=None if m.result is None else map_expr(m.result, _widen)
            )
            for m in protocol.methods
        )
        if methods != protocol.methods:
            protocol = dataclasses.replace(protocol, methods=methods)
    if not changed and components == program.components and protocol is program.protocol:
        return program
    return dataclasses.replace(program, decls=tuple(decls), components=components, protocol=protocol, _index={})


def check(program: ir.Program, diags: Diagnostics, exact: bool = False) -> bool:
    """Report what the Rust target cannot write; True if anything was reported.  With ``exact``
    (``--integers exact``, after :func:`widen_big_integers`) integers past ``i64`` are fine."""
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
            elif numeric and not exact and isinstance(value, int) and not isinstance(value, bool):
                if not I64[0] <= value <= I64[1]:
                    report(
                        source,
                        fallback,
                        f"the value {value} does not fit a Rust i64 (the generated code compares enum, const "
                        "and tag values as i64)",
                        f"use values from {I64[0]} to {I64[1]}, or a string",
                    )
    return found
