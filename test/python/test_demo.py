"""The embedded demo: the synthetic detector's physics and format, the shipped checkpoint, and
one end-to-end `gnnc demo` run (both backends, C-simulated)."""

import csv
import math
import shutil

import numpy as np
import pytest

from conftest import skip_outside_ci
from gnnc.demo.detector import Detector, candidate_edges, generate, simulate_event
from gnnc.demo.owned_files import npz_bytes, write_owned_folder
from gnnc.demo.metrics import efficiency_purity
from gnnc.demo.trackml_format import graph_arrays, load_graphs
from gnnc.demo.train import CHECKPOINT, evaluate, load_checkpoint
from gnnc.errors import GnncError
from gnnc.tools.gnnc_cli import main

DET = Detector()


@pytest.fixture(scope="module")
def clean_event():
    return simulate_event(np.random.default_rng(7), DET, smear=False)


def test_helix_radius_is_pt_over_0_3_b(clean_event):
    # R [m] = pT [GeV] / (0.3 B [T]); the centre lies along q v x B (the Lorentz force) from the
    # origin, so every hit of a particle is R from it.
    ev, p = clean_event, clean_event.particles
    for k in range(len(p["pt"])):
        hits = ev.pid == k
        if hits.sum() < 2:
            continue
        radius = p["pt"][k] / (0.3 * DET.field_t) * 1000.0
        v = np.array([math.cos(p["phi0"][k]), math.sin(p["phi0"][k]), 0.0])
        force = p["charge"][k] * np.cross(v, [0.0, 0.0, DET.field_t])
        centre = radius * force[:2] / np.linalg.norm(force[:2])
        xy = np.stack([ev.r[hits] * np.cos(ev.phi[hits]), ev.r[hits] * np.sin(ev.phi[hits])], axis=1)
        np.testing.assert_allclose(np.linalg.norm(xy - centre, axis=1), radius, rtol=1e-9)
        # z grows with the transverse arc length at dz/ds = cot(theta) = sinh(eta)
        turn = np.arccos(np.clip(((xy - centre) @ -centre) / radius**2, -1, 1))
        np.testing.assert_allclose(ev.z[hits], p["z0"][k] + radius * turn * math.sinh(p["eta"][k]), atol=1e-6)


def test_hits_on_layer_radii_inside_the_sector():
    for graph, _ in generate(5, seed=11):
        r_mm = graph.x[:, 0].double().numpy() * 1000.0
        assert np.isin(np.round(r_mm, 3), DET.radii_mm).all()
        assert (graph.x[:, 1].abs() < 1).all()  # phi / (pi/8) inside the sector
        assert (graph.x[:, 2].abs() * 1000 < DET.half_length_mm).all()


def test_edges_are_the_window_on_adjacent_layers():
    ev = simulate_event(np.random.default_rng(3), DET)
    edges = candidate_edges(ev, DET)
    s, t = edges
    assert (ev.layer[t] == ev.layer[s] + 1).all()
    assert (np.abs(ev.phi[t] - ev.phi[s]) < DET.window_dphi).all()
    z0 = ev.z[s] - ev.r[s] * (ev.z[t] - ev.z[s]) / (ev.r[t] - ev.r[s])
    assert (np.abs(z0) < DET.window_z0_mm).all()
    # and every pair inside the window is a candidate (brute force over all hit pairs)
    expected = {(i, j) for i in range(len(ev.r)) for j in range(len(ev.r))
                if ev.layer[j] == ev.layer[i] + 1 and abs(ev.phi[j] - ev.phi[i]) < DET.window_dphi
                and abs(ev.z[i] - ev.r[i] * (ev.z[j] - ev.z[i]) / (ev.r[j] - ev.r[i])) < DET.window_z0_mm}
    assert set(zip(s.tolist(), t.tolist())) == expected


