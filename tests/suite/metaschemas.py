"""The official meta-schemas as a local mirror, for the tool's ``uri_map`` (nothing is fetched).

The suite's tests ``$ref`` the draft meta-schemas (``http://json-schema.org/draft-07/schema#``,
``https://json-schema.org/draft/2020-12/schema`` and its vocabularies).  The copies come from the
``jsonschema-specifications`` package (a dependency of the ``jsonschema`` oracle), laid out under a
cache folder by URL path so that the tool's ``--map-uri`` mechanism serves them.
"""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "metaschemas"

# folder of jsonschema_specifications/schemas -> the URL path its files are published at
_DRAFTS = {
    "draft4": ("draft-04/schema", None),
    "draft6": ("draft-06/schema", None),
    "draft7": ("draft-07/schema", None),
    "draft201909": ("draft/2019-09/schema", "draft/2019-09/meta"),
    "draft202012": ("draft/2020-12/schema", "draft/2020-12/meta"),
}


@lru_cache(maxsize=1)
def mirror() -> Path:
    """``.cache/metaschemas/json-schema.org``, built once from jsonschema-specifications."""
    import jsonschema_specifications

    source = Path(jsonschema_specifications.__file__).resolve().parent / "schemas"
    host = CACHE / "json-schema.org"
    if host.is_dir():
        shutil.rmtree(host)
    for folder, (schema_path, vocab_path) in _DRAFTS.items():
        target = host / schema_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / folder / "metaschema.json", target)
        json.loads(target.read_text(encoding="utf-8"))  # a broken copy fails here, not in a test
        if vocab_path is not None:
            for vocab in sorted((source / folder / "vocabularies").iterdir()):
                dest = host / vocab_path / vocab.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(vocab, dest)
    return host


def uri_map() -> dict[str, Path]:
    host = mirror()
    return {"http://json-schema.org/": host, "https://json-schema.org/": host}
