"""The TypeScript target: interfaces and literal-union types, dependency-free runtime validators and
(for a protocol) a typed JSON-RPC method table.  Generation needs no Node; the output passes
``tsc --strict`` and ``prettier --check`` as written."""

from __future__ import annotations

from ...diagnostics import Diagnostics
from ...ir import model as ir
from .. import TargetOptions
from .render import TsOptions, render_typescript  # before render() below, which must win the name

OWNED_SUFFIXES = (".ts",)


def check_name(name: str) -> str | None:
    """The output directory's name is not used in TypeScript code, so any name is fine."""
    return None


def render(program: ir.Program, options: TargetOptions, diags: Diagnostics) -> dict[str, str]:
    if options.defaults == "apply":
        diags.info(
            "defaults-ignored",
            "",
            "",
            "--defaults apply does not change the TypeScript output: types keep absent fields optional "
            "and every default is shown as an @default tag",
        )
    return render_typescript(program, TsOptions(options.name, options.command, options.templates), diags)
