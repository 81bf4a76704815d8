#include "ts_timeline.h"

#include <algorithm>

namespace dvr {

bool TsTimeline::stamp(int64_t raw_dts_in, int64_t raw_pts, Stamp *out) {
  const int64_t raw_dts = raw_dts_in >= 0 ? raw_dts_in : raw_pts;
  int64_t dts, pts;
  out->reset = false;
  out->jump = 0;
  if (raw_dts < 0) {
    if (!started_) return false;
    dts = pts = last_dts_ + frame_duration_;
  } else if (!started_) {
    started_ = true;
    dts = origin_ = raw_dts;
    pts = dts + (raw_pts >= 0 ? ts_timestamp_difference(raw_pts, raw_dts) : 0);
  } else {
    const int64_t step = ts_timestamp_difference(raw_dts, last_raw_dts_);
    dts = last_dts_ + step;
    if (step < -kBackwardReset || step > kForwardReset) {
      origin_ = dts - (last_out_dts_ + frame_duration_);
      out->reset = true;
      out->jump = step;
    }
    pts = dts + (raw_pts >= 0 ? ts_timestamp_difference(raw_pts, raw_dts) : 0);
  }
  if (raw_dts >= 0) last_raw_dts_ = raw_dts;
  const int64_t out_dts = dts - origin_;
  const int64_t out_pts = std::max(pts - origin_, out_dts);
  if (last_out_dts_ >= 0 && out_dts > last_out_dts_ &&
      out_dts - last_out_dts_ <= kMaxFrame)
    frame_duration_ = out_dts - last_out_dts_;
  last_dts_ = dts;
  last_out_dts_ = out_dts;
  out->dts = out_dts;
  out->pts = out_pts;
  out->duration = frame_duration_;
  return true;
}

}  // namespace dvr
