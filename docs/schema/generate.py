"""Regenerate the JSON Schemas in this folder from the pydantic models.

Run from the repository root:  PYTHONPATH=. python docs/schema/generate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines.errors import NewsdigestError
from pipelines.store.schema import write_schemas
from pipelines.stories.schema import write_edition_schemas


def main() -> int:
    try:
        folder = Path(__file__).resolve().parent
        written = write_schemas(folder) + write_edition_schemas(folder)
    except NewsdigestError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
