// The on-disk index of a recording folder: an append-only text journal, one record
// per line, each line carrying its own CRC-32 so that a torn or garbled line is
// skipped instead of trusted. Compaction rewrites it atomically as a snapshot.
//
//   dvr-journal 1
//   H <next-sequence> <discontinuity-sequence> *crc        snapshot header (first record)
//   S <seq> <start-us> <duration-us> <bytes> <0|1> <file> *crc   segment listed
//   X <seq> <delete-due-us> *crc                           oldest listed segment left
//   R <seq> *crc                                           oldest listed segment left for the archive
//   D <seq> *crc                                           its file was deleted
//   E *crc                                                 stream ended (ENDLIST)
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "segment.h"

namespace dvr {

struct JournalState {
  std::deque<Segment> listed;           // in the playlist, oldest first
  std::deque<PendingDeletion> pending;  // left the playlist, still on disk
  uint64_t next_sequence = 0;
  uint64_t discontinuity_sequence = 0;
  bool ended = false;
  size_t records = 0;   // records applied
  size_t rejected = 0;  // lines skipped: torn, garbled, out of order
  bool untrusted =
      false;  // the first line is not this version's magic: nothing was taken
};

// Feeds bytes in any chunking; never throws, never trusts a line it cannot verify,
// and keeps its memory bounded by the state it builds, not by the input.
class JournalParser {
 public:
  static constexpr size_t kMaxLine = 512;

  void feed(const char *data, size_t size);
  // Takes a last line without newline only if its CRC holds (a torn write has none).
  JournalState finish();

 private:
  void line(const char *text, size_t size);
  void reject_overlong();
  JournalState state_;
  std::string partial_;
  bool overlong_ = false;
  bool saw_magic_ = false;
  bool bad_magic_ = false;
};

// The text of records, each a full line with CRC and newline.
std::string journal_magic_line();
std::string journal_header_record(uint64_t next_sequence,
                                  uint64_t discontinuity_sequence);
std::string journal_segment_record(const Segment &segment);
std::string journal_expired_record(uint64_t sequence, int64_t due_us);
std::string journal_deleted_record(uint64_t sequence);
std::string journal_retired_record(uint64_t sequence);
std::string journal_ended_record();
// A whole journal equivalent to state, for compaction.
std::string journal_snapshot(const JournalState &state);

uint32_t crc32(const char *data, size_t size);

// Reads and parses a journal file; a missing one is an empty journal. false
// (with error naming the file) only when it exists and cannot be read.
bool read_journal_file(const std::string &path, JournalState *state,
                       std::string *error);

}  // namespace dvr
