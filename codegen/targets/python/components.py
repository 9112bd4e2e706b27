"""IR components -> the view model of ``components.py``: the signatures to implement and the registration.

For every component of the manifests the generated module has a member of the ``Implementation``
protocol (``def <name>(self) -> ComponentFunction[Input, Output]``, a property so that a *module*
of plain functions satisfies it under mypy), and a ``ComponentSpec`` holding the name, description,
types, canonical schemas and the expected signature (for the start-up check's error message).
"""

from __future__ import annotations

from ...diagnostics import Diagnostics
from ...ir import model as ir
from ...records import dataclass, field
from ..naming import NameTable, snake
from .escape import py_comment, py_docstring, py_literal, py_str
from .format import format_chunk
from .types import AUTHORS_ALIAS, RESERVED_TYPE_NAMES, PythonTypeMapper

EXPORTS = (
    "COMPONENTS",
    "MANIFESTS",
    "ComponentFunction",
    "ComponentSpec",
    "Implementation",
    "ImplementationError",
    "check_implementation",
    "create_server",
    "register_components",
)
"""What ``components.py`` exports (re-exported by the package)."""
MODULE_NAMES = ("collections", "dataclasses", "inspect", "typing")
"""Modules ``components.py`` imports by name (schema types must not shadow them)."""
_PROTOCOL_MEMBERS = frozenset({"self", "mro"}) | RESERVED_TYPE_NAMES


def reserved_function_names() -> frozenset[str]:
    """Names a component's Python function cannot have (the generated code would rename it)."""
    return _PROTOCOL_MEMBERS


@dataclass
class PyComponent:
    name: str
    """The component's name (the server registers ``/<name>``)."""
    function: str
    """The Python function to implement."""
    description: str | None
    input: str
    output: str
    signature: str
    """The expected signature, as the start-up check prints it."""
    types: tuple[tuple[str, bool], ...] = ()
    """The input's and the output's declared names, each with whether it is an author's type (in
    ``component_types.py``) rather than the protocol's (for a stub's imports)."""
    member: str = ""
    """The ``Implementation`` member (indented, formatted)."""
    spec: str = ""
    """The ``ComponentSpec(...)`` entry (indented by 4, black-stable)."""


@dataclass
class ComponentsModel:
    components: list[PyComponent]
    manifests_doc: str
    """The manifests' paths, for the docstring."""
    manifests_str: str
    """The manifests' paths, as a Python string literal."""
    example: str
    """A ``def`` line to show in the docstring."""
    imports: list[str]
    """Protocol types, from ``types.py``."""
    author_imports: list[str]
    """Authors' types, from ``component_types.py``."""
    authors_alias: str | None
    """The name ``component_types`` is imported under for authors' types named like a name of this module."""
    context: str
    server: str
    stdio_server: str
    exports: list[str] = field(default_factory=lambda: sorted(EXPORTS))


def json_literal(value: ir.JSON, indent: str) -> str:
    """A Python literal for a JSON value, objects and arrays exploded one item per line with a
    trailing comma (black keeps such "magic trailing comma" collections exactly as written)."""
    inner = indent + "    "
    if isinstance(value, dict) and value:
        items = "".join(f"{inner}{py_str(str(k))}: {json_literal(v, inner)},\n" for k, v in value.items())
        return "{\n" + items + indent + "}"
    if isinstance(value, list) and value:
        items = "".join(f"{inner}{json_literal(v, inner)},\n" for v in value)
        return "[\n" + items + indent + "]"
    return py_literal(value)


def build_components(
    program: ir.Program, mapper: PythonTypeMapper, diags: Diagnostics, context: str, server: str, stdio_server: str
) -> ComponentsModel:
    names = NameTable("python function", _PROTOCOL_MEMBERS)
    out: list[PyComponent] = []
    # an author's type named like a protocol type or a name of this module is named through its module
    taken_here = set(EXPORTS) | set(MODULE_NAMES) | {context, server, stdio_server} | set(mapper.protocol_names().values())
    mapper.in_module("components")
    mapper.local = {k: f"{AUTHORS_ALIAS}.{mapper.name_of[k]}" for k in mapper.author if mapper.name_of[k] in taken_here}
    for c in program.components:
        where = f"{c.source.file}#{c.source.pointer}" if c.source else c.name
        function = names.claim(snake(c.name) or "component", c.name, where)
        input_type = mapper.expr(c.input, c.source)
        output_type = mapper.expr(c.output, c.source)
        pc = PyComponent(
            name=c.name,
            function=function,
            description=c.description,
            input=input_type,
            output=output_type,
            signature=f"def {function}(input: {input_type}[, context: {context}]) -> {output_type}",
            types=tuple(
                (mapper.name_of[e.target], e.target in mapper.author) for e in (c.input, c.output) if isinstance(e, ir.RefType)
            ),
        )
        doc = py_docstring(c.description or f"The component /{c.name}.", " " * 8)
        pc.member = format_chunk(
            "    @property\n"
            f"    def {function}(self) -> ComponentFunction[{input_type}, {output_type}]:\n"
            f"        {doc}\n"
            "        ...\n"
        )
        fields = [
            ("name", py_str(c.name)),
            ("function", py_str(function)),
            ("description", py_str(c.description) if c.description is not None else "None"),
            ("input_type", input_type),
            ("output_type", output_type),
            ("signature", py_str(pc.signature)),
            ("input_schema", json_literal(c.input_schema, " " * 8)),
            ("output_schema", json_literal(c.output_schema, " " * 8)),
        ]
        pc.spec = "    ComponentSpec(\n" + "".join(f"        {k}={v},\n" for k, v in fields) + "    ),\n"
        out.append(pc)
    for r in names.renames:
        file, _, pointer = r.where.partition("#")
        diags.info("renamed", file, pointer, f"the Python function of component {r.original!r} is {r.chosen!r} ({r.reason})")
    used = sorted(mapper.used)
    imports = {mapper.name_of[t] for t in used if t not in mapper.author}
    author_imports = {mapper.name_of[t] for t in used if t in mapper.author and t not in mapper.local}
    aliased = any(t in mapper.local for t in used)
    mapper.in_module("types")
    taken = set(mapper.protocol_names().values())
    for name in [*EXPORTS, *MODULE_NAMES]:
        if name in taken:
            diags.error(
                "name-collision",
                "",
                "",
                f"schema type {name!r} collides with a name of the generated components module",
                "rename the schema type (its $defs key or title)",
            )
    manifests = sorted({c.source.file for c in program.components if c.source})
    first = out[0]
    return ComponentsModel(
        components=out,
        manifests_doc=", ".join(py_comment(m).replace("\\", "/").replace('"', "'") for m in manifests),
        manifests_str=py_str(", ".join(manifests)),
        example=f"def {first.function}(input: {first.input}, context: {context}) -> {first.output}: ...",
        imports=sorted(imports),
        author_imports=sorted(author_imports),
        authors_alias=AUTHORS_ALIAS if aliased else None,
        context=context,
        server=server,
        stdio_server=stdio_server,
    )


__all__ = ["ComponentsModel", "EXPORTS", "PyComponent", "build_components", "json_literal"]
