"""The Rust target: a crate of serde types, validation and typed JSON-RPC messages."""

from __future__ import annotations

import re

from ...diagnostics import Diagnostics
from ...ir import model as ir
from .. import ComponentSignature, TargetOptions
from .render import RustOptions, render_rust  # before render() below, which must win the name

OWNED_SUFFIXES = (".rs", ".toml")

_NOT_CRATE_NAMES = frozenset({"std", "core", "alloc", "proc_macro", "test", "serde", "serde_json", "regex", "self", "super", "crate"})


def check_name(name: str) -> str | None:
    """An error message if ``name`` cannot be the crate name."""
    from .types import KEYWORDS

    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        return f"the crate name {name!r} (the output directory's name) is not a valid Rust crate name; pass --package NAME"
    lib = name.replace("-", "_")
    if lib in KEYWORDS or lib in _NOT_CRATE_NAMES:
        return f"the crate name {name!r} is reserved in Rust or clashes with a dependency; pass --package NAME"
    return None


def render(program: ir.Program, options: TargetOptions, diags: Diagnostics) -> dict[str, str]:
    from .representable import check, widen_big_integers

    exact = options.integers == "exact"
    if exact:
        program = widen_big_integers(program, diags)
    if check(program, diags, exact):
        return {}
    return render_rust(
        program,
        RustOptions(options.name, options.command, options.templates, integers=options.integers, defaults=options.defaults),
        diags,
    )


def component_signatures(program: ir.Program, options: TargetOptions) -> dict[str, ComponentSignature]:
    """Per component, the ``Components`` trait method and the types the generated crate gives it
    (what a scaffold's stubs must name; see :class:`~stepflow_codegen.targets.ComponentSignature`)."""
    from .representable import widen_big_integers
    from .server import component_signatures as signatures
    from .types import RustTypeMapper

    if options.integers == "exact":
        program = widen_big_integers(program, Diagnostics())
    mapper = RustTypeMapper(program, Diagnostics(), integers=options.integers, defaults=options.defaults)
    return signatures(program, mapper)
