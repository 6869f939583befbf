"""Regenerate the JSON Schemas in this folder from the pydantic models.

Run from the repository root:  PYTHONPATH=. python docs/schema/generate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines.errors import NewsdigestError
from pipelines.store.schema import write_schemas


def main() -> int:
    try:
        written = write_schemas(Path(__file__).resolve().parent)
    except NewsdigestError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
