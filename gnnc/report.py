"""A written project's estimate beside what the vendor tool reported after synthesis.

`gnnc.read_report(prj)` reads the estimate gnnc stored in the project (estimate.json, written
with the project) and, when present, the vendor's synthesis report:

* Vitis HLS: `<top>_prj/<solution>/syn/report/csynth.xml` (PerformanceEstimates /
  SummaryOfOverallLatency, AreaEstimates / Resources and AvailableResources), and per op the
  functions named like the estimate's ops (the layer functions of `inline_layers: false`,
  `R1_layers_0_dense`) or a dataflow design's stages `<op>_stage`, from the report's
  ModuleInformation or the `<module>_csynth.xml` beside it, else the latency of the loops
  labelled by op (SummaryOfLoopLatency);
* Intel oneAPI: `<name>.prj/reports/resources/json/summary.ndjson` (the "Total" and "Available"
  rows: ALUT, registers, RAM blocks, DSP, MLAB) and loop_attr.ndjson (latency and II per loop),
  or after Quartus compile, quartus.ndjson's fitted resource usage.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnnc.errors import GnncError
from gnnc.parts import RESOURCES

ESTIMATE_FILE = "estimate.json"
METRICS = (*RESOURCES, "latency_cycles", "ii")
_VITIS_NAMES = {"DSP": "dsp", "DSP48E": "dsp", "LUT": "lut", "FF": "ff", "BRAM_18K": "bram_18k", "URAM": "uram"}
_ONEAPI_ORDER = ("alut", "reg", "ram", "dsp", "mlab")  # the columns of summary.ndjson's data rows
_ONEAPI_NAMES = {"alut": "lut", "reg": "ff", "ram": "bram_18k", "dsp": "dsp"}


@dataclass
class Report:
    project: Path
    estimate: dict  # design.estimate() as written with the project
    actual: dict | None = None  # {"total": {...}, "ops": {...}, "available": {...}} from the vendor report
    source: Path | None = None  # the vendor report read
    tool: str | None = None  # "vitis" or "oneapi"
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, float | None, float | None]]:
        """(op or "total", metric, estimate, actual) for every metric of the total and each op."""
        out = []
        actual = self.actual or {"total": {}, "ops": {}}
        for metric in METRICS:
            out.append(("total", metric, self.estimate["total"].get(metric), actual["total"].get(metric)))
        for op, est in self.estimate["ops"].items():
            act = actual["ops"].get(op, {})
            for metric in METRICS:
                out.append((op, metric, est.get(metric), act.get(metric)))
        return out

    def table(self) -> str:
        """The estimate per op and in total, with the vendor's numbers and estimate / actual beside it."""
        have = self.actual is not None
        ops = ["total", *self.estimate["ops"]]
        width = max(len(o) for o in ops)
        head = f"{'op':<{width}}  " + "  ".join(f"{m:>{22 if have else 10}}" for m in METRICS)
        lines = []
        if have:
            lines.append(f"estimate vs {self.tool} report {self.source} (estimate / actual = ratio)")
        else:
            lines.append("estimate (no vendor report in the project yet: synthesize it, then run this again)")
        part = self.estimate.get("part")
        if part:
            lines.append(f"part {part['name']}: " + ", ".join(f"{r} {part[r]:,}" for r in RESOURCES))
        lines.append(head)
        actual = self.actual or {"total": {}, "ops": {}}
        for op in ops:
            est = self.estimate["total"] if op == "total" else self.estimate["ops"][op]
            act = actual["total"] if op == "total" else actual["ops"].get(op, {})
            cells = [_cell(est.get(m), act.get(m), have) for m in METRICS]
            lines.append(f"{op:<{width}}  " + "  ".join(cells))
        lines += self.notes
        return "\n".join(lines)


def _cell(est: float | None, act: float | None, have: bool) -> str:
    e = "-" if est is None else f"{est:,}"
    if not have:
        return f"{e:>10}"
    if act is None:
        return f"{e + ' / -':>22}"
    return f"{f'{e} / {act:,} {ratio(est, act)}':>22}"


def ratio(est: float | None, act: float | None) -> str:
    if est is None or act is None:
        return ""
    if act == 0:
        return "(=)" if est == 0 else "(inf)"
    return f"({est / act:.2f})"


def relative_error(est: float, act: float) -> float:
    """|estimate - actual| / actual (0 when both are 0, inf when only the actual is)."""
    if act == 0:
        return 0.0 if est == 0 else math.inf
    return abs(est - act) / act


