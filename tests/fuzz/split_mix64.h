// A small, fast random number generator for the fuzz targets: chunk sizes come
// from it, seeded by the input itself, so that the input stays a plain file of
// its kind and a crash reproduces from that file alone.
#pragma once

#include <cstdint>

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};
