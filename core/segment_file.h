// One segment file written through a large buffer: a few write()s per segment
// instead of one per packet, and durable on disk before it is handed on.
//
// Full buffers go to disk with O_DIRECT where the filesystem allows it: the
// data leaves from our buffer, with no copy into the page cache and no
// writeback left for the fsync that must follow anyway. A recorder writes far
// more than anyone watches, so keeping its segments out of the cache is right
// for the machine too; a player reading a fresh segment reads it from disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ts_muxer.h"

namespace dvr {

class SegmentFile final : public TsPacketSink {
 public:
  // O_DIRECT wants addresses, offsets and lengths in whole blocks of the
  // device; 4 KiB is one on every disk in use.
  static constexpr size_t kDirectBlock = 4096;
  // The smallest buffer that holds both whole TS packets and whole blocks.
  static constexpr size_t kPacketsAndBlocks = kTsPacketSize / 4 * kDirectBlock;

  // buffer_size is rounded down to whole TS packets (at least one), so that a
  // packet is never split across two write()s; from kPacketsAndBlocks up, to a
  // multiple of it, so that every full buffer can be written with O_DIRECT.
  explicit SegmentFile(size_t buffer_size);
  ~SegmentFile();
  SegmentFile(const SegmentFile &) = delete;
  SegmentFile &operator=(const SegmentFile &) = delete;

  // Creates path exclusively (never follows a link). Returns 0 or an errno.
  // durable: O_DIRECT where the filesystem allows it and fdatasync at finish();
  // otherwise the data goes through the page cache and the kernel writes it
  // back when it will.
  int open(const std::string &path, bool durable = true);
  // Called when a write finds the disk full: returns true if it made room,
  // and the write is tried again (a few times per file at most), so that a
  // full disk costs no segment when room can be made.
  void set_no_space_handler(std::function<bool()> handler) {
    no_space_ = std::move(handler);
  }
  // Never fails: an I/O error (ENOSPC above all) is remembered and the rest of
  // the segment dropped, so that recording goes on and only this segment is lost.
  uint8_t *next_packet() override;
  void append(const void *data, size_t size);
  // Writes the buffer out; data() and used() then start again at zero.
  void flush();
  // Flushes, makes the data durable (fdatasync, if opened durable) and closes.
  // Returns 0 or the first errno seen.
  int finish();

  const std::string &path() const { return path_; }
  uint64_t bytes() const { return bytes_; }
  bool is_open() const { return fd_ >= 0; }
  // Whether the full buffers of this file bypass the page cache.
  bool direct() const { return direct_; }
  uint8_t *data() { return buffer_; }
  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }

 private:
  // Writes [p, p + size) at the current offset; remembers the first error.
  void write_all(const uint8_t *p, size_t size);
  // Leaves O_DIRECT for the rest of the file (a partial buffer, or a
  // filesystem that refuses it).
  void stop_direct();

  std::string path_;
  int fd_ = -1;
  bool direct_ = false;
  bool durable_ = true;
  size_t capacity_;
  // Left uninitialized: zeroing a megabyte per segment was a visible share of
  // the lean writer's instructions, and every byte is written before it is read.
  // One block larger than the buffer, which starts at its first block boundary:
  // a plain allocation of the same size every segment comes back from malloc's
  // heap, where posix_memalign mapped and faulted in fresh pages each time.
  std::unique_ptr<uint8_t[]> storage_;
  uint8_t *buffer_;
  size_t used_ = 0;
  uint64_t bytes_ = 0;
  int error_ = 0;
  std::function<bool()> no_space_;
  int no_space_retries_ = 0;
};

}  // namespace dvr