# --------------------------------------------------------------------------- #
# The estimate inside a project
# --------------------------------------------------------------------------- #


def estimate_files(result: dict) -> dict[str, str]:
    """What a project writer adds: estimate.json (read back by gnnc report)."""
    return {ESTIMATE_FILE: json.dumps(result, indent=1) + "\n"}  # an infinite utilization is Infinity


def readme_section(result: dict) -> str:
    """The README's "Estimate" section: the totals, the part, and what does not fit."""
    total = result["total"]
    lines = ["", "## Estimate (before synthesis)", "",
             "gnnc's analytic model (docs/estimate.md); per op in estimate.json, beside the vendor's "
             "numbers after synthesis with `gnnc report .`.", ""]
    part = result.get("part")
    lines.append("| resource | estimate |" + (f" {part['name']} | utilization |" if part else ""))
    lines.append("|---|---|" + ("---|---|" if part else ""))
    for r in RESOURCES:
        row = f"| {r} | {total[r]:,} |"
        if part:
            row += f" {part[r]:,} | {_percent(result['utilization'][r])} |"
        lines.append(row)
    latency = f"{total['latency_cycles']:,} cycles"
    if "latency_ns" in total:
        latency += f" ({total['latency_ns']:g} ns)"
    lines += ["", f"Latency {latency}, a new graph every {total['ii']:,} cycles (II)."]
    over = over_budget_line(result)
    if over:
        lines += ["", f"**{over}**"]
    return "\n".join(lines) + "\n"


def _percent(fraction: float) -> str:
    return "inf" if math.isinf(fraction) else f"{100 * fraction:.1f} %"


def over_budget_line(result: dict) -> str | None:
    """One line naming each resource the design needs more of than the part has, or None."""
    from gnnc.estimate import over_budget

    over = over_budget(result)
    if not over:
        return None
    name = result["part"]["name"]
    items = ", ".join(f"{r} {est:,} estimated, the part has {have:,}" for r, est, have in over)
    return f"the design does not fit the {name}: {items}"


# --------------------------------------------------------------------------- #
# Reading a project and its vendor report
# --------------------------------------------------------------------------- #


def read_report(prj: str | Path) -> Report:
    """The estimate written with project `prj`, and the vendor's report beside it when there is one."""
    root = Path(prj)
    path = root / ESTIMATE_FILE
    if not root.is_dir():
        raise GnncError(f"{root} is not a project directory (write one with design.write or gnnc compile)")
    if not path.is_file():
        raise GnncError(f"{path} not found: the project was written without an estimate; "
                        "write it again with this version of gnnc (design.write or gnnc compile --force)")
    try:
        estimate = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise GnncError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
    report = Report(root, estimate)
    csynth = _find_csynth(root)
    if csynth is not None:
        report.actual, report.source, report.tool = _read_csynth(csynth, estimate.get("ops", {})), csynth, "vitis"
        return report
    oneapi = _find_oneapi(root)
    if oneapi is not None:
        report.actual, report.source, report.tool = _read_oneapi(oneapi), oneapi, "oneapi"
        report.notes.append("oneAPI reports have no per-op rows gnnc can match; ram is M20K blocks, "
                            "lut ALUTs, ff registers")
    return report


def _find_csynth(root: Path) -> Path | None:
    found = sorted(root.glob("*_prj/*/syn/report/csynth.xml"))
    return found[0] if found else None


def _find_oneapi(root: Path) -> Path | None:
    found = sorted(root.glob("**/*.prj/reports/resources/json/summary.ndjson"))
    return found[0].parent if found else None


def _int(text: str | None) -> int | None:
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None  # "undef" when a trip count is unknown


def _vitis_block(node: ET.Element) -> dict[str, int]:
    """Resources and latency of a csynth.xml profile or one of its Module entries."""
    out: dict[str, int] = {}
    for child in node.findall("AreaEstimates/Resources/*"):
        if child.tag in _VITIS_NAMES and (v := _int(child.text)) is not None:
            out[_VITIS_NAMES[child.tag]] = v
    lat = node.find("PerformanceEstimates/SummaryOfOverallLatency")
    if lat is not None:
        for tag, key in (("Worst-caseLatency", "latency_cycles"), ("Interval-max", "ii")):
            if (v := _int(lat.findtext(tag))) is not None:
                out[key] = v
    return out


