// The receive buffer of RTSP's TCP connection with the media interleaved on
// it (RFC 2326 10.12): the socket reads into free room at its end, whole items
// ('$' packets, RTSP responses, lost framing to skip) come out of its front
// without a copy, and a partial item left at the end moves to the front only
// when the next read would not fit behind it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rtp_packet.h"

namespace dvr {

class InterleavedBuffer {
 public:
  // read_size: the most one read asks for. The buffer holds a read behind the
  // longest item still being received ('$' framing, 64 KiB, or an RTSP header).
  explicit InterleavedBuffer(size_t read_size, size_t max_header = 8192)
      : read_size_(read_size),
        max_header_(max_header),
        buf_(read_size + 4 + 65535 + max_header) {}

  // Room for read_size bytes at the end of what is buffered.
  uint8_t *room() {
    if (end_ + read_size_ > buf_.size()) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    return buf_.data() + end_;
  }
  size_t room_size() const { return read_size_; }
  // n bytes were read into room().
  void filled(size_t n) { end_ += n; }

  // The next whole item; false when only the beginning of one is buffered.
  // The item points into the buffer and stays valid until the next room().
  bool next(InterleavedItem *item) {
    if (begin_ == end_) return false;
    const size_t used = next_interleaved_item(buf_.data() + begin_,
                                              end_ - begin_, item, max_header_);
    if (used == 0) return false;
    begin_ += used;
    if (begin_ == end_) begin_ = end_ = 0;
    return true;
  }

  size_t buffered() const { return end_ - begin_; }

 private:
  size_t read_size_;
  size_t max_header_;
  std::vector<uint8_t> buf_;
  size_t begin_ = 0, end_ = 0;
};

}  // namespace dvr
