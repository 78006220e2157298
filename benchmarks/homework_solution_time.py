"""Wall time of the homework's solution notebook executed headless (nbclient), as a student's
"Restart and Run All" would take on this machine. Prints the total and the slowest cells."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _timing import run_timed  # noqa: E402

from day76 import recipes  # noqa: E402


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = recipes.build_submission("# base: solution\n")
    total, timings, errors = run_timed(
        nb, lambda index, cell: cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {index}"), timeout=600)
    print(f"homework solution notebook: {total:.1f} s wall time for {len(timings)} code cells "
          f"(kernel start included; target < 45 s){' -- ERRORS: %d' % errors if errors else ''}")
    for seconds, name in timings[:5]:
        print(f"    {seconds:6.1f} s  {name}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
