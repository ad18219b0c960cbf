"""The SYCL stand-in: just enough of SYCL and the Intel FPGA extensions, as plain C++, for g++
to compile and run a generated oneAPI design (kernel + host program) in C simulation.

It is NOT a SYCL implementation. `queue::single_task` queues the kernel functor and runs it
when the host waits for it (`event::wait`, `queue::wait`) or reads a host pipe, as a real
device runs it concurrently with the host; pipes are FIFOs keyed by their id type, and a
kernel that reads an empty pipe (which would stall forever on hardware) stops the program.
`task_sequence::async` runs the task at once: the stages of an io: stream design are
launched in dataflow order, so each finds its input rows in the pipes.
Kernel and pipe properties are accepted and ignored. The ac types are the HLSLibs ac_types
headers (`ac_fixed.h`, `ac_int.h`) with the same API as Intel's copy.
"""

from __future__ import annotations

DIR = "sycl_standin"

_MAIN = "gnnc_sycl_standin.hpp"

_STANDIN = """\
// gnnc SYCL stand-in for C simulation with a plain C++ compiler (g++ -std=c++17).
// NOT a SYCL implementation: single_task queues the kernel functor and runs it when the
// host waits for it or reads a host pipe; pipes are FIFOs keyed by their id type.
// Compile with -I<this directory> and -isystem <HLSLibs ac_types/include>.
#ifndef GNNC_SYCL_STANDIN_HPP
#define GNNC_SYCL_STANDIN_HPP

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>

#define SYCL_EXTERNAL

namespace sycl {

namespace gnnc_standin {
inline std::deque<std::function<void()>>& pending() {
  static std::deque<std::function<void()>> kernels;
  return kernels;
}
// Run the queued kernels in submission order (a device runs them as the host waits).
inline void run_pending() {
  while (!pending().empty()) {
    std::function<void()> kernel = pending().front();
    pending().pop_front();
    kernel();
  }
}
}  // namespace gnnc_standin

class event {
 public:
  void wait() { gnnc_standin::run_pending(); }
};

class queue {
 public:
  template <class... Args>
  explicit queue(Args&&...) {}
  template <class KernelName = void, class Kernel>
  event single_task(const Kernel& kernel) {
    gnnc_standin::pending().push_back([kernel] { kernel(); });
    return event();
  }
  void wait() { gnnc_standin::run_pending(); }
};

namespace ext {
namespace oneapi {
namespace experimental {
struct properties_tag {};
template <class... Props>
struct properties {
  constexpr properties(Props...) {}
};
}  // namespace experimental
}  // namespace oneapi

namespace intel {
struct gnnc_selector {};
inline constexpr gnnc_selector fpga_emulator_selector_v{};
inline constexpr gnnc_selector fpga_simulator_selector_v{};
inline constexpr gnnc_selector fpga_selector_v{};

namespace experimental {
// Pipe and kernel properties: accepted, ignored.
struct gnnc_property {};
inline constexpr gnnc_property protocol_avalon_streaming{};
inline constexpr gnnc_property protocol_avalon_streaming_uses_ready{};
inline constexpr gnnc_property protocol_avalon_mm{};
inline constexpr gnnc_property protocol_avalon_mm_uses_ready{};
template <int N>
inline constexpr gnnc_property ready_latency{};
template <int... N>
inline constexpr gnnc_property streaming_interface{};
template <int N = -1>
inline constexpr gnnc_property pipelined{};

template <class Id, class T, int MinCapacity = 0, class Props = void>
class pipe {
 public:
  // Kernel side.
  static T read() {
    if (fifo().empty()) {
      std::fprintf(stderr, "gnnc sycl stand-in: a kernel read an empty pipe (it would stall forever)\\n");
      std::abort();
    }
    T value = fifo().front();
    fifo().pop_front();
    return value;
  }
  static void write(const T& value) { fifo().push_back(value); }
  // Host side (host pipes): a read waits for the queued kernels.
  static T read(queue&) {
    gnnc_standin::run_pending();
    return read();
  }
  static void write(queue&, const T& value) { write(value); }

 private:
  static std::deque<T>& fifo() {
    static std::deque<T> f;
    return f;
  }
};
}  // namespace experimental

template <class Id, class T, int MinCapacity = 0>
using pipe = experimental::pipe<Id, T, MinCapacity>;

namespace experimental {
// A task function run at async(): the stages of a dataflow design run one after another,
// in call order, each consuming what the earlier ones left in the pipes.
template <auto& F, int... QueueDepths>
class task_sequence {
 public:
  template <class... Args>
  void async(Args... args) { F(args...); }
  void get() {}
};
}  // namespace experimental
}  // namespace intel
}  // namespace ext
}  // namespace sycl

#endif
"""


def _forward(target: str, what: str) -> str:
    return f"// gnnc SYCL stand-in: {what}\n#pragma once\n#include {target}\n"


def files() -> dict[str, str]:
    """The stand-in headers by path relative to the project root."""
    return {
        f"{DIR}/{_MAIN}": _STANDIN,
        f"{DIR}/sycl/sycl.hpp": _forward(f"<{_MAIN}>", "queue, event, properties."),
        f"{DIR}/sycl/ext/intel/fpga_extensions.hpp": _forward(f"<{_MAIN}>", "selectors, pipes."),
        f"{DIR}/sycl/ext/intel/experimental/task_sequence.hpp": _forward(f"<{_MAIN}>", "task_sequence."),
        f"{DIR}/sycl/ext/intel/ac_types/ac_fixed.hpp": _forward(
            "<ac_fixed.h>", "HLSLibs ac_fixed (Intel's copy needs clang's _BitInt)."),
        f"{DIR}/sycl/ext/intel/ac_types/ac_int.hpp": _forward(
            "<ac_int.h>", "HLSLibs ac_int (Intel's copy needs clang's _BitInt)."),
    }
