"""Fit warnings, the estimate in a written project, and vendor reports read back beside it.

The vendor reports are written here in the schemas the tools write: Vitis HLS csynth.xml
(profile / PerformanceEstimates / SummaryOfOverallLatency, AreaEstimates / Resources,
ModuleInformation / Module per function) and oneAPI's reports/resources/json/*.ndjson."""

import io
import json

import pytest
import torch
from interaction_network import load_tracking_in

import gnnc
from gnnc.errors import GnncError
from gnnc.report import ESTIMATE_FILE
from gnnc.tools import gnnc_cli


class DenseSigmoid(torch.nn.Module):
    """hls4ml's activation test layer: Dense(64) on one input, then sigmoid, per node."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(1, 64)
        self.act = torch.nn.Sigmoid()

    def forward(self, x, edge_index):
        return self.act(self.lin(x))


@pytest.fixture(scope="module")
def stream_project(tmp_path_factory):
    torch.manual_seed(0)
    example = (torch.rand(2, 1), torch.tensor([[0, 1], [1, 0]]))
    config = {"precision": "fixed<16,6>", "io": "stream", "graph": {"max_nodes": 2, "max_edges": 2}}
    design = gnnc.compile(DenseSigmoid().eval(), example, config)
    path = design.write(tmp_path_factory.mktemp("prj") / "p")
    return design, path


def test_compile_warns_when_the_design_exceeds_the_part(trackml_dir, graphs):
    model = load_tracking_in("add", "source_to_target", 8, trackml_dir)
    config = {"graph": {"max_nodes": 28, "max_edges": 56}, "precision": "fixed<16,8>"}
    with pytest.warns(gnnc.ResourceWarning, match="does not fit the xcvu9p: dsp 21,056 estimated, the part has 6,840"):
        design = gnnc.compile(model, graphs[3], config)
    out = io.StringIO()
    gnnc_cli.print_estimate(design.estimate(), out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  estimate   dsp 21,056 (308 %)")
    assert lines[1] == "  WARNING    the design does not fit the xcvu9p: dsp 21,056 estimated, the part has 6,840"


def test_project_records_the_estimate(stream_project):
    design, path = stream_project
    written = json.loads((path / ESTIMATE_FILE).read_text())
    ranges = written.pop("ranges")
    assert written == json.loads(json.dumps(design.estimate()))
    assert ranges["input x"]["type"] == "fixed<16, 6>"
    assert all(r["min"] <= r["max"] for r in ranges.values())
    readme = (path / "README.md").read_text()
    assert "## Estimate (before synthesis)" in readme
    assert f"| dsp | {design.estimate()['total']['dsp']:,} | 6,840 |" in readme


def _module(name: str, dsp: int, lut: int, latency: int) -> str:
    return (f"<Module><Name>{name}</Name><PerformanceEstimates><SummaryOfOverallLatency>"
            f"<Best-caseLatency>{latency}</Best-caseLatency><Worst-caseLatency>{latency}</Worst-caseLatency>"
            f"<Interval-min>{latency}</Interval-min><Interval-max>{latency}</Interval-max>"
            "</SummaryOfOverallLatency></PerformanceEstimates><AreaEstimates><Resources>"
            f"<BRAM_18K>0</BRAM_18K><DSP>{dsp}</DSP><FF>10</FF><LUT>{lut}</LUT><URAM>0</URAM>"
            "</Resources></AreaEstimates></Module>")


CSYNTH = """<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion><Version>2024.1</Version></ReportVersion>
  <UserAssignments><unit>ns</unit><ProductFamily>virtexuplus</ProductFamily><Part>xcvu9p-flga2104-2L-e</Part>
    <TopModelName>{top}</TopModelName><TargetClockPeriod>5.00</TargetClockPeriod></UserAssignments>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit><EstimatedClockPeriod>3.1</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><unit>clock cycles</unit><Best-caseLatency>9</Best-caseLatency>
      <Average-caseLatency>9</Average-caseLatency><Worst-caseLatency>10</Worst-caseLatency>
      <Interval-min>4</Interval-min><Interval-max>5</Interval-max></SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources><BRAM_18K>2</BRAM_18K><DSP>50</DSP><FF>900</FF><LUT>4000</LUT><URAM>0</URAM></Resources>
    <AvailableResources><BRAM_18K>4320</BRAM_18K><DSP>6840</DSP><FF>2364480</FF><LUT>1182240</LUT><URAM>960</URAM></AvailableResources>
  </AreaEstimates>
  <ModuleInformation>{modules}</ModuleInformation>