def _module_op(module: str, ops: Container[str]) -> str | None:
    """The op a report module computes: a layer function (hls-outline with inline_layers:
    false) is named like its op (`R1_layers_0_dense`), a dataflow stage `<op>_stage`."""
    if module in ops:
        return module
    return module[: -len("_stage")] if module.endswith("_stage") else None


def _read_csynth(path: Path, ops: Container[str] = ()) -> dict:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise GnncError(f"{path}: not a csynth.xml report ({err})") from None
    if root.find("AreaEstimates/Resources") is None:
        raise GnncError(f"{path}: no AreaEstimates/Resources (not a Vitis HLS csynth.xml)")
    actual: dict[str, Any] = {"total": _vitis_block(root), "ops": {}, "available": {}}
    for child in root.findall("AreaEstimates/AvailableResources/*"):
        if child.tag in _VITIS_NAMES and (v := _int(child.text)) is not None:
            actual["available"][_VITIS_NAMES[child.tag]] = v
    # per op: the layer functions or a dataflow design's stages, as ModuleInformation or
    # the <module>_csynth.xml Vitis writes beside the top's
    for module in root.findall("ModuleInformation/Module"):
        op = _module_op(module.findtext("Name") or "", ops)
        if op is not None:
            actual["ops"][op] = _vitis_block(module)
    for other in sorted(path.parent.glob("*_csynth.xml")):
        op = _module_op(other.name[: -len("_csynth.xml")], ops)
        if op is not None and op not in actual["ops"]:
            try:
                actual["ops"][op] = _vitis_block(ET.parse(other).getroot())
            except ET.ParseError as err:
                raise GnncError(f"{other}: not a csynth report ({err})") from None
    _loop_rows(root, actual["ops"])
    return actual


def _loop_rows(root: ET.Element, ops: dict[str, dict]) -> None:
    """Latency per op of a design that is not dataflow: its loops keep the op's labels
    (`R1_layers_0_dense`, a scatter's `scatter_sum9_init` / `_edges` / `_nodes`), which
    Vitis reports under SummaryOfLoopLatency when it does not unroll them."""
    for loop in root.iter("SummaryOfLoopLatency"):
        for row in loop:
            label = row.findtext("Name") or row.tag
            op = next((label[: -len(x)] for x in ("_init", "_edges", "_nodes") if label.endswith(x)), label)
            latency = _int((row.findtext("Latency") or "").split("~")[-1].strip() or None)
            if latency is None or (op in ops and "latency_cycles" in ops[op] and not ops[op].get("from_loops")):
                continue
            entry = ops.setdefault(op, {"from_loops": True})
            entry["latency_cycles"] = entry.get("latency_cycles", 0) + latency
            if (ii := _int(row.findtext("PipelineII"))) is not None:
                entry["ii"] = max(entry.get("ii", 0), ii)
    for entry in ops.values():
        entry.pop("from_loops", None)


def _ndjson(path: Path) -> list[dict]:
    rows = []
    for k, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise GnncError(f"{path}:{k}: not JSON ({err.msg})") from None
    return rows


def _read_oneapi(json_dir: Path) -> dict:
    actual: dict[str, Any] = {"total": {}, "ops": {}, "available": {}}
    for row in _ndjson(json_dir / "summary.ndjson"):
        target = {"Total": "total", "Available": "available"}.get(row.get("name"))
        if target and isinstance(row.get("data"), list):
            for name, value in zip(_ONEAPI_ORDER, row["data"]):
                if name in _ONEAPI_NAMES and (v := _int(str(value))) is not None:
                    actual[target][_ONEAPI_NAMES[name]] = v
    fit = json_dir / "quartus.ndjson"
    if fit.is_file():  # after a Quartus compile: the fitted design, not the HLS estimate
        nodes = json.loads(fit.read_text()).get("quartusFitResourceUsageSummary", {}).get("nodes", [])
        if nodes:
            for name, key in _ONEAPI_NAMES.items():
                if (v := _int(str(nodes[0].get(name)))) is not None:
                    actual["total"][key] = v
    loops = json_dir / "loop_attr.ndjson"
    if loops.is_file():
        rows = [r for r in _ndjson(loops) if "lt" in r and "ii" in r]
        if rows:
            actual["total"]["latency_cycles"] = max(math.ceil(float(r["lt"])) for r in rows)
            actual["total"]["ii"] = max(int(r["ii"]) for r in rows)
    return actual
