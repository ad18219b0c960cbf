"""Compile and run one C++ program of many fixed-point cases against the vendor headers.

A g++ build costs seconds and a case microseconds, so every property test batches its cases
into one `main` and compares the printed lines with what gnnc.fixed computes."""

import subprocess
from pathlib import Path

from gnnc.backends.oneapi import printer as oneapi_printer
from gnnc.backends.oneapi import standin
from gnnc.csim import ac_types_dir, ap_types_dir

PRELUDE = "template <class T> void show(const T& v) { std::printf(\"%.17g\\n\", v.to_double()); }\n"


def _build_and_run(tmp_path: Path, includes: str, body: str, flags: list[str]) -> list[str]:
    src = tmp_path / "cases.cpp"
    src.write_text(f"#include <cstdio>\n{includes}{PRELUDE}int main() {{\n{body}  return 0;\n}}\n")
    exe = tmp_path / "cases"
    build = subprocess.run(["g++", "-std=c++17", "-O0", *flags, str(src), "-o", str(exe)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[:3000]
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True, timeout=60).stdout.split()


def run_ap(tmp_path: Path, body: str) -> list[str]:
    """Lines printed by `body` compiled against ap_fixed.h (Vitis)."""
    return _build_and_run(tmp_path, '#include "ap_fixed.h"\n', body, ["-isystem", str(ap_types_dir())])


def run_ac(tmp_path: Path, body: str) -> list[str]:
    """Lines printed by `body` compiled against ac_fixed.h with the oneAPI printer's gnnc_raw."""
    (tmp_path / "gnnc_support.hpp").write_text(oneapi_printer._SUPPORT)
    headers = tmp_path / "standin"
    for rel, text in standin.files().items():
        path = headers / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return _build_and_run(tmp_path, '#include "gnnc_support.hpp"\n', body,
                          [f"-I{headers / standin.DIR}", f"-I{tmp_path}", "-isystem", str(ac_types_dir())])
