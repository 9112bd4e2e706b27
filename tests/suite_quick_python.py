"""Quick measure of the generated Python against the official JSON Schema Test Suite.

Not a pytest module (the suite harness on branch ``suite`` supersedes it).  For every test case of
a draft: generate the Python package from the case's schema with the tool's API, import it, and
``decode`` every instance with the root type: accepted == the suite's ``valid``?

    .venv/bin/python tests/suite_quick_python.py SUITE_DIR draft7 draft2020-12 [-v] [--validators]

``SUITE_DIR`` holds ``tests/<draft>/*.json`` and ``remotes/`` (e.g. the copy inside the jsonschema
sdist: ``jsonschema-4.23.0/json``).  Tests named "ignores ..." (a keyword of one kind on a schema
without ``type``: the shape types it as that kind) are counted apart.

``--validators``: instead, compare the generated validator of each case's root schema (the
function of ``_validators.py``, without the typed decode) with the reference evaluator on every
instance of the suite.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import msgspec

from stepflow_codegen.diagnostics import Diagnostics, SchemaError
from stepflow_codegen.frontend import build_program
from stepflow_codegen.targets import TargetOptions
from stepflow_codegen.targets.python import render
from stepflow_codegen.targets.python.types import PythonTypeMapper

DRAFTS = {
    "draft4": "http://json-schema.org/draft-04/schema#",
    "draft6": "http://json-schema.org/draft-06/schema#",
    "draft7": "http://json-schema.org/draft-07/schema#",
    "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
    "draft2020-12": "https://json-schema.org/draft/2020-12/schema",
}


def load(root: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, root / "__init__.py", submodule_search_locations=[str(root)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run(suite: Path, draft: str, verbose: bool) -> tuple[int, int, int, int]:
    total = ok = ignores = ignores_ok = 0
    tmp = Path(tempfile.mkdtemp())
    n = 0
    for f in sorted((suite / "tests" / draft).glob("*.json")):
        for ci, case in enumerate(json.loads(f.read_text(encoding="utf-8"))):
            schema = case["schema"]
            if isinstance(schema, dict) and "$schema" not in schema:
                schema = {"$schema": DRAFTS[draft], **schema}
            d = tmp / f"{f.stem}_{ci}"
            d.mkdir()
            (d / "case.json").write_text(json.dumps(schema), encoding="utf-8")
            err = None
            tp = pkg = None
            try:
                diags = Diagnostics()
                program = build_program([d / "case.json"], diags, cwd=d, uri_map={"http://localhost:1234/": suite / "remotes"})
                files = render(program, TargetOptions(f"s{n}", "suite"), diags)
                out = d / "pkg"
                for rel, text in files.items():
                    (out / rel).parent.mkdir(parents=True, exist_ok=True)
                    (out / rel).write_text(text, encoding="utf-8")
                pkg = load(out, f"suite_{draft.replace('-', '_')}_{n}")
                n += 1
                mapper = PythonTypeMapper(program, Diagnostics())
                tp = getattr(pkg.types, mapper.name_of[program.roots[0].type])
            except SchemaError as e:
                err = "schema error: " + "; ".join(x.message for x in e.diagnostics)[:200] if hasattr(e, "diagnostics") else str(e)
            except Exception:
                err = "EXC " + traceback.format_exc()[-300:]
            for t in case["tests"]:
                total += 1
                ignore = t["description"].startswith("ignores")
                ignores += ignore
                if err is not None:
                    if verbose:
                        print("  ", f.name, "|", case["description"], "|", t["description"], "|", err)
                    continue
                try:
                    pkg.decode(json.dumps(t["data"]).encode(), tp)  # type: ignore[union-attr]
                    got: Any = True
                except (msgspec.ValidationError, msgspec.DecodeError):
                    got = False
                except Exception as e:  # noqa: BLE001
                    got = f"{type(e).__name__}: {e}"
                if got == t["valid"]:
                    ok += 1
                    ignores_ok += ignore
                elif verbose:
                    print("  ", f.name, "|", case["description"], "|", t["description"], "|", got)
    return total, ok, ignores, ignores_ok


def run_validators(suite: Path, draft: str, verbose: bool) -> tuple[int, int]:
    """(instances, agreements of the generated validator with the evaluator)."""
    from stepflow_codegen.frontend.loader import LoadError, Workspace
    from stepflow_codegen.frontend.validation import ValidationBuilder
    from stepflow_codegen.ir.evaluate import Evaluator
    from stepflow_codegen.targets.python.validators import build_validators

    runtime = render(
        build_program([Path(__file__).parent / "fixtures" / "schemas" / "features"], Diagnostics()),
        TargetOptions("r", "suite"),
        Diagnostics(),
    )["_runtime.py"]
    total = agree = n = 0
    tmp = Path(tempfile.mkdtemp())
    for f in sorted((suite / "tests" / draft).glob("*.json")):
        for ci, case in enumerate(json.loads(f.read_text(encoding="utf-8"))):
            schema = case["schema"]
            if isinstance(schema, dict) and "$schema" not in schema:
                schema = {"$schema": DRAFTS[draft], **schema}
            d = tmp / f"{f.stem}_{ci}"
            (d / "p").mkdir(parents=True)
            (d / "case.json").write_text(json.dumps(schema), encoding="utf-8")
            try:
                diags = Diagnostics()
                ws = Workspace([d / "case.json"], diags, uri_map={"http://localhost:1234/": suite / "remotes"})
                builder = ValidationBuilder(ws, diags)
                root = builder.node("case.json", "")
                validation = builder.finish({"r": root})
            except LoadError:
                continue
            if diags.has_errors:
                continue
            ev = Evaluator(validation)
            (d / "p" / "__init__.py").write_text("", encoding="utf-8")
            (d / "p" / "_runtime.py").write_text(runtime, encoding="utf-8")
            text = build_validators(validation, {"r": root}, {"r": "Root"}, frozenset(), "#", Diagnostics()).text
            (d / "p" / "_validators.py").write_text(text, encoding="utf-8")
            name = f"suite_v_{draft.replace('-', '_')}_{n}"
            n += 1
            load(d / "p", name)
            fn = importlib.import_module(name + "._validators").VALIDATORS["Root"]
            for t in case["tests"]:
                total += 1
                if (fn(t["data"]) is None) == ev.is_valid(root, t["data"]):
                    agree += 1
                elif verbose:
                    print("  ", f.name, "|", case["description"], "|", t["description"])
    return total, agree


def main() -> None:
    suite = Path(sys.argv[1])
    verbose = "-v" in sys.argv
    if "--validators" in sys.argv:
        for draft in [a for a in sys.argv[2:] if not a.startswith("-")]:
            total, agree = run_validators(suite, draft, verbose)
            print(f"{draft}: generated validators agree with the evaluator on {agree}/{total}")
        return
    for draft in [a for a in sys.argv[2:] if a != "-v"]:
        total, ok, ignores, ignores_ok = run(suite, draft, verbose)
        rest_total, rest_ok = total - ignores, ok - ignores_ok
        print(
            f"{draft}: {ok}/{total} = {100 * ok / total:.1f}%; without the {ignores} 'ignores ...' tests: "
            f"{rest_ok}/{rest_total} = {100 * rest_ok / rest_total:.1f}%"
        )


if __name__ == "__main__":
    main()