def test_truth_is_same_particle_and_sizes_fit():
    for graph, pid in generate(10, seed=5):
        s, t = graph.edge_index.numpy()
        same = (pid[s] == pid[t]) & (pid[s] >= 0)
        np.testing.assert_array_equal(graph.y.numpy(), same.astype(np.float32))
        assert 0 < graph.y.sum() < graph.num_edges  # true and fake candidates both present
        assert graph.num_nodes <= DET.max_nodes and graph.num_edges <= DET.max_edges


def test_deterministic_with_a_seed():
    a, b, c = generate(2, seed=9), generate(2, seed=9), generate(2, seed=10)
    for (ga, pa), (gb, pb) in zip(a, b):
        assert all(np.array_equal(getattr(ga, k).numpy(), getattr(gb, k).numpy()) for k in ga.keys())
        assert np.array_equal(pa, pb)
    assert not np.array_equal(a[0][0].x.numpy(), c[0][0].x.numpy())


def _check_trackml_features(arrays):
    """The format's rule, as the shared TrackML files have it: edge_attr = (dr, dphi, dz) of the
    scaled x, outer minus inner, and dR = sqrt(deta^2 + (dphi * pi/8)^2)."""
    x, (s, t), ea = arrays["x"], arrays["edge_index"], arrays["edge_attr"].T
    np.testing.assert_allclose(ea[:, :3], x[t] - x[s], atol=1e-6)
    eta = np.arcsinh(x[:, 2].astype(np.float64) / x[:, 0])
    dR = np.hypot(eta[t] - eta[s], ea[:, 1] * np.pi / 8)
    np.testing.assert_allclose(ea[:, 3], dR, atol=1e-5)
    assert arrays["edge_attr"].dtype == np.float32 and arrays["edge_index"].dtype == np.int64


def test_npz_round_trip_through_the_loader(tmp_path):
    generated = generate(3, seed=4)
    files = {f"g{i}.npz": npz_bytes(graph_arrays(g, pid)) for i, (g, pid) in enumerate(generated)}
    write_owned_folder(tmp_path / "graphs", files, force=False)
    loaded = load_graphs(tmp_path / "graphs")
    for (g, pid), back, name in zip(generated, loaded, sorted(files)):
        for key in ("x", "edge_index", "edge_attr", "y"):
            assert np.array_equal(getattr(g, key).numpy(), getattr(back, key).numpy()), key
        with np.load(tmp_path / "graphs" / name) as f:
            assert np.array_equal(f["pid"], pid)
            _check_trackml_features({k: f[k] for k in f.files})


def test_same_format_as_the_shared_trackml_files(trackml_dir):
    with np.load(sorted((trackml_dir / "graphs").glob("*.npz"))[0]) as f:
        _check_trackml_features({k: f[k] for k in f.files})


def test_owned_folder_never_replaces_a_users_file(tmp_path):
    arrays = npz_bytes(graph_arrays(generate(1, seed=4)[0][0]))
    folder = tmp_path / "graphs"
    write_owned_folder(folder, {"a.npz": arrays}, force=False)
    with pytest.raises(GnncError, match="--force"):
        write_owned_folder(folder, {"a.npz": arrays}, force=False)
    write_owned_folder(folder, {"a.npz": arrays}, force=True)  # its own, unchanged: replaced
    (folder / "mine.npz").write_bytes(b"user data")
    with pytest.raises(GnncError, match="gnnc did not write it"):
        write_owned_folder(folder, {"mine.npz": arrays}, force=True)
    (folder / "a.npz").write_bytes(b"edited")
    with pytest.raises(GnncError, match="changed since"):
        write_owned_folder(folder, {"a.npz": arrays}, force=True)
    assert (folder / "mine.npz").read_bytes() == b"user data" and (folder / "a.npz").read_bytes() == b"edited"


def test_shipped_checkpoint_classifies_fresh_graphs():
    assert CHECKPOINT.is_file() and CHECKPOINT.stat().st_size < 50_000
    model = load_checkpoint()
    fresh = [g for g, _ in generate(40, seed=1234)]  # neither the training nor the demo's stream
    eff, pur = evaluate(model, fresh)
    assert eff > 0.95 and pur > 0.95, (eff, pur)
    # the metric itself, on a hand-made case: 2 of 3 true kept, 2 of 3 kept are true
    assert efficiency_purity([np.array([0.9, 0.8, 0.1, 0.7])], [np.array([1, 1, 1, 0])]) == (2 / 3, 2 / 3)


