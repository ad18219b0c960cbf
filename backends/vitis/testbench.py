"""The C++ testbench of a Vitis project: the shared host program (`gnnc.backends.testbench`)
calling the top function directly. The data-file helpers are re-exported from there."""

from gnnc.backends.testbench import (  # noqa: F401
    VITIS,
    Graph,
    check_exact_outputs,
    check_index_types,
    check_ports,
    ctype_width,
    data_inputs,
    format_inputs,
    format_outputs,
    generate_testbench,
    graph_counts,
    outputs,
    parse_outputs,
)