</profile>
"""


def test_read_vitis_csynth_per_op(stream_project, capsys):
    design, path = stream_project
    report_dir = path / f"{design.top}_prj" / "solution1" / "syn" / "report"
    report_dir.mkdir(parents=True)
    modules = _module(design.top, 50, 4000, 10) + _module("lin_dense_stage", 40, 1000, 3)
    (report_dir / "csynth.xml").write_text(CSYNTH.format(top=design.top, modules=modules))
    (report_dir / "act_sigmoid_stage_csynth.xml").write_text(
        "<profile>" + _module("act_sigmoid_stage", 0, 2500, 4)[len("<Module>"):-len("</Module>")] + "</profile>")
    report = gnnc.read_report(path)
    assert report.tool == "vitis"
    assert report.actual["total"] == {"bram_18k": 2, "dsp": 50, "ff": 900, "lut": 4000, "uram": 0,
                                      "latency_cycles": 10, "ii": 5}
    assert report.actual["available"]["dsp"] == 6840
    assert report.actual["ops"]["lin_dense"]["dsp"] == 40  # from ModuleInformation
    assert report.actual["ops"]["act_sigmoid"]["lut"] == 2500  # from its own <fn>_csynth.xml
    est = design.estimate()
    rows = {(op, m): (e, a) for op, m, e, a in report.rows()}
    assert rows["total", "dsp"] == (est["total"]["dsp"], 50)
    assert rows["lin_dense", "lut"] == (est["ops"]["lin_dense"]["lut"], 1000)
    assert rows["edge_index_split", "dsp"][1] is None  # no row in the report
    assert gnnc_cli.main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    ratio = est["total"]["dsp"] / 50
    assert f"{est['total']['dsp']:,} / 50 ({ratio:.2f})" in out
    assert out.splitlines()[0].startswith("estimate vs vitis report")


def test_read_oneapi_reports(stream_project, tmp_path):
    design, path = stream_project
    prj = tmp_path / "oneapi"
    prj.mkdir()
    (prj / ESTIMATE_FILE).write_text((path / ESTIMATE_FILE).read_text())
    json_dir = prj / "build" / f"{design.top}.fpga.prj" / "reports" / "resources" / "json"
    json_dir.mkdir(parents=True)
    (json_dir / "summary.ndjson").write_text(
        json.dumps({"name": "Total", "data": [9273, 4140, 192, 0, 52]}) + "\n"
        + json.dumps({"name": "Available", "data": [974400, 1948800, 7110, 4510, 24360]}) + "\n")
    (json_dir / "loop_attr.ndjson").write_text(
        json.dumps({"name": "loop", "af": "200.0", "ii": "1", "lt": "8.0"}) + "\n"
        + json.dumps({"name": "kernel"}) + "\n")
    report = gnnc.read_report(prj)
    assert report.tool == "oneapi"
    assert report.actual["total"] == {"lut": 9273, "ff": 4140, "bram_18k": 192, "dsp": 0,
                                      "latency_cycles": 8, "ii": 1}
    assert report.actual["available"]["dsp"] == 4510
    assert "no per-op rows" in report.table()
    # after a Quartus compile: the fitted design replaces the HLS estimate of area
    (json_dir / "quartus.ndjson").write_text(json.dumps(
        {"quartusFitResourceUsageSummary": {"nodes": [{"name": "M", "alm": 2000, "alut": 3500, "reg": 1000,
                                                       "dsp": 0, "ram": 0, "mlab": 50}]}}))
    assert gnnc.read_report(prj).actual["total"]["lut"] == 3500


def test_report_errors(tmp_path):
    with pytest.raises(GnncError, match="not a project directory"):
        gnnc.read_report(tmp_path / "missing")
    with pytest.raises(GnncError, match="written without an estimate"):
        gnnc.read_report(tmp_path)
    (tmp_path / ESTIMATE_FILE).write_text("{")
    with pytest.raises(GnncError, match="not valid JSON"):
        gnnc.read_report(tmp_path)


def test_report_plot(stream_project, tmp_path, capsys):
    pytest.importorskip("matplotlib")  # the optional extra `plot` (in `dev` too)
    _, path = stream_project
    out = tmp_path / "cost.png"
    assert gnnc_cli.main(["report", str(path), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in capsys.readouterr().out
    assert gnnc_cli.main(["report", str(path), "--plot", str(tmp_path / "missing" / "x.png")]) == 1
    assert "cannot write the plot" in capsys.readouterr().err


def test_vitis_loop_rows_give_per_op_latency(stream_project, tmp_path):
    """A design that is not dataflow: the loops Vitis did not unroll carry the ops' labels."""
    design, path = stream_project
    prj = tmp_path / "loops"
    prj.mkdir()
    (prj / ESTIMATE_FILE).write_text((path / ESTIMATE_FILE).read_text())
    report_dir = prj / "m_prj" / "solution1" / "syn" / "report"
    report_dir.mkdir(parents=True)
    loops = ("<SummaryOfLoopLatency>"
             "<lin_dense><TripCount>2</TripCount><Latency>5</Latency><PipelineII>2</PipelineII></lin_dense>"
             "<act_sigmoid><Name>act_sigmoid</Name><Latency>3 ~ 7</Latency><PipelineII>1</PipelineII></act_sigmoid>"
             "<act_sigmoid_f><Latency>undef</Latency></act_sigmoid_f>"
             "</SummaryOfLoopLatency>")
    text = CSYNTH.format(top="m", modules="").replace("</PerformanceEstimates>", loops + "</PerformanceEstimates>")
    (report_dir / "csynth.xml").write_text(text)
    ops = gnnc.read_report(prj).actual["ops"]
    assert ops["lin_dense"] == {"latency_cycles": 5, "ii": 2}
    assert ops["act_sigmoid"] == {"latency_cycles": 7, "ii": 1}  # the worst case of a range


