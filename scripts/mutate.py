"""
Mutation check: plant small bugs one at a time in a temporary copy of the repository, run
the fast tests that should catch each, and list the survivors (bugs no test caught).

    make mutate                                  # every mutant
    .venv/bin/python scripts/mutate.py -k printer   # mutants whose name contains "printer"
    .venv/bin/python scripts/mutate.py --list

Not part of CI (minutes, and it needs the TrackML data for a few tests). The copy is what
`git ls-files` lists in the working tree, so uncommitted edits are included. Its gnnc/ gets
links to the subpackages pyproject maps elsewhere (passes/, backends/, ...) and the copy goes
on PYTHONPATH, ahead of the venv's editable install of the original tree; lit's RUN lines
get the same PYTHONPATH.

A mutant is a (file, old text, new text) replacement; the old text must occur exactly once,
so a refactoring that moves it makes the script fail loudly instead of testing nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[tuple[str, ...], ...]  # commands, run in order until one fails


def lit(*paths: str) -> tuple[str, ...]:
    return (str(Path(PY).parent / "lit"), "-q", *paths)


def pytest(*args: str) -> tuple[str, ...]:
    return (PY, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *args)


TYPES = (lit("test/filecheck/passes"), pytest("test/python/test_type_rules.py", "test/python/test_worst_case.py"))
VITIS = (lit("test/filecheck/backends", "test/filecheck/tools"), pytest("test/python/test_worst_case.py"))
ONEAPI = (lit("test/filecheck/backends"),
          pytest("test/python/test_fixed_wide.py", "test/python/test_oneapi.py", "-k",
                 "wide and oneapi or ac_fixed or mode_spelling"))
EMULATOR = (pytest("test/python/test_worst_case.py", "test/python/test_partition.py"),)
FIXED = (pytest("test/python/test_fixed_property.py", "test/python/test_fixed_wide.py",
                "test/python/test_worst_case.py"),)
PARTITION = (pytest("test/python/test_partition.py", "test/python/test_worst_case.py"),)

FP = "passes/gnn_fixed_point.py"
MUTANTS = [
    Mutant("types: dense accumulator one integer bit narrower when n_in is a power of two", FP,
           "            op.accum_type = _accum(spec, exact_sum_type(terms), terms)\n",
           "            op.accum_type = _accum(spec, exact_sum_type(terms), terms)\n"
           "            if op.in_features & (op.in_features - 1) == 0:\n"
           "                op.accum_type = FixedType(op.accum_type.w - 1, op.accum_type.i - 1)\n", TYPES),
    Mutant("types: dense accumulator ignores the bias term", FP,
           "                terms.append(b_t)\n", "                pass\n", TYPES),
    Mutant("types: scatter accumulator for max_edges - 1 messages", FP,
           "count=self.max_edges)", "count=max(1, self.max_edges - 1))", TYPES),
    Mutant("types: 1/deg default entry with 2 guard bits instead of 3", FP,
           "FixedType(t.f + 3, 1, False, QuantMode.RND)", "FixedType(t.f + 2, 1, False, QuantMode.RND)", TYPES),
    Mutant("types: degree_norm with one guard bit fewer", FP,
           "_set_type(op.result, FixedType(t.f + GUARD_BITS + 1, 1, False, QuantMode.RND))",
           "_set_type(op.result, FixedType(t.f + GUARD_BITS, 1, False, QuantMode.RND))", TYPES),
    Mutant("types: edge_softmax sum one integer bit short at a power of two", FP,
           "int_bits = terms.bit_length()", "int_bits = (terms - 1).bit_length()", TYPES),
    Mutant("types: max/min scatter takes the default type, not its input's", FP,
           "            # (gnn.degree_norm values are gathered onto edges).\n            _set_type(op.result, _elem(op.input))\n",
           "            # (gnn.degree_norm values are gathered onto edges).\n            pass\n", TYPES),
    Mutant("printer vitis: a mode dropped unless both differ from the default", "backends/vitis/printer.py",
           'if t.quant_mode.value != "trn" or t.overflow_mode.value != "wrap":',
           'if t.quant_mode.value != "trn" and t.overflow_mode.value != "wrap":', VITIS),
    Mutant("printer vitis: unsigned types printed signed", "backends/vitis/printer.py",
           'base = "ap_fixed" if t.is_signed else "ap_ufixed"', 'base = "ap_fixed"', VITIS),
    Mutant("printer oneapi: a mode dropped unless both differ from the default", "backends/oneapi/printer.py",
           'if t.quant_mode.value != "trn" or t.overflow_mode.value != "wrap":',
           'if t.quant_mode.value != "trn" and t.overflow_mode.value != "wrap":', ONEAPI),
    Mutant("printers: C++ table index clamps one entry early", "backends/emitter.py",
           "  if (t >= N) return N - 1;\n", "  if (t >= N - 1) return N - 2;\n", VITIS),
    Mutant("emulator: max/min of a node without edges is not 0", "gnnc/emulator.py",
           "            return np.where(deg[:, None] > 0, acc, 0).astype(src.dtype)\n",
           "            return acc\n", EMULATOR),
    Mutant("emulator: mean divides by the degree of the next node", "gnnc/emulator.py",
           "recip = reciprocal_values(int(deg.max(initial=0)), recip_t)[deg]",
           "recip = reciprocal_values(int(deg.max(initial=0)) + 1, recip_t)[deg + 1]", EMULATOR),
    Mutant("emulator: dense bias dropped", "gnnc/emulator.py",
           "        acc = acc + _align(_constant(it, op, \"bias\", lambda: b, b_t, \"bias\").astype(dtype), b_t.f, acc_t.f)\n",
           "        acc = acc + 0\n", EMULATOR),
    Mutant("fixed: sat_sym lower bound off by one", "gnnc/fixed.py", "        lo = -hi\n", "        lo = -hi - 1\n",
           FIXED),
    Mutant("fixed: rnd_conv rounds ties to odd", "gnnc/fixed.py",
           "inc = qb & ((floor % 2 != 0) | r)", "inc = qb & ((floor % 2 == 0) | r)", FIXED),
    Mutant("fixed: trn_zero ignores the sticky bits", "gnnc/fixed.py",
           "inc = neg & (qb | r)", "inc = neg & qb", FIXED),
    Mutant("fixed: table index clamps one entry early", "gnnc/fixed.py",
           "return np.clip(idx, 0, size - 1).astype(np.int64)", "return np.clip(idx, 0, size - 2).astype(np.int64)",
           FIXED),
    Mutant("fixed: int64 raw arrays up to 64 bits instead of 62", "gnnc/fixed.py",
           "return np.int64 if width <= MAX_INT64_WIDTH else object", "return np.int64 if width <= 64 else object",
           (pytest("test/python/test_documented_rules.py", "test/python/test_fixed_wide.py"),)),
    Mutant("partition: a halo hop dropped (scatter inputs)", "gnnc/partition.py",
           "    _add(need, op.input, incoming)\n", "    pass\n", PARTITION),
    Mutant("partition: only edge targets join a segment", "gnnc/partition.py",
           "nodes |= set(ends.ravel().tolist())", "nodes |= set(ends[1].tolist())", PARTITION),
    Mutant("partition: a segment may exceed max_nodes by one", "gnnc/partition.py",
           "if len(nodes | halo.nodes) > max_nodes or", "if len(nodes | halo.nodes) > max_nodes + 1 or", PARTITION),
]


def copy_tree(dst: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.split("\n")
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def package_layout(copy: Path) -> None:
    """Complete the copy's gnnc/ with links to dialects/, passes/, backends/, tools/ (pyproject's
    package-dir), so that `import gnnc.passes` finds the copy from its root or PYTHONPATH."""
    for sub in ("dialects", "passes", "backends", "tools"):
        (copy / "gnnc" / sub).symlink_to(copy / sub)


def run(cmds, cwd: Path, env: dict, timeout: int) -> tuple[bool, str]:
    """(all passed, the first failing command's last lines)."""
    for cmd in cmds:
        try:
            res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False, f"timeout: {' '.join(cmd)}"
        if res.returncode != 0:
            tail = (res.stdout + res.stderr).strip().splitlines()[-3:]
            return False, " | ".join(tail)
    return True, ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-k", default="", help="only mutants whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--no-baseline", action="store_true", help="skip the unmutated run of the tests")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per test command")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTANTS if args.k in m.name]
    if args.list:
        print("\n".join(m.name for m in chosen))
        return 0
    with tempfile.TemporaryDirectory(prefix="gnnc-mutate-") as tmp:
        copy = Path(tmp) / "repo"
        copy_tree(copy)
        package_layout(copy)
        # lit passes only a few variables to RUN lines: forward PYTHONPATH there too
        with open(copy / "test" / "lit.cfg", "a") as cfg:
            cfg.write('\nconfig.environment["PYTHONPATH"] = os.environ["PYTHONPATH"]\n')
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        where = subprocess.run([PY, "-c", "import gnnc.passes; print(gnnc.passes.__file__)"], env=env, cwd=copy,
                               capture_output=True, text=True, check=True).stdout.strip()
        assert where.startswith(str(copy)), f"the copy is not what is imported: {where}"
        if not args.no_baseline:
            commands = list(dict.fromkeys(c for m in chosen for c in m.tests))
            ok, why = run(commands, copy, env, args.timeout)
            if not ok:
                print(f"the unmutated tests fail, nothing to measure: {why}")
                return 2
        survivors = []
        for m in chosen:
            path = copy / m.file
            original = path.read_text()
            if original.count(m.old) != 1:
                print(f"stale mutant {m.name!r}: its text occurs {original.count(m.old)} times in {m.file}")
                return 2
            path.write_text(original.replace(m.old, m.new))
            start = time.perf_counter()
            try:
                passed, why = run(m.tests, copy, env, args.timeout)
            finally:
                path.write_text(original)
            status = "SURVIVED" if passed else "caught"
            print(f"{status:8}  {time.perf_counter() - start:6.0f} s  {m.name}" + (f"\n          {why}" if why else ""),
                  flush=True)
            if passed:
                survivors.append(m.name)
        print(f"\n{len(chosen) - len(survivors)} of {len(chosen)} mutants caught; survivors:")
        print("\n".join(f"  {s}" for s in survivors) or "  none")
        return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
