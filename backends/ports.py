"""The ports of a generated top function, as the project writer and testbench see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Port:
    """One argument of the top function.

    role:
      "features"   an array [capacity rows][features] of fixed-point values
      "edge_index" an array [2][max_edges] of node indices (row 0 source, row 1 target)
      "count"      a scalar: the real number of nodes, edges or graphs in this call
      "batch"      an array [max_nodes][1] of graph numbers, one per node (a batch of graphs)
    rows: which capacity the array's first axis has ("nodes", "edges" or "graphs"); for a
      count port, which count it is. None for edge_index.
    graphs: the graph capacity of the design (rows of a "graphs" array; 1 without a batch).
    stream: the port is a stream of rows (an io: stream design): one transfer per real row,
      a row being `features` values, or an edge's (source, target) for edge_index.
    """

    name: str
    direction: Literal["in", "out"]
    role: Literal["features", "edge_index", "count", "batch"]
    rows: Literal["nodes", "edges", "graphs"] | None
    features: int  # columns of a features array; 0 for edge_index and counts
    ctype: str  # C++ element type, e.g. "ap_fixed<16, 8>" or "ap_uint<7>"
    frac_bits: int = 0  # fractional bits of a fixed-point ctype (raw = value * 2**frac_bits)
    stream: bool = False  # io: stream: a stream of rows (gnnc_row<ctype, width>), not an array
    graphs: int = 1  # the design's graph capacity (graph-level rows)

    @property
    def row_width(self) -> int:
        """Values per row of a stream port."""
        return 2 if self.role == "edge_index" else self.features

    def shape(self, max_nodes: int, max_edges: int) -> tuple[int, ...]:
        """The C array shape of this port for a design of the given capacity."""
        if self.role == "count":
            return ()
        if self.role == "edge_index":
            return (2, max_edges)
        cap = {"nodes": max_nodes, "edges": max_edges, "graphs": self.graphs}[self.rows or "nodes"]
        return (cap, self.features)
