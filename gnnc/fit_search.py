"""The search behind `gnnc.fit` (the function; this module is gnnc.fit_search so the name stays the function's):
choose io, strategy, reuse factors and parallelism so the design fits the part.

The search runs the estimate model only (no g++; docs/fit.md). The knobs of a design are
`io` (parallel / stream), `strategy.default` (latency / distributed_arithmetic), the coarse
`parallelism.edges` / `.nodes` (rows per cycle of every op's loops over edges / nodes: all, or
a power of two) and, per op that multiplies (or is a distributed-arithmetic dense), its reuse
factor (a divisor of its multiplications per row) and its parallelism (rows per cycle). A point
fits when every resource of the part is within `utilization` of its total (and the latency
within `latency_ns`); the best is the lowest latency, then II, then the smallest largest
utilization. First the coarse stage per (strategy, io): a staircase walk of the (edges, nodes)
grid (`_Search.coarse`). Then per op: a space of at most EXHAUSTIVE points is searched whole; a
larger one by a greedy descent from each coarse result and from the fastest design: while a
resource is over budget, take the one-step change (one op's next reuse factor or half its
parallelism) that saves the most of the most overflowing resource per cycle of latency it adds
(among the HEAVIEST ops using most of that resource, whose steps save most); once it fits,
climb back (one op one step faster) while that still fits and is faster. A descent stops
early once its point is slower than one that already fits (a step only adds latency), so the
cheap latency-strategy stages run first and bound the distributed-arithmetic ones. Last, when
the best point is distributed arithmetic, its heaviest denses may get strategy latency
(`strategy.ops`; `_Search.mix`).

The IR is lowered once per strategy up to the fully unrolled loops (passes.hls_structure_pipeline).
A parallel-io point reruns hls-reuse and hls-partition-arrays in place on a working copy of it
(the directives of its top-level loops reset first: the passes change nothing else there), and
the estimate reuses the stage of every loop whose directives and array partitions an earlier
point had (estimate's `memo`): a step changes one op, so most stages are reused. hls-reuse gives
a scatter accumulator copies when its edge loop runs P > 1 edges per cycle (it rewrites the
loops), so there is a working copy per set of copies, made by the passes once. A stream point is
evaluated on a fresh copy (hls-dataflow rebuilds the module). Both give the estimate of the
design `gnnc.compile` builds for the point, number for number (test_fit.py).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnnc import passes
from gnnc.config import DA, IO_MODES, Config, load_config
from gnnc.dialects import hls
from gnnc.errors import GnncError
from gnnc.estimate import estimate
from gnnc.parts import RESOURCES
from gnnc.passes._util import hls_top
from gnnc.passes.hls_dataflow import streamable

#: a space of at most this many points is searched exhaustively
EXHAUSTIVE = 64
#: the strategies fit tries for every op (`strategy.default`)
FIT_STRATEGIES = ("latency", DA)
#: a greedy step tries the ops that use most of the overflowing resource, this many
HEAVIEST = 3
#: runners-up reported besides the chosen point
RUNNERS_UP = 5


class FitError(GnncError):
    """No design of the searched space fits the budget; the message names the smallest one and
    the resource it overflows."""


@dataclass(frozen=True)
class OpSpace:
    """One op's knobs: reuse factors (fastest first) and parallelism (rows per cycle, all first)."""

    name: str  # the lowered op name (`R1_layers_0_dense`), the reuse_factor.ops / parallelism.ops key
    rows: int  # its largest row loop's trip count: parallelism `rows` is all rows
    reuse: tuple[int, ...]
    parallel: tuple[int, ...]
    kind: str | None = None  # what its largest row loop iterates over ("edges", "nodes", "graphs")
    path: str | None = None  # its torch module path (the strategy.ops key)

    @property
    def size(self) -> int:
        return len(self.reuse) * len(self.parallel)

    def default(self, edges: int, nodes: int) -> int:
        """The index into `parallel` of the rows per cycle the coarse knobs give the op
        (`parallelism.edges` / `.nodes`, 0 = all; hls-reuse applies min(P, rows))."""
        p = edges if self.kind == "edges" else nodes if self.kind == "nodes" else 0
        return self.parallel.index(min(p, self.rows)) if p else 0


