"""Writing projects: nothing gnnc did not write is lost, with or without force, crash or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gnnc.backends import write
from gnnc.backends.write import MANIFEST, MARKER, STAGE, write_project_dir
from gnnc.errors import GnncError

V1 = {MARKER: "v: 1\n", "firmware/top.cpp": "// v1\n", "old_only/gone.txt": "v1 only\n", "README.md": "v1\n"}
V2 = {MARKER: "v: 2\n", "firmware/top.cpp": "// v2\n", "README.md": "v2\n", "tb_data/input.txt": "2\n"}


def _tree(root):
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_new_project_has_a_manifest_of_what_gnnc_wrote(tmp_path):
    out = write_project_dir(tmp_path / "prj", V1, force=False)
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(listed) == sorted(V1)
    assert sorted(os.listdir(tmp_path)) == ["prj"]


def test_a_regular_file_is_never_replaced(tmp_path):
    precious = tmp_path / "results.csv"
    precious.write_text("a,b\n1,2\n")
    for force in (False, True):
        with pytest.raises(GnncError, match=r"results.csv is a file.*never replaces it"):
            write_project_dir(precious, V1, force=force)
    assert precious.read_text() == "a,b\n1,2\n"


def test_output_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(GnncError, match=r"notes.txt is a file"):
        write_project_dir(tmp_path / "notes.txt" / "prj", V1, force=False)


def test_force_replaces_only_gnnc_files(tmp_path):
    out = write_project_dir(tmp_path / "prj", V1, force=False)
    (out / "top_prj" / "solution1").mkdir(parents=True)  # a Vitis run's results
    (out / "top_prj" / "solution1" / "csynth.xml").write_text("<hours of synthesis/>")
    (out / "notes.md").write_text("mine")
    write_project_dir(out, V2, force=True)
    tree = _tree(out)
    assert tree["top_prj/solution1/csynth.xml"] == "<hours of synthesis/>"
    assert tree["notes.md"] == "mine"
    assert {k: tree[k] for k in V2} == V2
    assert not (out / "old_only").exists()  # written by gnnc before, not any more
    assert not (out / STAGE).exists() and sorted(os.listdir(tmp_path)) == ["prj"]


def test_force_rewrites_only_changed_files(tmp_path):
    out = write_project_dir(tmp_path / "prj", V1, force=False)
    before = {rel: (out / rel).stat().st_ino for rel in V1}
    (out / "README.md").unlink()  # deleted since: written again, though its text is the same
    v3 = {**V1, "firmware/top.cpp": "// v3\n"}
    write_project_dir(out, v3, force=True)
    after = {rel: (out / rel).stat().st_ino for rel in v3}
    assert _tree(out) == {**v3, MANIFEST: (out / MANIFEST).read_text()}
    assert after[MARKER] == before[MARKER] and after["old_only/gone.txt"] == before["old_only/gone.txt"]
    assert after["firmware/top.cpp"] != before["firmware/top.cpp"]
    assert json.loads((out / MANIFEST).read_text())["files"]["firmware/top.cpp"] == write._digest("// v3\n")


def test_force_refuses_to_overwrite_a_user_file_or_an_edited_one(tmp_path):
    out = write_project_dir(tmp_path / "prj", V1, force=False)
    (out / "tb_data").mkdir()
    (out / "tb_data" / "input.txt").write_text("my own graphs")  # V2 would write this path
    before = _tree(out)
    with pytest.raises(GnncError, match=r"tb_data/input.txt would be overwritten, and gnnc did not write it"):
        write_project_dir(out, V2, force=True)
    assert _tree(out) == before
    (out / "tb_data" / "input.txt").unlink()
    (out / "firmware" / "top.cpp").write_text("// hand-tuned\n")
    with pytest.raises(GnncError, match=r"firmware/top.cpp changed since gnnc wrote it"):
        write_project_dir(out, V2, force=True)
    assert (out / "firmware" / "top.cpp").read_text() == "// hand-tuned\n"


def test_foreign_directory_is_refused_even_with_force(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(GnncError, match="not a gnnc project"):
        write_project_dir(mine, V1, force=True)
    assert _tree(mine) == {"thesis.tex": "precious"}


def test_a_project_from_before_manifests_is_replaced(tmp_path):
    out = tmp_path / "prj"
    out.mkdir()
    for rel, text in V1.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    write_project_dir(out, V2, force=True)
    tree = _tree(out)
    assert {k: tree[k] for k in V2} == V2
    assert tree["old_only/gone.txt"] == "v1 only\n"  # unknown to gnnc then: kept


def test_crash_after_commit_is_finished_by_the_next_write(tmp_path, monkeypatch):
    out = write_project_dir(tmp_path / "prj", V1, force=False)
    (out / "notes.md").write_text("mine")
    real_replace, calls = os.replace, []

    def crash_on_second_file(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # the plan's commit, then one file moved, then the crash
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", crash_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        write_project_dir(out, V2, force=True)
    monkeypatch.setattr(write.os, "replace", real_replace)
    assert (out / STAGE / "plan.json").is_file()  # committed, half carried out
    write.finish_interrupted(out)
    tree = _tree(out)
    assert {k: tree[k] for k in V2} == V2 and tree["notes.md"] == "mine"
    assert not (out / STAGE).exists()


def test_crash_before_commit_leaves_the_old_project(tmp_path, monkeypatch):
    out = write_project_dir(tmp_path / "prj", V1, force=False)
    before = _tree(out)
    (out / STAGE / "files").mkdir(parents=True)
    (out / STAGE / "files" / "README.md").write_text("half-written")
    write.finish_interrupted(out)  # no plan: the stage is discarded
    assert _tree(out) == before


def test_killed_writers_leave_nothing_after_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    leftover = tmp_path / f".prj.tmp-{dead}-abcd"
    leftover.mkdir()
    (leftover / "half.cpp").write_text("//")
    alive = tmp_path / f".prj.tmp-{os.getpid()}-efgh"  # a writer still running: untouched
    alive.mkdir()
    write_project_dir(tmp_path / "prj", V1, force=False)
    assert not leftover.exists() and alive.exists()
