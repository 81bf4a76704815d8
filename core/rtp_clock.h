// From a stream's 32-bit RTP timestamps to running time in nanoseconds: the
// running time its first packet arrived (or the one the PLAY response's
// RTP-Info ties it to, shared by all streams of the session so that audio and
// video line up), plus the RTP time elapsed since, with wraps unwrapped.
//
// A camera's clock drifts from ours (up to about 100 ppm: a third of a second
// an hour). The mapping keeps its output within a bounded distance of the
// arrival times by slewing a small correction, never faster than kMaxSlewPpm,
// so that the output never runs backwards because of it.
#pragma once

#include <cstdint>
#include <optional>

namespace dvr {

// Extends 32-bit RTP timestamps to 64 bits across wraps (either way).
class RtpTimestampUnwrapper {
 public:
  int64_t unwrap(uint32_t timestamp);

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

// The running time the session's RTP-Info timestamps stand for, set by the
// first packet of any stream that has one.
struct SessionZero {
  std::optional<int64_t> running_time;
};

class RtpClockMapping {
 public:
  static constexpr int64_t kSecond = 1000000000;
  // Correction speed: well above any camera's drift, far below what a viewer sees.
  static constexpr int64_t kMaxSlewPpm = 1000;
  // The lowest delay seen in each window of this length measures the drift.
  static constexpr int64_t kWindow = 2 * kSecond;
  // Further from the arrival time than this: the camera stepped its clock or
  // the stream jumped; start again from the arrival time.
  static constexpr int64_t kResync = 3 * kSecond;

  // clock_rate: Hz of the RTP clock. rtp_info: the PLAY response's rtptime for
  // this stream, if it gave one.
  RtpClockMapping(uint32_t clock_rate, std::optional<uint32_t> rtp_info)
      : rate_(clock_rate), rtp_info_(rtp_info) {}

  // Running time of a packet with this timestamp that arrived at arrival
  // (running time, ns). *discont is set when the mapping started again.
  int64_t running_time(uint32_t timestamp, int64_t arrival, SessionZero *zero,
                       bool *discont);

  // The same timestamp mapped without moving the correction (for frames
  // after the first of a packet).
  int64_t elapsed_ns(int64_t ticks) const;

 private:
  void anchor(int64_t ext, int64_t arrival, SessionZero *zero);

  uint32_t rate_;
  std::optional<uint32_t> rtp_info_;
  RtpTimestampUnwrapper unwrapper_;
  bool anchored_ = false;
  int64_t base_ext_ = 0;  // this RTP timestamp (unwrapped)
  int64_t base_ns_ = 0;   // is this running time
  int64_t correction_ = 0;
  int64_t to_correct_ = 0;  // what the last window found, not yet slewed in
  int64_t last_arrival_ = 0;
  int64_t last_ext_ = 0;
  int64_t last_out_ = 0;
  bool have_out_ = false;
  int64_t window_start_ = 0;
  int64_t window_min_ = 0;
  bool have_target_ = false;
  int64_t target_ = 0;  // the lowest delay of the first window: the one to keep
};

}  // namespace dvr
