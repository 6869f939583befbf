"""Check that a run's manifest has an entry for every input of a folder, and that English ones published.

Usage: python .ci/check_every_input_recorded.py INPUT_FOLDER STORE_FOLDER
"""

import json
import sys
from pathlib import Path


def expected_origins(folder: Path) -> set[str]:
    origins: set[str] = set()
    for path in sorted(folder.iterdir()):
        if path.suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines()
            origins |= {f"{path.name}:{n}" for n, line in enumerate(lines, start=1) if line.strip()}
        else:
            origins.add(path.name)
    return origins


def main() -> int:
    folder, store = Path(sys.argv[1]), Path(sys.argv[2])
    manifests = sorted(store.glob("runs/*/*.json"))
    if len(manifests) != 1:
        sys.stdout.write(f"smoke: expected one run manifest in {store}, found {len(manifests)}" + "\n")
        return 1
    entries = json.loads(manifests[0].read_text(encoding="utf-8"))["entries"]
    seen = {Path(entry["origin"]).name: entry for entry in entries}
    missing = expected_origins(folder) - set(seen)
    for name, entry in sorted(seen.items()):
        sys.stdout.write(f"{name}\t{entry['status']}\t{(entry.get('reason') or '')[:100]}" + "\n")
    if missing:
        sys.stdout.write(f"smoke: no record for {sorted(missing)}" + "\n")
        return 1
    unpublished_english = [
        name for name, entry in seen.items() if name.startswith("en-") and entry["status"] != "published"
    ]
    if unpublished_english:
        sys.stdout.write(f"smoke: English inputs not published: {unpublished_english}" + "\n")
        return 1
    sys.stdout.write(f"smoke: {len(seen)} inputs, every one recorded" + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
