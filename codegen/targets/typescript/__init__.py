"""The TypeScript target: interfaces and literal-union types, dependency-free runtime validators and
(for a protocol) a typed JSON-RPC method table.  Generation needs no Node; the output passes
``tsc --strict`` and ``prettier --check`` as written."""

from __future__ import annotations

import re

from ...diagnostics import Diagnostics
from ...ir import model as ir
from .. import ComponentSignature, TargetOptions
from .render import TsOptions, render_typescript  # before render() below, which must win the name

OWNED_SUFFIXES = (".ts", ".json")

_NPM_NAME = re.compile(r"(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*")


def check_name(name: str) -> str | None:
    """The package name (``--package``, else the output directory's name) must be a valid npm name."""
    if len(name) > 214 or not _NPM_NAME.fullmatch(name):
        return (
            f"{name!r} is not a valid npm package name (lower case letters, digits, '-', '.', '_', '~', "
            "optionally '@scope/'); pass --package NAME"
        )
    return None


def render(program: ir.Program, options: TargetOptions, diags: Diagnostics) -> dict[str, str]:
    return render_typescript(program, TsOptions(options.name, options.command, options.templates, options.defaults), diags)


def component_signatures(program: ir.Program, options: TargetOptions) -> dict[str, ComponentSignature]:
    """Per component, the function and the types ``components.ts`` names (what a scaffold's stubs
    must name; see :class:`~stepflow_codegen.targets.ComponentSignature`)."""
    from .render import component_signatures as signatures

    return signatures(program, options.defaults)
