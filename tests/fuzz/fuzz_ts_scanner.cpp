// libFuzzer target for the MPEG-TS scanner (core/ts_scanner.cpp).
//
// Whatever the bytes, the scanner must not crash or read out of bounds, and
// every access unit it reports must be something a writer can copy as it is:
// whole packets, in order, without overlap, inside what was scanned, its table
// packets among its own. A stream that never loses sync must give the same
// units however it is split into buffers. Build and run it with
// tests/fuzz/run-fuzz ts_scanner.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "split_mix64.h"
#include "ts_scanner.h"

namespace {

struct Units : dvr::TsScanListener {
  std::vector<dvr::TsAccessUnit> units;
  size_t programs = 0;
  void on_program(const dvr::TsProgram &p) override {
    if (p.pat_packets.size() % dvr::kTsPacketSize ||
        p.pmt_packets.size() % dvr::kTsPacketSize)
      fail("tables that are not whole packets");
    programs++;
  }
  void on_access_unit(const dvr::TsAccessUnit &u) override {
    units.push_back(u);
  }

  [[noreturn]] static void fail(const char *what) {
    std::fprintf(stderr, "fuzz_ts_scanner: %s\n", what);
    std::abort();
  }
};

struct Result {
  Units units;
  uint64_t sync_losses = 0;
  dvr::TsScanError error = dvr::TsScanError::kNone;
};

void scan(const uint8_t *data, size_t size, uint64_t seed, Result *out) {
  dvr::TsScanner scanner(out->units);
  SplitMix64 random{seed};
  size_t at = 0;
  while (at < size) {
    size_t chunk = size - at;
    if (seed != 0) {
      const uint64_t r = random.next();
      chunk = (r & 1) ? (r >> 8) % 200 : (r >> 8) % 5000;
      if (chunk > size - at) chunk = size - at;
    }
    if (!scanner.scan(data + at, chunk)) break;
    at += chunk;
  }
  scanner.finish();
  out->sync_losses = scanner.sync_losses();
  out->error = scanner.error();
  const uint64_t scanned = scanner.bytes_scanned();
  uint64_t last_end = 0;
  for (const auto &u : out->units.units) {
    if (u.begin < last_end || u.end <= u.begin || u.end > scanned)
      Units::fail("a unit out of order or out of range");
    if ((u.end - u.begin) % dvr::kTsPacketSize)
      Units::fail("a unit that is not whole packets");
    for (uint64_t t : u.table_packets)
      if (t < u.begin || t + dvr::kTsPacketSize > u.end ||
          (t - u.begin) % dvr::kTsPacketSize)
        Units::fail("a table packet outside its unit");
    last_end = u.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Result whole, chunked;
  scan(data, size, 0, &whole);
  scan(data, size,
       (static_cast<uint64_t>(size) << 32) ^ (size ? data[size / 2] : 0) ^ 1,
       &chunked);
  // Resync and packet-size sniffing look only as far as a buffer reaches, so
  // only a stream in sync throughout must not depend on the split.
  if (whole.sync_losses == 0 && chunked.sync_losses == 0 &&
      whole.error == dvr::TsScanError::kNone &&
      chunked.error == dvr::TsScanError::kNone && size > 0 && data[0] == 0x47) {
    if (whole.units.units.size() != chunked.units.units.size())
      Units::fail("splitting changed the number of units");
    for (size_t i = 0; i < whole.units.units.size(); i++) {
      const auto &a = whole.units.units[i], &b = chunked.units.units[i];
      if (a.begin != b.begin || a.end != b.end || a.keyframe != b.keyframe ||
          a.pts != b.pts || a.dts != b.dts ||
          a.table_packets != b.table_packets)
        Units::fail("splitting changed a unit");
    }
    if (whole.units.programs != chunked.units.programs)
      Units::fail("splitting changed the programs");
  }
  return 0;
}
