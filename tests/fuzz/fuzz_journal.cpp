// libFuzzer target for the journal loader (core/journal.cpp).
//
// Whatever the bytes, the parser must not crash, must give the same recording
// however the input is chunked, and the snapshot it would compact to must read
// back as the same recording: the same listed segments, pending deletions, next
// sequence number, discontinuity sequence and end flag. Build and run it with
// tests/fuzz/run-fuzz journal (or tests/fuzz/run-journal-fuzz).
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "journal.h"
#include "split_mix64.h"

namespace {

dvr::JournalState parse_whole(const char *data, size_t size) {
  dvr::JournalParser parser;
  parser.feed(data, size);
  return parser.finish();
}

dvr::JournalState parse_chunked(const char *data, size_t size, uint64_t seed) {
  SplitMix64 random{seed};
  dvr::JournalParser parser;
  size_t at = 0;
  while (at < size) {
    const uint64_t r = random.next();
    // Mostly short chunks, sometimes empty, sometimes longer than any line.
    size_t chunk;
    switch (r & 3) {
      case 0:
        chunk = 1;
        break;
      case 1:
        chunk = (r >> 8) % 16;
        break;
      case 2:
        chunk = (r >> 8) % 700;
        break;
      default:
        chunk = (r >> 8) % 4096;
        break;
    }
    if (chunk > size - at) chunk = size - at;
    parser.feed(data + at, chunk);
    at += chunk;
  }
  return parser.finish();
}

[[noreturn]] void fail(const char *what, const dvr::JournalState &a,
                       const dvr::JournalState &b) {
  std::fprintf(stderr,
               "fuzz_journal: %s\n"
               "  first:  listed %zu pending %zu next %" PRIu64 " disc %" PRIu64
               " ended %d records %zu rejected %zu\n"
               "  second: listed %zu pending %zu next %" PRIu64 " disc %" PRIu64
               " ended %d records %zu rejected %zu\n",
               what, a.listed.size(), a.pending.size(), a.next_sequence,
               a.discontinuity_sequence, a.ended ? 1 : 0, a.records, a.rejected,
               b.listed.size(), b.pending.size(), b.next_sequence,
               b.discontinuity_sequence, b.ended ? 1 : 0, b.records,
               b.rejected);
  std::abort();
}

bool same_segment(const dvr::Segment &a, const dvr::Segment &b) {
  return a.sequence == b.sequence && a.filename == b.filename &&
         a.start_us == b.start_us && a.duration_us == b.duration_us &&
         a.bytes == b.bytes && a.discontinuity == b.discontinuity;
}

bool same_pending(const dvr::PendingDeletion &a,
                  const dvr::PendingDeletion &b) {
  return a.sequence == b.sequence && a.filename == b.filename &&
         a.bytes == b.bytes && a.due_us == b.due_us;
}

// The recording a reader would serve; records/rejected describe the text, not the recording.
void require_same_recording(const char *what, const dvr::JournalState &a,
                            const dvr::JournalState &b) {
  if (a.listed.size() != b.listed.size()) fail(what, a, b);
  for (size_t i = 0; i < a.listed.size(); i++)
    if (!same_segment(a.listed[i], b.listed[i])) fail(what, a, b);
  if (a.pending.size() != b.pending.size()) fail(what, a, b);
  for (size_t i = 0; i < a.pending.size(); i++)
    if (!same_pending(a.pending[i], b.pending[i])) fail(what, a, b);
  if (a.next_sequence != b.next_sequence ||
      a.discontinuity_sequence != b.discontinuity_sequence ||
      a.ended != b.ended)
    fail(what, a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size) {
  const char *data = reinterpret_cast<const char *>(bytes);
  const dvr::JournalState whole = parse_whole(data, size);

  const uint64_t seed =
      (static_cast<uint64_t>(dvr::crc32(data, size)) << 32) ^ size;
  const dvr::JournalState chunked = parse_chunked(data, size, seed);
  require_same_recording("chunked feeding changed the recording", whole,
                         chunked);
  if (whole.records != chunked.records || whole.rejected != chunked.rejected)
    fail("chunked feeding changed the record counts", whole, chunked);

  // Every line but the magic one is either applied or rejected, once.
  size_t lines = 0;
  for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
  if (size > 0 && data[size - 1] != '\n') lines++;
  const size_t counted = whole.records + whole.rejected;
  if (counted > lines || counted + 1 < lines)
    fail("a line was counted twice or lost", whole, whole);

  // Compaction: the snapshot must describe the same recording and read back cleanly.
  const std::string snapshot = dvr::journal_snapshot(whole);
  const dvr::JournalState again = parse_whole(snapshot.data(), snapshot.size());
  require_same_recording("the snapshot changed the recording", whole, again);
  if (again.rejected != 0)
    fail("the snapshot has lines its reader rejects", whole, again);
  if (dvr::journal_snapshot(again) != snapshot)
    fail("a second snapshot differs from the first", whole, again);
  return 0;
}
