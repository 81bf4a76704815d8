#include "rtp_clock.h"

#include <algorithm>

namespace dvr {

int64_t RtpTimestampUnwrapper::unwrap(uint32_t timestamp) {
  if (!started_) {
    started_ = true;
    last_ = timestamp;
    return last_;
  }
  last_ += static_cast<int32_t>(timestamp - static_cast<uint32_t>(last_));
  return last_;
}

int64_t RtpClockMapping::elapsed_ns(int64_t ticks) const {
  // Split so that days of a 90 kHz clock do not overflow.
  const int64_t whole = ticks / rate_, part = ticks % rate_;
  return whole * kSecond + part * kSecond / rate_;
}

void RtpClockMapping::anchor(int64_t ext, int64_t arrival, SessionZero *zero) {
  anchored_ = true;
  correction_ = 0;
  to_correct_ = 0;
  have_target_ = false;
  window_start_ = arrival;
  window_min_ = INT64_MAX;
  base_ext_ = ext;
  base_ns_ = arrival;
  if (rtp_info_ && zero) {
    // RTP-Info's rtptime of every stream stands for the same instant.
    const int64_t since_info = elapsed_ns(
        static_cast<int32_t>(static_cast<uint32_t>(ext) - *rtp_info_));
    if (!zero->running_time) zero->running_time = arrival - since_info;
    base_ns_ = *zero->running_time + since_info;
    rtp_info_.reset();  // after a resync, the arrival time rules
  }
  if (have_out_) base_ns_ = std::max(base_ns_, last_out_);
}

int64_t RtpClockMapping::running_time(uint32_t timestamp, int64_t arrival,
                                      SessionZero *zero, bool *discont) {
  const int64_t ext = unwrapper_.unwrap(timestamp);
  if (!anchored_) {
    anchor(ext, arrival, zero);
    last_arrival_ = arrival;
  }
  int64_t out = base_ns_ + elapsed_ns(ext - base_ext_) + correction_;
  if (out - arrival > kResync || arrival - out > kResync) {
    anchor(ext, arrival, nullptr);
    if (discont) *discont = true;
    out = base_ns_;
  }

  // The lowest delay of a window is the packet that waited least: network
  // jitter only ever adds to it, drift moves it.
  window_min_ = std::min(window_min_, arrival - out);
  if (arrival - window_start_ >= kWindow) {
    if (!have_target_) {
      have_target_ = true;
      target_ = window_min_;
    } else {
      to_correct_ = window_min_ - target_;
    }
    window_start_ = arrival;
    window_min_ = INT64_MAX;
  }
  const int64_t limit =
      std::max<int64_t>(0, arrival - last_arrival_) * kMaxSlewPpm / 1000000;
  const int64_t step = std::clamp(to_correct_, -limit, limit);
  correction_ += step;
  to_correct_ -= step;
  out += step;
  // A correction never takes a later timestamp before an earlier one.
  if (have_out_ && ext >= last_ext_ && out < last_out_) {
    correction_ += last_out_ - out;
    out = last_out_;
  }
  last_arrival_ = std::max(last_arrival_, arrival);
  if (!have_out_ || ext >= last_ext_) {
    last_ext_ = ext;
    last_out_ = out;
    have_out_ = true;
  }
  return out;
}

}  // namespace dvr
