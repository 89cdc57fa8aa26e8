"""Rebuild of one changed article: this checkout against another one, alternately.

The machine's speed drifts by 20% or more within minutes, so two rebuild figures taken apart
say little about the code. This runs both checkouts on the same corpus change, one after the
other and in alternating order, warm (files just read) and cold (the corpus and the build's
files evicted from the page cache first, as `build_bench` does), and prints every figure.

    git worktree add /tmp/kg-base <rev>
    python -m bench.rebuild_ab --base /tmp/kg-base --corpus W/corpus-5000 \
        --base-out W/out-base --out W/out-5000 --repeat 3 [--html]

Each `--out` folder must hold a cached build of the corpus made by its own checkout (a first
build of 5,000 articles takes minutes); the first article of the corpus is changed and put
back afterwards. The change adds facts (an accusation, a threat, between actors the corpus
already has), so the graph and the view change as they do when an analyst adds an article:
a change that only moved the article's content hash would let a build that reuses whole
outputs look faster than it is.

With `--cli` each rebuild is the command a user types, `python -m kg build CORPUS --out OUT
--workers 2`, timed from starting the process to its exit: Python's start-up, the imports
and the exit are in the figure, as they are in what a user waits for (`build`'s own
`seconds`, which they are not in, is reported beside it), and so is the CPU time of the
command and the processes it waited for: less noisy than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.build_bench import evict

ROOT = Path(__file__).resolve().parent.parent
#: Appended to the first line of the first article: new facts, different in every run.
_CHANGE = (" On day {rep} ({mode}), Iran accused Israel of attacking its embassy in Damascus,"
           " and Hezbollah threatened to retaliate against Israel.")  # fmt: skip
_ONE = (
    "import json, sys, time\nfrom kg.build import build\nt = time.perf_counter()\n"
    "r = build([sys.argv[1]], sys.argv[2], html=sys.argv[3] == 'html', workers=2)\n"
    "import kg\nprint(json.dumps({'seconds': time.perf_counter() - t, 'timings': r.timings,"
    " 'extracted': r.extracted, 'kg': kg.__file__}))"
)


def _run(checkout: Path, corpus: Path, out: Path, html: bool = False) -> dict:
    """One `kg build --workers 2` rebuild (`--no-html` unless `html`) in a fresh process of
    `checkout`'s kg."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    # run in the checkout: `python -c` puts the working folder first on the import path
    command = [sys.executable, "-c", _ONE, str(corpus.resolve()), str(out.resolve()),
               "html" if html else "no-html"]  # fmt: skip
    proc = subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True,
                          check=True)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_cli(checkout: Path, corpus: Path, out: Path, html: bool = False) -> dict:
    """One `python -m kg build` rebuild in `checkout`, timed from start to exit (`wall`)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-m", "kg", "build", str(corpus.resolve()), "--out",
               str(out.resolve()), "--workers", "2", "--html" if html else "--no-html"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    summary = json.loads((out / "build.json").read_text(encoding="utf-8"))
    return {"seconds": wall, "cpu": round(cpu, 2), "build_seconds": summary["seconds"],
            "timings": summary["timings"], "extracted": summary["extracted"]}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--base-out", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--html", action="store_true", help="with the view, as plain `kg build`")
    parser.add_argument("--cli", action="store_true",
                        help="time the `kg build` command from start to exit")  # fmt: skip
    args = parser.parse_args(argv)
    sides = {"base": (args.base, args.base_out), "this": (ROOT, args.out)}
    for checkout, _ in sides.values():
        # byte-compiled, as pip leaves an installed kg: with PYTHONDONTWRITEBYTECODE set (as
        # on the build machine) a checkout's modules were compiled afresh in every run, ~0.07 s
        compileall.compile_dir(checkout / "kg", quiet=1)
    first = sorted(args.corpus.glob("*.txt"))[0]
    original = first.read_text(encoding="utf-8")
    figures: dict[str, list[float]] = {f"{s} {m}": [] for m in ("warm", "cold") for s in sides}
    cpu: dict[str, list[float]] = {key: [] for key in figures}
    try:
        for rep in range(args.repeat):
            for mode in ("warm", "cold"):
                changed = original.replace("\n", _CHANGE.format(rep=rep, mode=mode) + "\n", 1)
                first.write_text(changed, encoding="utf-8")
                for side in (["base", "this"] if rep % 2 == 0 else ["this", "base"]):
                    checkout, out = sides[side]
                    if mode == "cold":
                        evict([args.corpus, out])
                    run = (_run_cli if args.cli else _run)(checkout, args.corpus, out, args.html)
                    if run["extracted"] != 1:
                        raise SystemExit(f"{side}: {run['extracted']} extracted, not 1: "
                                         "is its --out a cached build of this corpus?")  # fmt: skip
                    figures[f"{side} {mode}"].append(round(run["seconds"], 2))
                    if "cpu" in run:
                        cpu[f"{side} {mode}"].append(run["cpu"])
                    print(side, mode, json.dumps(run), flush=True)
    finally:
        first.write_text(original, encoding="utf-8")
    report: dict[str, object] = {"seconds": figures}
    for mode in ("warm", "cold"):
        this, base = figures[f"this {mode}"], figures[f"base {mode}"]
        report[f"{mode}_median_ratio"] = round(statistics.median(this) / statistics.median(base), 3)
    if args.cli:
        report["cpu_seconds"] = cpu
        for mode in ("warm", "cold"):
            this, base = cpu[f"this {mode}"], cpu[f"base {mode}"]
            report[f"{mode}_cpu_median_ratio"] = round(
                statistics.median(this) / statistics.median(base), 3
            )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