@dataclass(frozen=True)
class Knobs:
    """A point: io, strategy, the coarse parallelism (rows per cycle of every op's loops over
    edges / nodes, 0 = all) and per op (reuse factor index, parallelism index)."""

    io: str
    strategy: str | tuple  # a name, or (default, ((op, strategy), ...)): `strategy.default` / `.ops`
    ops: tuple[tuple[int, int], ...]  # per OpSpace of the strategy, indices into reuse / parallel
    edges: int = 0
    nodes: int = 0

    def settings(self, spaces: tuple[OpSpace, ...]) -> tuple[dict[str, int], dict[str, int]]:
        """({op: reuse factor} of ops above 1, {op: rows per cycle} of ops not at the coarse
        default or reusing). An op reusing multipliers gets its parallelism written (hls-reuse:
        RF > 1 without a parallelism means 1 row per cycle)."""
        reuse, parallel = {}, {}
        for space, (r, p) in zip(spaces, self.ops):
            rf, rows = space.reuse[r], space.parallel[p]
            if rf > 1:
                reuse[space.name] = rf
            if p != space.default(self.edges, self.nodes) or rf > 1:
                parallel[space.name] = rows
        return reuse, parallel

    def config(self, base: Config, spaces: tuple[OpSpace, ...]) -> Config:
        reuse, parallel = self.settings(spaces)
        default, per_op = self.strategy if isinstance(self.strategy, tuple) else (self.strategy, ())
        return dataclasses.replace(base, io=self.io, strategy=default, strategy_ops=per_op, reuse_factor=1,
                                   reuse_ops=tuple(reuse.items()), parallelism_edges=self.edges,
                                   parallelism_nodes=self.nodes, parallelism_ops=tuple(parallel.items()), fit=None)

    def describe(self, spaces: tuple[OpSpace, ...]) -> dict[str, Any]:
        """The knobs as the config keys they set (`parallelism` as gnnc_config.yaml records it)."""
        reuse, parallel = self.settings(spaces)
        coarse = {k: v for k, v in (("edges", self.edges), ("nodes", self.nodes)) if v}
        strategy = ({"default": self.strategy[0], "ops": dict(self.strategy[1])}
                    if isinstance(self.strategy, tuple) else self.strategy)
        return {"io": self.io, "strategy": strategy, "reuse_factor": reuse,
                "parallelism": coarse | ({"ops": parallel} if parallel else {})}


@dataclass
class Point:
    knobs: dict[str, Any]  # Knobs.describe
    total: dict[str, Any]  # the estimate's totals
    utilization: dict[str, float]
    fits: bool
    ops: dict[str, dict[str, int]] = field(repr=False, default_factory=dict)  # the estimate's per-op resources, latency
    ratio: dict[str, float] = field(repr=False, default_factory=dict)  # per resource, its share of the budget
    key: tuple = field(repr=False, default=())  # the ranking: latency, II, largest share of the budget


@dataclass
class FitResult:
    """`design.fit`: what the search chose and how it searched."""

    knobs: dict[str, Any]  # io, strategy, reuse_factor {op: RF}, parallelism {op: rows per cycle}
    estimate: dict[str, Any]  # the chosen design's estimate totals (design.estimate()["total"])
    runners_up: list[Point]  # the next-best fitting points, best first
    budget: dict[str, float]  # per resource, the most the design may use (utilization x the part's total)
    latency_ns: float | None
    method: str  # "exhaustive" or "greedy"
    space_size: int  # points in the space
    points_evaluated: int
    seconds: float
    coarse_points: int = 0  # of points_evaluated, those of the coarse stage (every op's rows per cycle)
    evaluated: list[Point] = field(repr=False, default_factory=list)  # every point the search estimated

    def summary(self) -> str:
        t = self.estimate
        return (f"fit ({self.method}, {self.points_evaluated} of {self.space_size} points, {self.seconds:.1f} s): "
                f"{self.knobs['io']}, {self.knobs['strategy']}, reuse {self.knobs['reuse_factor'] or 1}, "
                f"parallelism {self.knobs['parallelism'] or 'all'}: dsp {t['dsp']}, lut {t['lut']}, ff {t['ff']}, "
                f"latency {t['latency_cycles']} cycles, II {t['ii']}")


