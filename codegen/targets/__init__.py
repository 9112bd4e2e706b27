"""Targets: each turns the IR into the files of one language.

A target is a module with ``render(program, options, diags) -> dict[str, str]`` (relative path ->
file content) and ``OWNED_SUFFIXES`` (the kinds of files it may remove when stale).  Targets are
imported lazily, so generating Python never imports the Rust target.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from ..records import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

TARGETS = {
    "python": "stepflow_codegen.targets.python",
    "typescript": "stepflow_codegen.targets.typescript",
    "rust": "stepflow_codegen.targets.rust",
    "vectors": "stepflow_codegen.targets.vectors",
}


@dataclass(frozen=True)
class TargetOptions:
    name: str
    """Package / crate / module name (defaults to the output directory's name)."""
    command: str
    """The regenerate command printed in every file's header."""
    defaults: Literal["preserve", "apply"] = "preserve"
    integers: Literal["native", "exact"] = "native"
    """How integers beyond 64 bits are held where the target's integer types stop there (Rust):
    ``native`` (64-bit types, a clean error beyond) or ``exact`` (any JSON integer, exactly)."""
    struct_gc: Literal["tracked", "untracked"] = "tracked"
    """Python: whether generated Structs are tracked by the cycle collector (``untracked``: ``gc=False``)."""
    templates: Path | None = None
    """A user's templates directory overriding built-in templates (``DIR/<language>/<template>``)."""


@dataclass(frozen=True)
class TypeName:
    """A type the generated code declares: its name and the generated module that declares it
    (``types`` for the protocol's types, ``component_types`` for the component authors')."""

    module: str
    name: str


@dataclass(frozen=True)
class ComponentSignature:
    """What a target's generated component server expects the author to write for one component:
    the names its own naming policy chose (renames for collisions and reserved words included), so a
    scaffold writing stubs never recomputes them.  A target that serves components exposes
    ``component_signatures(program, options) -> dict[component name, ComponentSignature]``."""

    component: str
    """The component's name (what the server registers)."""
    function: str
    """The identifier of the author's function: Rust, the ``Components`` trait method (and the
    scaffold's module); TypeScript, the local function exported as the component's name."""
    input: TypeName
    output: TypeName
    context: str
    """The type of the (optional in TypeScript) context parameter, in the generated server module."""


def load(language: str) -> ModuleType:
    """The target module for ``language`` (raises KeyError for an unknown language)."""
    return importlib.import_module(TARGETS[language])
