"""Intel oneAPI (SYCL) FPGA backend: printer, project writer, SYCL stand-in for C simulation."""
