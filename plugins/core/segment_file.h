// One segment file written through a large buffer: a few write()s per segment
// instead of one per packet, and an fsync before it is handed on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ts_muxer.h"

namespace dvr {

class SegmentFile final : public TsPacketSink {
 public:
  // buffer_size is rounded down to whole TS packets (at least one), so that a
  // packet is never split across two write()s.
  explicit SegmentFile(size_t buffer_size);
  ~SegmentFile();
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;

  // Creates path exclusively (never follows a link). Returns 0 or an errno.
  int open(const std::string& path);
  // Never fails: an I/O error (ENOSPC above all) is remembered and the rest of
  // the segment dropped, so that recording goes on and only this segment is lost.
  uint8_t* next_packet() override;
  void append(const void* data, size_t size);
  // Writes the buffer out; data() and used() then start again at zero.
  void flush();
  // Flushes, fsyncs and closes. Returns 0 or the first errno seen.
  int finish();

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }
  bool is_open() const { return fd_ >= 0; }
  uint8_t* data() { return buffer_.get(); }
  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }

 private:
  std::string path_;
  int fd_ = -1;
  // Left uninitialized: zeroing a megabyte per segment was a visible share of
  // the lean writer's instructions, and every byte is written before it is read.
  size_t capacity_;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t used_ = 0;
  uint64_t bytes_ = 0;
  int error_ = 0;
};

}  // namespace dvr