def test_gnnc_demo_end_to_end(tmp_path, capsys):
    if shutil.which("g++") is None:
        skip_outside_ci("g++ not found: the demo C-simulates")
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--graphs", "3", "--widths", "6,16"]) == 0
    text = capsys.readouterr().out
    assert "bit-exact with the emulator on vitis 3/3, oneapi 3/3 graphs" in text
    assert "estimate vitis" in text and "of xcvu9p" in text and "estimate oneapi" in text and "of agf014" in text
    for stage in ("float (torch)", "fixed (emulator)", "csim vitis", "csim oneapi"):
        assert stage in text
    assert sorted(p.name for p in (out / "graphs").glob("*.npz")) == [f"synthetic_{i:03d}.npz" for i in range(3)]
    assert (out / "vitis" / "gnnc_config.yaml").is_file() and (out / "oneapi" / "gnnc_config.yaml").is_file()
    _check_bit_width_scan(out / "plots", text)
    # a rerun needs --force, and --force keeps what the user put there
    assert main(["demo", "--out", str(out), "--graphs", "3", "--widths", "none"]) == 1
    assert "--force" in capsys.readouterr().err
    (out / "vitis" / "notes.txt").write_text("mine")
    assert main(["demo", "--out", str(out), "--graphs", "3", "--widths", "none", "--force"]) == 0
    assert (out / "vitis" / "notes.txt").read_text() == "mine"


def _check_bit_width_scan(plots, text):
    """The scan's 16-bit row is the demo's own design (fixed<16,8>): the same figures as its
    emulator line; 6 bits (fixed<6,5>, one fractional bit) is a different design."""
    rows = list(csv.reader((plots / "bit_width.csv").read_text().splitlines()))
    assert rows[0][:4] == ["width", "precision", "efficiency", "purity"]
    by_width = {int(r[0]): r for r in rows[1:]}
    assert sorted(by_width) == [6, 16] and by_width[6][1] == "fixed<6,5>" and by_width[16][1] == "fixed<16,8>"
    line = next(ln for ln in text.splitlines() if "fixed (emulator)" in ln).split()
    assert [f"{float(v):.4f}" for v in by_width[16][2:4]] == line[-2:]
    assert float(by_width[6][4]) > float(by_width[16][4])  # fewer bits, larger error against float
    assert (plots / "bit_width.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_widths_option_is_checked():
    from gnnc.demo.bit_width import parse_widths

    assert parse_widths("6, 8,16") == (6, 8, 16) and parse_widths("None") == ()
    for bad in ("6;8", "2,8", "eight"):
        with pytest.raises(GnncError, match="--widths"):
            parse_widths(bad)


def test_gnnc_demo_help_has_an_example(capsys):
    assert main(["demo", "--help"]) == 0
    assert "example: gnnc demo --out out/demo" in capsys.readouterr().out



def test_data_folder_errors_name_the_file(tmp_path, capsys):
    np.savez(tmp_path / "g.npz", x=np.zeros((2, 3), np.float32))
    assert main(["demo", "--out", str(tmp_path / "out"), "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "g.npz: no array 'edge_index'" in err and "Traceback" not in err
    assert main(["demo", "--out", str(tmp_path / "out"), "--data", str(tmp_path / "none")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_training_script_writes_a_loadable_checkpoint(tmp_path, capsys):
    import torch

    from gnnc.demo import train

    threads = torch.get_num_threads()
    try:
        assert train.main(["--out", str(tmp_path / "m.pt"), "--epochs", "2", "--graphs", "16"]) == 0
    finally:
        torch.set_num_threads(threads)
    assert "held-out graphs" in capsys.readouterr().out
    trained = train.load_checkpoint(tmp_path / "m.pt")
    assert trained.state_dict().keys() == load_checkpoint().state_dict().keys()
