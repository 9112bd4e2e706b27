"""Front end: JSON Schema files (+ an optional method table) -> :class:`~stepflow_codegen.ir.model.Program`."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostics, SchemaError
from ..ir import model as ir
from ..ir.validation import Validation as ValidationIR
from ..ir.lint import lint
from ..ir.passes import classify_unions, recognise_any_json
from .convert import Converter
from .loader import LoadError, Workspace
from .methods import MethodTableLoader
from .validation import ValidationBuilder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def build_program(
    inputs: list[Path],
    diags: Diagnostics,
    root_names: dict[str, str] | None = None,
    cwd: Path | None = None,
    uri_map: dict[str, Path] | None = None,
    allowed_roots: list[Path] | None = None,
    kinds: str = "convention",
    formats: str = "annotate",
) -> ir.Program:
    """Load, resolve and convert; raise :class:`SchemaError` if any error was found.

    ``root_names`` maps a schema file (as given, or its key) to the name of its root type.
    ``kinds``: ``"convention"`` types a schema without ``type`` by the one JSON kind its keywords
    apply to (``properties`` -> object); ``"spec"`` types it as any JSON value.  Validation is the
    same either way.  ``formats``: ``"annotate"`` keeps ``format`` as an annotation (the default, as
    JSON Schema says); ``"assert"`` asserts the formats of :data:`~..ir.formats.ASSERTED`.  ``uri_map`` serves references below a URI prefix from a local folder;
    ``allowed_roots`` are folders (besides those of the inputs) referenced files may be read from.
    """
    try:
        ws = Workspace(inputs, diags, cwd, allowed_roots=allowed_roots, uri_map=uri_map)
        if formats not in ("annotate", "assert"):
            raise ValueError(f"formats must be 'annotate' or 'assert', not {formats!r}")
        builder = ValidationBuilder(ws, diags, assert_formats=formats == "assert")
        for key in list(ws.inputs):
            if ws.docs[key].is_schema:
                builder.document(key)
        if diags.has_errors:
            # malformed keywords: report them before the shape conversion trips over them
            raise SchemaError(diags.sorted())
        conv = Converter(ws, diags, root_names, infer_kinds=kinds != "spec")
        protocol: ir.Protocol | None = None
        tables = [k for k in ws.inputs if ws.docs[k].is_method_table]
        if len(tables) > 1:
            raise LoadError(ws.display(tables[1]), "", "more than one method table given", "pass one protocol at a time")
        for key in list(ws.inputs):
            if ws.docs[key].is_schema:
                conv.convert_document(key)
        if tables:
            protocol = MethodTableLoader(ws, conv.named).load(ws.docs[tables[0]])
        components: dict[str, ir.Component] = {}
        manifests = [k for k in ws.inputs if ws.docs[k].is_component_manifest]
        if manifests:  # imported only for an input with component manifests
            from .components import ComponentManifestLoader
        for key in manifests:
            for comp in ComponentManifestLoader(ws, conv.named).load(ws.docs[key]):
                if comp.name in components:
                    first = components[comp.name].source
                    raise LoadError(
                        ws.display(key),
                        (comp.source.pointer if comp.source else "") + "/name",
                        f"component {comp.name!r} is also listed in {first.file if first else '?'}",
                        "component names are unique across manifests",
                    )
                components[comp.name] = comp
    except (LoadError, RecursionError) as e:
        _report(diags, e)
    if diags.has_errors:
        raise SchemaError(diags.sorted())
    try:
        validation = _validation(builder, conv.decls)
    except (LoadError, RecursionError) as e:
        _report(diags, e)
    if diags.has_errors:
        raise SchemaError(diags.sorted())
    decls = recognise_any_json(conv.decls)
    decls = classify_unions(decls)
    program = ir.Program(
        decls=tuple(decls[k] for k in sorted(decls)),
        roots=tuple(sorted(conv.roots, key=lambda r: (r.file, r.type))),
        protocol=protocol,
        inputs=tuple(ws.display(k) for k in ws.inputs),
        components=tuple(components[k] for k in sorted(components)),
        validation=validation,
    )
    if protocol is not None and protocol.error_codes is not None:
        ec = program.decl(protocol.error_codes)
        codes = {m.value for m in ec.members} if isinstance(ec, ir.EnumDecl) else None
        if codes is None:
            diags.error("load", protocol.source.file if protocol.source else "", "/errorCodes", "errorCodes must reference an integer enum")
        else:
            for m in protocol.methods:
                for c in m.errors:
                    if c not in codes:
                        diags.error(
                            "load",
                            m.source.file if m.source else "",
                            (m.source.pointer if m.source else "") + "/errors",
                            f"error code {c} of method {m.name!r} is not a value of the errorCodes enum",
                            "add it to the enum or remove it from the method",
                        )
        if diags.has_errors:
            raise SchemaError(diags.sorted())
    lint(program, diags, _included(conv.merged, program))
    return program


def _report(diags: Diagnostics, e: LoadError | RecursionError) -> NoReturn:
    """A load error or a schema too deep to walk, as a diagnostic; raises :class:`SchemaError`."""
    if isinstance(e, LoadError):
        diags.error("load", e.file, e.pointer, e.message, e.hint)
    else:
        diags.error("too-deep", "", "", "schema nesting is too deep to process", "flatten the schema with $defs")
    raise SchemaError(diags.sorted()) from None


def _validation(builder: ValidationBuilder, decls: dict[ir.TypeId, ir.Decl]) -> ValidationIR:
    """The validation graph: one node per schema location, and the node of every declaration."""
    types: dict[str, int] = {}
    for type_id in sorted(decls):
        key, pointer = type_id.split("#", 1)
        source = decls[type_id].source
        if source is not None:
            # a declaration the converter split off (``/object``, ``/enum``) validates with its schema's node
            pointer = source.pointer
        try:
            builder.ws.get(key, pointer)
        except (KeyError, ValueError):
            # a declaration hoisted out of a merged allOf names no schema location: it has no node
            # (targets check it by its shape; the declarations that use it are checked by theirs)
            continue
        types[type_id] = builder.node(key, pointer)
    return builder.finish(types)


def _included(merged: list[tuple[str, str, ir.TypeId]], program: ir.Program) -> dict[ir.TypeId, set[ir.TypeId]]:
    """Declaration -> the declarations its schema inlined through allOf or ``$ref`` merging."""
    out: dict[ir.TypeId, set[ir.TypeId]] = {}
    for file, pointer, target in merged:
        tokens = pointer.split("/")
        while tokens:
            owner = f"{file}#{'/'.join(tokens)}"
            if program.get(owner) is not None:
                out.setdefault(owner, set()).add(target)
                break
            tokens.pop()
    return out
