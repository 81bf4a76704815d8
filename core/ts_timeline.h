// PES timestamps (33 bits at 90 kHz) onto one rising timeline. The raw values
// wrap every 26.5 hours, and encoders restart and files loop; the timeline
// unwraps the first, and carries on across the others from the last access
// unit, one frame on, marking the jump so that the recorder starts a new
// segment there.
#pragma once

#include <cstdint>

namespace dvr {

constexpr int64_t kTsTimestampWrap = int64_t{1} << 33;

// b - a on the 33-bit clock of PES timestamps, the short way round.
inline int64_t ts_timestamp_difference(int64_t b, int64_t a) {
  const int64_t d = (b - a) & (kTsTimestampWrap - 1);
  return d >= kTsTimestampWrap / 2 ? d - kTsTimestampWrap : d;
}

class TsTimeline {
 public:
  // Timestamps that go back further than this, or leap forward further than
  // this, are a reset (an encoder restarted, a file looped). Smaller forward
  // gaps pass through, for the index to judge against its max-gap.
  static constexpr int64_t kBackwardReset = 90;            // 1 ms
  static constexpr int64_t kForwardReset = 90000LL * 600;  // 10 minutes
  // A step longer than this between access units is a gap, not a frame.
  static constexpr int64_t kMaxFrame = 90000;
  // The frame duration until one is measured: 40 ms.
  static constexpr int64_t kDefaultFrame = 3600;

  struct Stamp {
    int64_t dts =
        0;  // 90 kHz from the first unit's DTS, never negative in practice
    int64_t pts = 0;  // at or after dts
    int64_t duration = kDefaultFrame;
    bool reset =
        false;         // a new timeline starts here: mark it as a discontinuity
    int64_t jump = 0;  // with reset: how far the raw timestamps jumped
  };

  // Puts an access unit with raw 33-bit timestamps (-1 for one it lacks) on
  // the timeline. A unit with neither goes one frame after the last; false
  // when no unit had a timestamp before it.
  bool stamp(int64_t raw_dts, int64_t raw_pts, Stamp *out);

  bool started() const { return started_; }

 private:
  bool started_ = false;
  int64_t last_raw_dts_ = 0;
  int64_t last_dts_ = 0;  // unwrapped
  int64_t origin_ = 0;
  int64_t last_out_dts_ = -1;
  int64_t frame_duration_ = kDefaultFrame;
};

}  // namespace dvr
