"""`autograder thresholds`: the reference solution's test accuracy over several training seeds."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("thresholds", help="measure the reference solution over training seeds (where the hidden-test thresholds come from)")
    p.add_argument("--seeds", type=int, default=5, help="how many training seeds, 0..N-1 (default 5)")
    p.set_defaults(func=_thresholds)


def _thresholds(args) -> int:
    from ..thresholds import measure_seed, summarise

    results = []
    for seed in range(args.seeds):
        results.append(measure_seed(seed))
        print(f"seed {seed}: " + "; ".join(f"{k} {v:.3f}" for part in results[-1].values() for k, v in part.items()),
              flush=True)
    print("\nmin-max over seeds (test accuracy):")
    for part, models in summarise(results).items():
        print(f"  {part}: " + ", ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, (lo, hi) in models.items()))
    return 0
