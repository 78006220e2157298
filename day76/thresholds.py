"""Measure the reference solution over several training seeds: where the hidden-test thresholds come from.

The data split stays fixed (seed 76, as students see it); only the training seed changes, through
a cell inserted after the setup cell. Each run executes the real solution notebook headless and
then measures every trained model on the held-out test split with the same function the hidden
tests use.
"""

from __future__ import annotations

import json
import tempfile

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from . import recipes

_MEASURE = """
import json
from day76.checks.accuracy import test_accuracy
print("THRESHOLDS " + json.dumps({
    "part1": {name: test_accuracy(m) for name, m in models.items()},
    "part2": {str(b): test_accuracy(m) for b, m in models_part2.items()},
}))
"""


def measure_seed(seed: int, timeout: int = 600) -> dict:
    nb = recipes.build_submission("# base: solution\n")
    setup_index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells.insert(setup_index + 1, new_code_cell(f"SEED = {int(seed)}  # training seed; the split above keeps seed 76"))
    nb.cells.append(new_code_cell(_MEASURE))
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": tempfile.mkdtemp(prefix="day76-thresholds-")}}).execute()
    for output in nb.cells[-1].outputs:
        if output.get("name") == "stdout" and "THRESHOLDS " in output.get("text", ""):
            return json.loads(output["text"].split("THRESHOLDS ", 1)[1])
    raise RuntimeError(f"seed {seed}: the measuring cell printed nothing")


def summarise(results: list[dict]) -> dict[str, dict[str, tuple[float, float]]]:
    """{part: {model: (min, max)}} over seeds."""
    summary: dict[str, dict[str, tuple[float, float]]] = {}
    for part in ("part1", "part2"):
        for name in results[0][part]:
            values = [r[part][name] for r in results]
            summary.setdefault(part, {})[name] = (min(values), max(values))
    return summary


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m day76.thresholds",
                                     description="measure the reference solution over training seeds "
                                                 "(where the hidden-test thresholds come from)")
    parser.add_argument("--seeds", type=int, default=5, help="how many training seeds, 0..N-1 (default 5)")
    args = parser.parse_args(argv)
    results = []
    for seed in range(args.seeds):
        results.append(measure_seed(seed))
        print(f"seed {seed}: " + "; ".join(f"{k} {v:.3f}" for part in results[-1].values() for k, v in part.items()),
              flush=True)
    print("\nmin-max over seeds (test accuracy):")
    for part, models in summarise(results).items():
        print(f"  {part}: " + ", ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, (lo, hi) in models.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
