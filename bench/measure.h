// Clocks and memory readings the benchmark programs share.
#pragma once

#include <malloc.h>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace bench {

inline double now_ms() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double, std::milli>(
             clock::now().time_since_epoch())
      .count();
}

inline int64_t wall_us() {
  using clock = std::chrono::system_clock;
  return std::chrono::duration_cast<std::chrono::microseconds>(
             clock::now().time_since_epoch())
      .count();
}

// Bytes the allocator has handed out and not taken back (small and mmapped blocks).
inline size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

}  // namespace bench
