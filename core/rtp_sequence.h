// The highest sequence number received from an RTP source, extended past the
// 16-bit wrap with a count of cycles (RFC 3550 A.1), as a receiver report
// gives it. A packet that arrives late (reordered) or again does not move it
// back; a gap (loss) moves it on; a new SSRC starts again.
#pragma once

#include <cstdint>

namespace dvr {

class RtpSequenceTracker {
 public:
  // Notes a packet's source and sequence number.
  void note(uint32_t ssrc, uint16_t sequence) {
    if (!have_source_ || ssrc != ssrc_) {
      have_source_ = true;
      ssrc_ = ssrc;
      max_sequence_ = sequence;
      cycles_ = 0;
      return;
    }
    const int16_t delta =
        static_cast<int16_t>(static_cast<uint16_t>(sequence - max_sequence_));
    if (delta > 0) {
      if (sequence < max_sequence_) cycles_ += 1u << 16;
      max_sequence_ = sequence;
    }
  }

  bool has_source() const { return have_source_; }
  uint32_t ssrc() const { return ssrc_; }
  // Cycles in the high 16 bits, the highest sequence number in the low.
  uint32_t extended_highest() const { return cycles_ | max_sequence_; }

 private:
  bool have_source_ = false;
  uint32_t ssrc_ = 0;
  uint16_t max_sequence_ = 0;
  uint32_t cycles_ = 0;
};

}  // namespace dvr
