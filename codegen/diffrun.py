"""Running the compatibility diff (:mod:`.diff`) on files, on a git revision, and for ``generate``/``check``.

Reads a git revision's schemas with ``git ls-tree`` + ``git cat-file --batch`` into a temporary
directory laid out like the repository, builds both programs with the front end, and merges the
reports of several schema sets.  Errors are :class:`DiffInputError` (the CLI exits 2).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .diagnostics import Diagnostics, SchemaError
from .diff import BREAKING, COMPATIBLE, Change, Report, diff_programs
from .ir import model as ir
from .records import replace


class DiffInputError(Exception):
    """Bad input: the message names the file (and pointer) and says what to do."""


def build(paths: list[Path], cwd: Path, what: str) -> ir.Program:
    from .frontend import build_program

    diags = Diagnostics()
    try:
        return build_program(paths, diags, cwd=cwd)
    except SchemaError as e:
        rendered = "\n".join(d.render() for d in e.diagnostics if d.severity >= 2) or str(e)
        raise DiffInputError(f"the {what} schemas do not load:\n{rendered}") from None


def diff_paths(old: list[Path], new: list[Path], cwd: Path | None = None) -> Report:
    cwd = cwd or Path.cwd()
    return diff_programs(build(old, cwd, "old"), build(new, cwd, "new"))


def _git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], input=data, capture_output=True, check=False)
    except OSError as e:
        raise DiffInputError(f"cannot run git: {e}") from None
    if proc.returncode != 0:
        raise DiffInputError(f"git {' '.join(args[:3])} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def git_toplevel(where: Path) -> Path | None:
    try:
        proc = subprocess.run(["git", "-C", str(where), "rev-parse", "--show-toplevel"], capture_output=True, check=False)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip()).resolve()


@contextmanager
def checkout(ref: str, paths: list[Path], cwd: Path) -> Iterator[tuple[Path, list[Path]]]:
    """The ``*.json`` files of ``paths`` (and the folders they sit in) at ``ref``, in a temporary
    directory laid out like the repository: yields (temporary root, the paths inside it)."""
    top = git_toplevel(cwd)
    if top is None:
        raise DiffInputError(f"{cwd}: not inside a git repository (needed for --against {ref})")
    rels: list[str] = []
    for p in paths:
        full = (cwd / p).resolve()
        try:
            rels.append(full.relative_to(top).as_posix())
        except ValueError:
            raise DiffInputError(f"{p}: outside the git repository {top} (compare files outside it with OLD NEW)") from None
    try:
        _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except DiffInputError:
        raise DiffInputError(f"{ref}: not a commit of the git repository {top} (give a branch, tag or commit)") from None
    folders = sorted({r if (top / r).is_dir() or r.endswith("/") else (os.path.dirname(r) or ".") for r in rels})
    listing = _git(top, "ls-tree", "-r", "-z", "--name-only", ref, "--", *folders).decode("utf-8", "surrogateescape")
    files = [f for f in listing.split("\0") if f.endswith(".json")]
    with tempfile.TemporaryDirectory(prefix="stepflow-codegen-diff-") as tmp:
        root = Path(tmp)
        if files:
            out = _git(top, "cat-file", "--batch", data="".join(f"{ref}:{f}\n" for f in files).encode("utf-8", "surrogateescape"))
            pos = 0
            for f in files:
                header_end = out.index(b"\n", pos)
                header = out[pos:header_end].split()
                size = int(header[2])
                body = out[header_end + 1:header_end + 1 + size]
                pos = header_end + 1 + size + 1
                dest = root / f
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(body)
        inside = []
        for r in rels:
            q = root / r
            if not q.exists():
                raise DiffInputError(f"{r}: does not exist at {ref} (nothing to compare with; pass OLD NEW instead)")
            inside.append(q)
        yield root, inside


def diff_against(ref: str, paths: list[Path], cwd: Path) -> Report:
    """The schemas ``paths`` (working tree, relative to ``cwd``) compared with the same paths at ``ref``."""
    new = build(paths, cwd, "working tree's")
    with checkout(ref, paths, cwd) as (root, inside):
        old = build(inside, root, f"{ref}'s")
    # the old side's files are shown as REF:path-in-the-repository
    return diff_programs(old, new, lambda f: f"{ref}:{f}")


def merge(reports: list[Report]) -> Report:
    """One report for several schema sets (``[tool.stepflow-codegen]`` targets often share schemas):
    a change found in several sets is listed once, with the roles and methods of all of them."""
    if len(reports) == 1:
        return reports[0]
    by_key: dict[tuple[str, str, str, str], Change] = {}
    for r in reports:
        for c in r.changes:
            key = (c.file, c.pointer, c.kind, c.message)
            prev = by_key.get(key)
            if prev is None:
                by_key[key] = c
                continue
            by_key[key] = replace(
                prev,
                severity=BREAKING if BREAKING in (prev.severity, c.severity) else COMPATIBLE,
                breaks=tuple(sorted(set(prev.breaks) | set(c.breaks), key=["writers", "readers"].index)),
                writers=tuple(sorted(set(prev.writers) | set(c.writers))),
                readers=tuple(sorted(set(prev.readers) | set(c.readers))),
                via=tuple(sorted(set(prev.via) | set(c.via))),
                components=tuple(sorted(set(prev.components) | set(c.components))),
            )
    old: list[str] = []
    new: list[str] = []
    for r in reports:
        old += [x for x in r.old if x not in old]
        new += [x for x in r.new if x not in new]
    changes = sorted(by_key.values(), key=lambda c: (c.file, c.pointer, c.kind, c.message))
    return Report(tuple(old), tuple(new), changes)


def summary(report: Report) -> str:
    """One line: how many types and fields were added, removed and changed."""
    kinds: dict[str, int] = {}
    for c in report.changes:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    changed_types = {c.pointer.split("/properties/")[0] for c in report.changes if not c.kind.startswith(("type-", "method-", "component-"))}
    parts = [
        f"{kinds.get('type-added', 0)} type(s) added",
        f"{kinds.get('type-removed', 0)} removed",
        f"{len(changed_types)} changed",
        f"{kinds.get('field-added', 0)} field(s) added",
        f"{kinds.get('field-removed', 0)} removed",
        f"{sum(v for k, v in kinds.items() if k.startswith('field-') and k not in ('field-added', 'field-removed'))} changed",
    ]
    m = sum(v for k, v in kinds.items() if k.startswith("method-"))
    if m:
        parts.append(f"{m} method change(s)")
    comp = sum(v for k, v in kinds.items() if k.startswith("component-"))
    if comp:
        parts.append(f"{comp} component change(s)")
    return ", ".join(parts) + f"; {len(report.breaking)} breaking"
