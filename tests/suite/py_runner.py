"""Run JSON documents through generated Python packages (one subprocess for all of them).

    python py_runner.py PACKAGES_DIR MANIFEST RESULTS

MANIFEST: [{"i", "package", "documents": [[type name | null, json text]]}]; RESULTS gets one JSON
line per unit: {"i", "results": [{"ok", "out"|"err"|"missing"}]} or {"i", "unit_error"}, flushed as
it goes so a crash loses only the unit it happened on.
"""

import importlib
import json
import sys
import threading

import msgspec


def main() -> None:
    folder, manifest_path, results_path = sys.argv[1:4]
    sys.path.insert(0, folder)
    manifest = json.load(open(manifest_path, encoding="utf-8"))
    with open(results_path, "w", encoding="utf-8") as out:
        for entry in manifest:
            line: dict = {"i": entry["i"]}
            try:
                pkg = importlib.import_module(entry["package"])
            except BaseException as e:  # noqa: BLE001 - any import failure is this unit's failure
                line["unit_error"] = f"python: import failed: {type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
            else:
                results = []
                for name, doc in entry["documents"]:
                    if not name or not hasattr(pkg.types, name):
                        results.append({"ok": False, "missing": f"python: no type {name!r} in types.py"})
                        continue
                    typ = getattr(pkg.types, name)  # may be None: the alias of JSON null
                    try:
                        value = pkg.decode(doc, typ)
                        results.append({"ok": True, "out": pkg.encode(value).decode("utf-8")})
                    except msgspec.MsgspecError as e:  # a rejection: the package's ValidationError is one
                        results.append({"ok": False, "err": f"{type(e).__name__}: {str(e)[:300]}"})
                    except Exception as e:  # noqa: BLE001 - anything else is the generated code failing
                        results.append({"ok": False, "err": f"{type(e).__name__}: {str(e)[:300]}", "crash": True})
                line["results"] = results
            out.write(json.dumps(line) + "\n")
            out.flush()


if __name__ == "__main__":
    sys.setrecursionlimit(20000)
    threading.stack_size(512 * 1024 * 1024)
    t = threading.Thread(target=main)
    t.start()
    t.join()
