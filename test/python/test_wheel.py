"""Packaging: the wheel holds every module and data file gnnc needs. It is built from the source
tree, installed into a fresh venv outside it, and both backends are compiled and C-simulated
from there, so a module or data file missing from pyproject.toml's package lists fails here."""

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, skip_outside_ci

# one wheel and venv for the module's tests (make test runs pytest-xdist workers)
pytestmark = pytest.mark.xdist_group("wheel")

TINY_MODEL = Path(__file__).with_name("tiny_model.py")


def run(args, cwd, env=None):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def source_files() -> set[str]:
    """Every file the source packages hold, named as it must appear in the wheel (through
    pyproject.toml's package-dir map), caches left out."""
    setup = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    names = set()
    for package, folder in setup["package-dir"].items():
        prefix = package.replace(".", "/")
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                names.add(f"{prefix}/{path.relative_to(REPO / folder).as_posix()}")
    return names


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh venv with only the built wheel installed as gnnc; the test venv's third-party
    packages (torch, PyG, xdsl, hls4ml headers) are reused through a plain path line in a .pth
    file, under which the editable gnnc's own .pth finder is not processed."""
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a clean copy: setuptools would put a stale build/lib of the source tree into
    # the wheel, hiding a package dropped from pyproject.toml.
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "Output", "out"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", tmp / "dist", "."], cwd=source)
    (wheel,) = (tmp / "dist").glob("gnnc-*.whl")
    missing = source_files() - set(zipfile.ZipFile(wheel).namelist())
    assert not missing, f"the wheel misses {sorted(missing)}: add them to pyproject.toml"
    run([sys.executable, "-m", "venv", tmp / "venv"], cwd=tmp)
    python = tmp / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "-q", "--no-deps", wheel], cwd=tmp)
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp)
    (Path(site.strip()) / "test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return tmp


def venv_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{tmp / 'venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["GNNC_CACHE_DIR"] = str(tmp / "cache")  # g++ builds from the installed files, not a cache
    return env


def test_wheel_gnnc_comes_from_the_venv(wheel_venv):
    work = wheel_venv / "work"
    work.mkdir(exist_ok=True)
    out = run([wheel_venv / "venv" / "bin" / "python", "-c", "import gnnc; print(gnnc.__file__)"],
              cwd=work, env=venv_env(wheel_venv))
    assert Path(out.strip()).resolve().is_relative_to((wheel_venv / "venv").resolve())


@pytest.mark.parametrize("backend", ["vitis", "oneapi"])
def test_wheel_compiles_and_csims(wheel_venv, backend):
    if shutil.which("g++") is None:
        skip_outside_ci("g++ not found: the C simulation needs it")
    work = wheel_venv / "work"
    work.mkdir(exist_ok=True)
    shutil.copy(TINY_MODEL, work / "tiny_model.py")
    out = run([wheel_venv / "venv" / "bin" / "gnnc", "compile", "tiny_model.py", "--backend", backend,
               "-o", f"prj-{backend}", "--csim"], cwd=work, env=venv_env(wheel_venv))
    assert "csim       bit-identical to the emulator" in out
    assert (work / f"prj-{backend}").is_dir()


def test_wheel_gnnc_demo(wheel_venv):
    """The embedded default: the shipped detector and checkpoint, both backends, from the wheel alone."""
    if shutil.which("g++") is None:
        skip_outside_ci("g++ not found: the demo C-simulates")
    work = wheel_venv / "work"
    work.mkdir(exist_ok=True)
    out = run([wheel_venv / "venv" / "bin" / "gnnc", "demo", "--out", "demo", "--graphs", "2"], cwd=work,
              env=venv_env(wheel_venv))
    assert "bit-exact with the emulator on vitis 2/2, oneapi 2/2 graphs" in out
    assert len(list((work / "demo" / "graphs").glob("*.npz"))) == 2


def test_wheel_gnnc_opt(wheel_venv):
    out = run([wheel_venv / "venv" / "bin" / "gnnc-opt", "--help"], cwd=wheel_venv,
              env=venv_env(wheel_venv))
    assert "usage: gnnc-opt" in out