def fit(model: Any, example: Any, config: Config | dict | str | Path | None = None,
        calibration: list[Any] | None = None):
    """Compile `model` with the io, strategy, reuse factors and parallelism that fit the part's
    budget (config `fit`; without it utilization 0.8) at the lowest latency; `design.fit`
    reports the choice, and `design.config` is the chosen config (without `fit`)."""
    from gnnc.config import FitSpec
    from gnnc.design import compile  # noqa: A004

    cfg = load_config(config)
    return compile(model, example, cfg if cfg.fit is not None else dataclasses.replace(cfg, fit=FitSpec()),
                   calibration)


def fit_imported(imported: Any, example: Any, cfg: Config, start: float, calibration: list[Any] | None = None):
    """gnnc.compile with config `fit`: search, then the Design of the chosen config."""
    from gnnc.design import Design, _as_args, compile_imported

    spec = cfg.fit
    assert spec is not None
    cfg = dataclasses.replace(cfg, fit=None)
    if cfg.precision_auto is not None:  # types first: the search keeps them
        cfg = compile_imported(imported, example, cfg, calibration).config
    inputs = imported.bind(*_as_args(example))
    search = _Search(imported, inputs, cfg, spec.utilization, spec.latency_ns)
    result = search.run()
    assert search.chosen_config is not None
    design = Design(imported, search.chosen_config, inputs)
    result.seconds = time.perf_counter() - start
    design.fit = result
    design.timings["fit_s"] = result.seconds
    return design


class _Structure:
    """One strategy's IR lowered to fully unrolled loops, and the op knobs it offers."""

    def __init__(self, imported: Any, inputs: dict, cfg: Config):
        from gnnc.design import Design

        first = Design(imported, cfg, inputs)  # the fastest point, in parallel io
        self.design = first
        self.part = first.estimate_part()
        self.base = first.module("fixed")
        passes.apply(self.base, passes.hls_structure_pipeline(
            first.max_nodes, first.max_edges, cfg.top, cfg.split_edge_dense, cfg.sparse_dense, first.max_graphs))
        self.spaces = _op_spaces(self.base)
        loops = [op for op in _top(self.base).body.block.ops if isinstance(op, hls.ForOp)]
        # the coarse knobs: rows per cycle of every loop over edges / nodes (0 = all, then powers of two)
        self.coarse = {kind: (0, *_powers_below(max((op.ub.value.data for op in loops
                                                     if op.rows is not None and op.rows.data == kind), default=1)))
                       for kind in ("edges", "nodes")}
        # the working copies parallel-io points are estimated on: one without accumulator copies,
        # and one per set of (loop, copies) hls-reuse made (it rewrites those loops; a copy keeps them)
        self.works: dict[tuple, _Work] = {(): _Work(self.base.clone())}
        self.copying = [i for i, op in enumerate(loops) if op.op is not None and _may_copy(op)]
        self.copying_ops = {loops[i].op.data for i in self.copying}  # type: ignore[union-attr]
        self.copies: dict[tuple, tuple] = {}  # the copies hls-reuse makes, per what decides them

    def estimate_in_place(self, cfg: Config) -> dict:
        """The estimate of `cfg`'s directives applied to a working copy, reset first: the one
        with the accumulator copies `cfg` gives (made once, by the passes on a fresh copy)."""
        from gnnc.design import _reuse_options

        reuse = _reuse_options(cfg)
        without = passes.hls_directives_pipeline(reuse + " copies=false" if reuse else "", cfg.io)
        # the copies depend on the coarse knobs and the settings of the ops that may copy only
        decides = (cfg.parallelism_edges, cfg.parallelism_nodes, cfg.reuse_factor,
                   tuple(kv for kv in cfg.parallelism_ops if kv[0] in self.copying_ops),
                   tuple(kv for kv in cfg.reuse_ops if kv[0] in self.copying_ops))
        copies = self.copies.get(decides)
        if copies is None:  # which loops hls-reuse sets to P > 1 rows per cycle (and so gives P copies)
            plain = self.works[()]
            plain.apply(without)
            copies = self.copies[decides] = tuple(
                (i, plain.loops[i].unroll.value.data) for i in self.copying if _copies(plain.loops[i]))
            if not copies:
                return estimate(plain.module, cfg.clock_period_ns, self.part, memo=plain.memo)
        work = self.works.get(copies)
        if work is None:
            work = self.works[copies] = _Work(self.base.clone())
            work.apply(passes.hls_directives_pipeline(reuse, cfg.io))  # hls-reuse makes the copies
        else:
            work.apply(without)
        return estimate(work.module, cfg.clock_period_ns, self.part, memo=work.memo)

    def estimate_copy(self, cfg: Config) -> dict:
        """The estimate of `cfg`'s directives applied to a fresh copy of the unrolled IR."""
        from gnnc.design import _reuse_options

        module = self.base.clone()
        passes.apply(module, passes.hls_directives_pipeline(_reuse_options(cfg), cfg.io))
        return estimate(module, cfg.clock_period_ns, self.part)


