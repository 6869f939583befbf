"""``python -m tests.support DIR``: build the tiny Marian, BART and T5 models into DIR."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tests.support import build_tiny_bart, build_tiny_marian, build_tiny_t5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    target = parser.parse_args().directory
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for name, build in (("marian", build_tiny_marian), ("bart", build_tiny_bart), ("t5", build_tiny_t5)):
        if not (target / name / "config.json").is_file():
            build(target / name)
    parser.exit(0, f"tiny models in {target.resolve()}\n")


if __name__ == "__main__":
    main()
