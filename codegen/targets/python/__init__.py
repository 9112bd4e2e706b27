"""The Python target: msgspec Structs, codecs and typed JSON-RPC messages."""

from __future__ import annotations

from ...diagnostics import Diagnostics
from ...ir import model as ir
from .. import TargetOptions
from .render import PythonOptions, render_python

OWNED_SUFFIXES = (".py", ".pyi", ".typed")


def check_name(name: str) -> str | None:
    """An error message if ``name`` cannot be the package name."""
    if not name.isidentifier():
        return f"the package name {name!r} (the output directory's name) is not a Python identifier; pass --package NAME"
    return None


# defined after the import of the ``render`` submodule, so this function is what ``render`` names
def render(program: ir.Program, options: TargetOptions, diags: Diagnostics) -> dict[str, str]:
    return render_python(program, PythonOptions(options.name, options.command, options.defaults, options.templates), diags)
