"""The Python target: msgspec Structs, codecs and typed JSON-RPC messages."""

from __future__ import annotations

from ...diagnostics import Diagnostics
from ...ir import model as ir
from .. import ComponentSignature, TargetOptions, TypeName
from .render import PythonOptions, render_python

OWNED_SUFFIXES = (".py", ".pyi", ".typed")


def check_name(name: str) -> str | None:
    """An error message if ``name`` cannot be the package name."""
    if not name.isidentifier():
        return f"the package name {name!r} (the output directory's name) is not a Python identifier; pass --package NAME"
    return None


# defined after the import of the ``render`` submodule, so this function is what ``render`` names
def render(program: ir.Program, options: TargetOptions, diags: Diagnostics) -> dict[str, str]:
    untracked = options.struct_gc == "untracked"
    python_options = PythonOptions(options.name, options.command, options.defaults, options.templates, untracked)
    return render_python(program, python_options, diags)


def component_signatures(program: ir.Program, options: TargetOptions) -> dict[str, ComponentSignature]:
    """Per component, the function and the types ``components.py`` names (what a scaffold's stubs
    must name; see :class:`~stepflow_codegen.targets.ComponentSignature`)."""
    from ...analysis.defaults import write_default_ids
    from .components import build_components
    from .render import FILTERS
    from .rpc import build_model
    from .types import AUTHOR_MODULE, PythonTypeMapper
    from ...templating import environment

    diags = Diagnostics()
    mapper = PythonTypeMapper(program, diags, options.defaults, write_default_ids(program))
    rpc = build_model(program, mapper, diags, environment("python", FILTERS, options.templates))
    model = build_components(program, mapper, diags, rpc.context, rpc.server, rpc.stdio_server)
    out: dict[str, ComponentSignature] = {}
    for c in model.components:
        (i, i_mine), (o, o_mine) = c.types
        out[c.name] = ComponentSignature(
            c.name,
            c.function,
            TypeName(AUTHOR_MODULE if i_mine else "types", i),
            TypeName(AUTHOR_MODULE if o_mine else "types", o),
            rpc.context,
        )
    return out