def test_vitis_layer_functions_match_the_estimate_per_op(tmp_path, capsys):
    """inline_layers: false keeps each gnn op a function of its own, so csynth.xml has one
    module per layer, named like the function (`lin_dense`): each is the op's actual row."""
    import re

    torch.manual_seed(0)
    example = (torch.rand(2, 1), torch.tensor([[0, 1], [1, 0]]))
    config = {"precision": "fixed<16,6>", "inline_layers": False, "graph": {"max_nodes": 2, "max_edges": 2}}
    design = gnnc.compile(DenseSigmoid().eval(), example, config)
    path = design.write(tmp_path / "p")
    cpp = (path / "firmware" / f"{design.top}.cpp").read_text()
    functions = re.findall(r"^static void (\w+)\(", cpp, re.M)
    ops = design.estimate()["ops"]
    assert functions and set(functions) <= set(ops)  # every layer function is an estimate row
    report_dir = path / f"{design.top}_prj" / "solution1" / "syn" / "report"
    report_dir.mkdir(parents=True)
    # Vitis lists every function in ModuleInformation and writes <module>_csynth.xml for each;
    # the last layer here only in its own file, a pipelined loop's submodule matches no op.
    *listed, last = functions
    modules = _module(design.top, 50, 4000, 10) + "".join(
        _module(f, 10 + k, 100 * (k + 1), 3 + k) for k, f in enumerate(listed))
    modules += _module(f"{functions[0]}_Pipeline_VITIS_LOOP_1", 99, 99, 99)
    (report_dir / "csynth.xml").write_text(CSYNTH.format(top=design.top, modules=modules))
    (report_dir / f"{last}_csynth.xml").write_text(
        "<profile>" + _module(last, 7, 700, 2)[len("<Module>"):-len("</Module>")] + "</profile>")
    actual = gnnc.read_report(path).actual["ops"]
    for k, f in enumerate(listed):
        assert actual[f] == {"bram_18k": 0, "dsp": 10 + k, "ff": 10, "lut": 100 * (k + 1), "uram": 0,
                             "latency_cycles": 3 + k, "ii": 3 + k}
    assert actual[last]["dsp"] == 7
    assert set(actual) == set(functions)
    assert gnnc_cli.main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith(functions[0] + " "))
    assert f"{ops[functions[0]]['dsp']:,} / 10" in row