class _Work:
    """A working copy of the unrolled IR and what the directive passes set in it: the directives
    of its top-level loops and the top function's attributes, reset before the passes rerun."""

    def __init__(self, module):
        self.module = module
        self.memo: dict = {}
        self.top = _top(module)
        self.loops = [op for op in self.top.body.block.ops if isinstance(op, hls.ForOp)]
        self.saved = [(op.unroll, op.pipeline_ii, op.mul_limit) for op in self.loops]
        self.top_attrs = dict(self.top.attributes)
        self.arg_attrs = self.top.arg_attrs

    def apply(self, pipeline: str) -> None:
        for op, (unroll, ii, limit) in zip(self.loops, self.saved):
            op.unroll, op.pipeline_ii, op.mul_limit = unroll, ii, limit
        self.top.attributes.clear()
        self.top.attributes.update(self.top_attrs)
        self.top.arg_attrs = self.arg_attrs
        passes.apply(self.module, pipeline)


def _copies(loop: hls.ForOp) -> bool:
    """Did hls-reuse set this loop to P > 1 rows per cycle (so, with copies, give its accumulators P copies)?"""
    return loop.pipeline_ii is not None and loop.unroll is not None and loop.unroll.value.data > 1


def _powers_below(n: int) -> tuple[int, ...]:
    """The powers of two below n, largest first."""
    return tuple(1 << k for k in range(n.bit_length() - 1, -1, -1) if 1 << k < n)


def _top(module) -> Any:
    top = hls_top(module)
    assert top is not None  # lowered by passes.hls_structure_pipeline
    return top


def _may_copy(loop: hls.ForOp) -> bool:
    """Might hls-reuse give this loop's accumulators copies (a store at a data-dependent index
    into an array declared beside the loop: hls_reuse.accumulator_copies' targets)?"""
    for st in loop.body.walk():
        if isinstance(st, hls.StoreOp) and isinstance(st.memref.owner, hls.AllocaOp) \
                and st.memref.owner.parent_op() is loop.parent_op() \
                and any(isinstance(i.owner, hls.IndexCastOp) for i in st.indices):
            return True
    return False


def _op_spaces(module) -> tuple[OpSpace, ...]:
    """The knobs of each op with multiplications or a distributed-arithmetic dense."""
    from gnnc.passes.hls_reuse import divisors, muls_per_row, weight_list

    fn = _top(module)
    ops: dict[str, list[hls.ForOp]] = {}
    for loop in fn.body.block.ops:
        if isinstance(loop, hls.ForOp) and loop.op is not None:
            ops.setdefault(loop.op.data, []).append(loop)
    spaces = []
    for name, loops in ops.items():
        da = any(loop.strategy is not None and loop.strategy.data == DA for loop in loops)
        mults = [m for m in (muls_per_row(loop) for loop in loops) if m]
        if not mults and not da:
            continue
        widest = max(loops, key=lambda loop: loop.ub.value.data)
        rows = widest.ub.value.data
        if da or not mults:
            reuse: tuple[int, ...] = (1,)
        elif all(weight_list(loop) for loop in loops if muls_per_row(loop)):  # a sparse dense: any RF to M
            m = min(mults)
            reuse = (*[1 << k for k in range(m.bit_length()) if 1 << k < m], m)
        else:
            reuse = tuple(divisors(math.gcd(*mults)))
        spaces.append(OpSpace(name, rows, reuse, (rows, *_powers_below(rows)),
                              widest.rows.data if widest.rows is not None else None,
                              loops[0].path.data if loops[0].path is not None else None))
    return tuple(spaces)


