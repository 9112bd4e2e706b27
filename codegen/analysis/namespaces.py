"""Which declarations are the protocol's and which are a component author's: one decision for
every target.

A project's own component types live in a namespace (a module) of their own, apart from the
protocol's, so an author's ``Error`` or ``Component`` never touches the protocol's types.  Each
namespace has its own name table; the same name may exist in both.
"""

from __future__ import annotations

from ..ir import model as ir
from ..ir.passes import reachable


def author_decls(program: ir.Program) -> frozenset[str]:
    """The declarations of the component authors' namespace (empty without components or without
    a method table: then everything is in the one namespace, as before).

    The protocol's are every declaration a method of the method table reaches (params, results,
    error data, transitively) and every other declaration of a file holding one (a protocol file's
    unused ``$defs`` stay with it).  All other declarations are the authors': those reached only
    from component manifests, and those of other schema files.  A declaration reached from both
    stays with the protocol, so the protocol's types never depend on an author's.
    """
    if not program.components or program.protocol is None:
        return frozenset()
    exprs = [e for m in program.protocol.methods for e in (m.params, m.result) if e is not None]
    if program.protocol.error_codes:
        exprs.append(ir.RefType(program.protocol.error_codes))
    protocol = reachable(program, exprs)
    protocol_files = {t.split("#", 1)[0] for t in protocol}
    authors = {
        d.id for d in program.decls if d.id not in protocol and d.id.split("#", 1)[0] not in protocol_files
    }
    authors |= reachable(program, [e for c in program.components for e in (c.input, c.output)]) - protocol
    # nothing of the protocol may refer to an author's declaration (the modules import one way)
    closed = reachable(program, [ir.RefType(t) for t in sorted({d.id for d in program.decls} - authors)])
    return frozenset(t for t in authors if t not in closed and program.get(t) is not None)


def namespace_inputs(program: ir.Program) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The input files each namespace's module says it was generated from: (the protocol's, the
    authors'). Without authors' declarations, every input is the protocol's (as before); with them,
    the authors' schema files and the component manifests are not, so the protocol's module reads
    exactly as it does without the components."""
    authors = author_decls(program)
    if not authors:
        return tuple(program.inputs), ()
    author_files = {d.source.file for d in program.decls if d.id in authors and d.source is not None}
    manifests = {c.source.file for c in program.components if c.source is not None}
    protocol = tuple(i for i in program.inputs if i not in author_files and i not in manifests)
    return protocol, tuple(sorted(author_files))