class _Search:
    def __init__(self, imported: Any, inputs: dict, cfg: Config, utilization: float, latency_ns: float | None):
        self.cfg = cfg
        self.latency_ns = latency_ns
        self.imported, self.inputs = imported, inputs
        self.structures: dict[str | tuple, _Structure] = {s: _Structure(imported, inputs, dataclasses.replace(cfg, strategy=s))
                           for s in FIT_STRATEGIES}
        first = next(iter(self.structures.values()))
        totals = first.design.estimate()["part"]
        # io: stream only where hls-dataflow can cut the design (no graph-level outputs)
        self.ios = IO_MODES if streamable(_top(first.base)) else tuple(io for io in IO_MODES if io != "stream")
        self.utilization = utilization
        self.budget = {r: utilization * totals[r] for r in RESOURCES}
        self.points: dict[Knobs, Point] = {}
        self.chosen_config: Config | None = None

    def space_size(self) -> int:
        return len(self.ios) * sum(len(st.coarse["edges"]) * len(st.coarse["nodes"])
                                   * math.prod(o.size for o in st.spaces) for st in self.structures.values())

    def run(self) -> FitResult:
        size = self.space_size()
        # the coarse stage: every op's rows per cycle over edges / nodes (the latency strategy first: it is cheap)
        starts = {(strategy, io): self.coarse(io, strategy) for strategy in FIT_STRATEGIES for io in self.ios}
        coarse_points = len(self.points)
        per_op = len(self.ios) * sum(math.prod(o.size for o in st.spaces) for st in self.structures.values())
        if per_op <= EXHAUSTIVE:
            method = "exhaustive"
            for strategy, st in self.structures.items():
                for io in self.ios:
                    for ops in itertools.product(*[list(itertools.product(range(len(o.reuse)), range(len(o.parallel))))
                                                   for o in st.spaces]):
                        self.evaluate(Knobs(io, strategy, tuple(ops)))
        else:
            method = "greedy"
            for start in starts.values():  # per op, from the coarse stage's best point
                self.descend(start)
            for strategy, st in self.structures.items():  # and from the fastest point
                for io in self.ios:
                    self.descend(Knobs(io, strategy, tuple((0, 0) for _ in st.spaces)))
        fitting = sorted((p for p in self.points.values() if p.fits), key=lambda p: p.key)
        if not fitting:
            raise FitError(self._no_fit_message())
        chosen = next(k for k, p in self.points.items() if p is fitting[0])
        if fitting[0].knobs["strategy"] == DA:
            self.mix(chosen)
        fitting = sorted((p for p in self.points.values() if p.fits), key=lambda p: p.key)
        best = next(k for k, p in self.points.items() if p is fitting[0])
        self.chosen_config = best.config(self.cfg, self.structures[best.strategy].spaces)
        return FitResult(
            knobs=fitting[0].knobs, estimate=fitting[0].total, runners_up=fitting[1:1 + RUNNERS_UP],
            budget=self.budget, latency_ns=self.latency_ns, method=method, space_size=size,
            points_evaluated=len(self.points), seconds=0.0, evaluated=list(self.points.values()),
            coarse_points=coarse_points,
        )

    def mix(self, cur: Knobs) -> None:
        """Per-op strategy, after a distributed-arithmetic point fits: give its HEAVIEST denses by
        LUTs, one at a time, strategy latency where the latency strategy's point with the same
        knobs shows the dense's multipliers fit the DSPs left and it is faster or smaller (so a
        lowering is only made for a change that may help); keep the change when it fits and is
        faster, or as fast with fewer LUTs."""
        da, lat = self.structures[DA], self.structures["latency"]
        names = [o.name for o in da.spaces]
        if [o.name for o in lat.spaces] != names:
            return
        paths = {o.name: o.path for o in da.spaces}
        point = self.points[cur]
        same = Knobs(cur.io, "latency", tuple((0, p) for _, p in cur.ops), cur.edges, cur.nodes)
        alone = self.evaluate(same).ops  # each dense's cost as a latency dense (reuse factor 1)
        for name in sorted(names, key=lambda n: -point.ops.get(n, {}).get("lut", 0))[:HEAVIEST]:
            mine, other = point.ops.get(name), alone.get(name)
            if mine is None or other is None or paths[name] is None \
                    or point.total["dsp"] + other["dsp"] > self.budget["dsp"]:
                continue
            if other["latency_cycles"] >= mine["latency_cycles"] and other["lut"] >= mine["lut"]:
                continue
            default, per_op = cur.strategy if isinstance(cur.strategy, tuple) else (cur.strategy, ())
            strategy = (default, tuple(sorted((*per_op, (paths[name], "latency")))))
            if [o.name for o in self.structure(strategy).spaces] != names:
                continue
            cand = dataclasses.replace(cur, strategy=strategy)
            q = self.evaluate(cand)
            if q.fits and (q.key[:2], q.total["lut"]) < (point.key[:2], point.total["lut"]):
                cur, point = cand, q

    def structure(self, strategy: str | tuple) -> _Structure:
        """The lowered IR of a strategy (a name, or (default, ((module path, strategy), ...)))."""
        if strategy not in self.structures:
            self.structures[strategy] = _Structure(self.imported, self.inputs, Knobs(
                "parallel", strategy, ()).config(self.cfg, ()))
        return self.structures[strategy]

    def coarse(self, io: str, strategy: str | tuple) -> Knobs:
        """The coarse stage of one (strategy, io): the fastest point of the (edges, nodes) grid
        that fits, or the smallest point evaluated. A staircase walk, widest edges first: a
        column (one edges value) starts at its fastest point (most nodes per cycle); if that is
        slower than a point that fits, so is the rest of the grid and the walk stops. Else the
        column is skipped when its slowest point still worth trying does not fit, or its fastest
        fitting point is found by bisection (resources shrink with the rows per cycle: the
        fitting points of a column are its slowest); the next columns then try only more nodes
        per cycle (with fewer edges per cycle the others are slower)."""
        st = self.structures[strategy]

        def at(edges: int, nodes: int) -> Knobs:
            return Knobs(io, strategy, tuple((0, o.default(edges, nodes)) for o in st.spaces), edges, nodes)

        # in stream io a stage takes one row per cycle unless told more: "all" (0) is 1, the slowest
        grid = {kind: (values[1:] or values) if io == "stream" else values for kind, values in st.coarse.items()}
        nodes = grid["nodes"]
        seen, limit, best = [], len(nodes), None
        for edges in grid["edges"]:
            if limit == 0:
                break
            seen.append(at(edges, nodes[0]))
            top = self.evaluate(seen[-1])
            if top.key[0] > self.best_latency():
                break  # the column's fastest point is slower than one that fits: so is every later point
            lo, hi = 0, limit - 1
            if not top.fits:
                if hi == 0:
                    continue
                seen.append(at(edges, nodes[hi]))
                if not self.evaluate(seen[-1]).fits:
                    continue
                lo = 1
            while lo < hi:  # the first (fastest) fitting nodes value of the column
                mid = (lo + hi) // 2
                seen.append(at(edges, nodes[mid]))
                if self.evaluate(seen[-1]).fits:
                    hi = mid
                else:
                    lo = mid + 1
            point = at(edges, nodes[hi])
            if best is None or self.points[point].key < self.points[best].key:
                best = point
            limit = hi
        if best is not None:
            return best
        # none fits: the smallest of those faster than a point that fits (a descent from a slower one
        # stops at once); of equal ones the fewest rows per cycle (a reuse step there keeps its rows)
        faster = [k for k in seen if self.points[k].key[0] <= self.best_latency()] or seen
        return min(faster, key=lambda k: (max(self.points[k].ratio.values()), k.edges or math.inf, k.nodes or math.inf))

    def evaluate(self, knobs: Knobs) -> Point:
        if knobs in self.points:
            return self.points[knobs]
        st = self.structures[knobs.strategy]
        cfg = knobs.config(self.cfg, st.spaces)
        if knobs.io == "parallel":
            result = st.estimate_in_place(cfg)
        else:
            result = st.estimate_copy(cfg)
        point = self._point(knobs, st, result)
        self.points[knobs] = point
        return point

    def _point(self, knobs: Knobs, st: _Structure, result: dict) -> Point:
        total = result["total"]
        ratio = {r: total[r] / self.budget[r] if self.budget[r] else (math.inf if total[r] else 0.0)
                 for r in RESOURCES}
        fits = all(v <= 1.0 for v in ratio.values()) and (
            self.latency_ns is None or total["latency_ns"] <= self.latency_ns)
        per_op = {name: {r: e[r] for r in (*RESOURCES, "latency_cycles")} for name, e in result["ops"].items()}
        return Point(knobs.describe(st.spaces), total, result["utilization"], fits, per_op, ratio,
                     (total["latency_cycles"], total["ii"], max(ratio.values())))

    def descend(self, cur: Knobs) -> None:
        """Greedy, per op: from `cur`, the most saving step per added cycle until the resources
        fit, then back towards faster points while they still fit."""
        spaces = self.structures[cur.strategy].spaces
        point = self.evaluate(cur)
        while True:
            over = {r: v for r, v in point.ratio.items() if v > 1.0}
            if not over:
                break
            if point.key[0] > self.best_latency():
                return  # slower already than a point that fits: descending only adds latency
            worst = max(over, key=over.get)
            stepped = {o.name for o in spaces}
            if sum(e[worst] for name, e in point.ops.items() if name not in stepped) > self.budget[worst]:
                return  # the ops without per-op knobs (gathers, scatters: the coarse stage's) overflow alone
            best, best_score = None, 0.0
            # the steps of the ops that use most of the overflowing resource (a step of another op saves less)
            heavy = sorted(range(len(spaces)), key=lambda i: -point.ops.get(spaces[i].name, {}).get(worst, 0))
            for cand in _steps(cur, spaces, slower=True, only=set(heavy[:HEAVIEST])):
                q = self.evaluate(cand)
                saved = point.total[worst] - q.total[worst]
                if saved <= 0:
                    continue
                score = saved / max(q.total["latency_cycles"] - point.total["latency_cycles"], 1)
                if score > best_score:
                    best, best_score = cand, score
            if best is None:
                return  # nothing saves the overflowing resource: this (strategy, io) does not fit
            cur, point = best, self.points[best]
        while True:  # climb back: the fastest neighbour that still fits
            better = [c for c in _steps(cur, spaces, slower=False)
                      if self.evaluate(c).fits and self.points[c].key < point.key]
            if not better:
                return
            cur = min(better, key=lambda c: self.points[c].key)
            point = self.points[cur]

    def best_latency(self) -> float:
        return min((p.key[0] for p in self.points.values() if p.fits), default=math.inf)

    def _no_fit_message(self) -> str:
        points = list(self.points.values())
        within = [p for p in points if all(v <= 1.0 for v in p.ratio.values())]
        if within:  # the resources fit, the latency bound does not
            fastest = min(within, key=lambda p: p.key)
            return (f"fit: no design within the budget meets fit.latency_ns {self.latency_ns:g}: the fastest "
                    f"that fits ({_label(fastest.knobs)}) takes {fastest.total['latency_ns']:g} ns "
                    f"({fastest.total['latency_cycles']} cycles); raise fit.latency_ns or fit.utilization, "
                    "or choose a larger part")
        smallest = min(points, key=lambda p: max(p.ratio.values()))
        resource = max(smallest.ratio, key=smallest.ratio.get)
        return (f"fit: no design of the {len(points)} searched fits the budget; the smallest "
                f"({_label(smallest.knobs)}) needs {resource} {smallest.total[resource]:,} of "
                f"{self.budget[resource]:,.0f} allowed ({smallest.utilization[resource]:.2%} of the part's "
                f"{resource}; fit.utilization is {self.utilization:g}); "
                "raise fit.utilization, choose a larger part, or lower the capacity (graph.max_nodes / max_edges)")


def _label(knobs: dict[str, Any]) -> str:
    return (f"io {knobs['io']}, strategy {knobs['strategy']}, reuse_factor {knobs['reuse_factor'] or 1}, "
            f"parallelism {knobs['parallelism'] or 'all rows'}")


def _steps(knobs: Knobs, spaces: tuple[OpSpace, ...], slower: bool, only: set[int] | None = None):
    """The points one step away: one op's next reuse factor or parallelism (slower or faster),
    of every op or of the ops numbered in `only`."""
    d = 1 if slower else -1
    for i, (space, (r, p)) in enumerate(zip(spaces, knobs.ops)):
        if only is not None and i not in only:
            continue
        for nr, np_ in ((r + d, p), (r, p + d)):
            if 0 <= nr < len(space.reuse) and 0 <= np_ < len(space.parallel):
                ops = list(knobs.ops)
                ops[i] = (nr, np_)
                yield dataclasses.replace(knobs, ops=tuple(ops))
