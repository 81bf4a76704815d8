#include "timeline.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#ifndef DVR_BUILD_TIME_S
#define DVR_BUILD_TIME_S 1798761600  // 2027-01-01, when the build gave none
#endif

namespace dvr {

void Timeline::begin(int64_t rt_ns, int64_t wall_us, int64_t step_us) {
  TimelineEpoch e;
  e.start_rt_ns = rt_ns;
  e.anchor_rt_ns = rt_ns;
  e.anchor_wall_us = wall_us;
  e.step_us = step_us;
  epochs_.push_back(e);
  // Only the recent epochs are ever asked for: the segments not yet listed.
  while (epochs_.size() > 64) epochs_.pop_front();
  last_observed_rt_ns_ = rt_ns;
}

ClockCheck Timeline::observe(int64_t rt_ns, int64_t clock_us) {
  ClockCheck check;
  if (epochs_.empty()) {
    begin(rt_ns, clock_us);
    check.wall_us = clock_us;
    return check;
  }
  const int64_t expected = wall_at(rt_ns);
  const int64_t diff = clock_us - expected;
  if (diff > tolerance_us_ || diff < -tolerance_us_) {
    begin(rt_ns, clock_us, diff);
    check.step = true;
    check.step_us = diff;
    check.wall_us = clock_us;
    return check;
  }
  // Drift: move towards the clock by at most kMaxSlewPpm of the time elapsed
  // since the last observation, so that labels never jump.
  const int64_t elapsed_ns =
      last_observed_rt_ns_ == INT64_MIN ? 0 : rt_ns - last_observed_rt_ns_;
  const int64_t allowed_us =
      std::max<int64_t>(elapsed_ns, 0) / 1000 * kMaxSlewPpm / 1000000;
  const int64_t correction = std::clamp(diff, -allowed_us, allowed_us);
  TimelineEpoch &e = epochs_.back();
  if (rt_ns >= e.start_rt_ns) {
    e.anchor_rt_ns = rt_ns;
    e.anchor_wall_us = expected + correction;
  }
  last_observed_rt_ns_ = std::max(last_observed_rt_ns_, rt_ns);
  check.wall_us = expected + correction;
  return check;
}

int64_t Timeline::wall_at(int64_t rt_ns) const {
  for (auto it = epochs_.rbegin(); it != epochs_.rend(); ++it) {
    if (it->start_rt_ns <= rt_ns || std::next(it) == epochs_.rend())
      return it->anchor_wall_us + (rt_ns - it->anchor_rt_ns) / 1000;
  }
  return 0;
}

bool Timeline::began_between(int64_t after_rt_ns, int64_t upto_rt_ns,
                             int64_t *step_us) const {
  bool any = false;
  int64_t steps = 0;
  // The first epoch is the recording's start, not a discontinuity.
  for (size_t i = 1; i < epochs_.size(); i++) {
    if (epochs_[i].start_rt_ns > after_rt_ns &&
        epochs_[i].start_rt_ns <= upto_rt_ns) {
      any = true;
      steps += epochs_[i].step_us;
    }
  }
  if (step_us) *step_us = steps;
  return any;
}

int64_t ClockSteps::offset_for(uint64_t sequence) const {
  int64_t offset = 0;
  for (const ClockStep &s : steps_)
    if (sequence < s.first_sequence) offset += s.delta_us;
  return offset;
}

void ClockSteps::open_step(int64_t delta_us) {
  steps_.push_back(ClockStep{kOpen, delta_us});
}

bool ClockSteps::has_open() const {
  return std::any_of(steps_.begin(), steps_.end(), [](const ClockStep &s) {
    return s.first_sequence == kOpen;
  });
}

std::vector<ClockStep> ClockSteps::close(uint64_t first_sequence) {
  std::vector<ClockStep> closed;
  for (ClockStep &s : steps_) {
    if (s.first_sequence != kOpen) continue;
    s.first_sequence = first_sequence;
    closed.push_back(s);
  }
  return closed;
}

void ClockSteps::forget_before(uint64_t first_on_disk) {
  steps_.erase(std::remove_if(steps_.begin(), steps_.end(),
                              [&](const ClockStep &s) {
                                return s.first_sequence <= first_on_disk;
                              }),
               steps_.end());
}

std::string ClockSteps::text() const {
  std::string out;
  for (const ClockStep &s : steps_) {
    char line[64];
    if (s.first_sequence == kOpen)
      std::snprintf(line, sizeof line, "open %" PRId64 "\n", s.delta_us);
    else
      std::snprintf(line, sizeof line, "%" PRIu64 " %" PRId64 "\n",
                    s.first_sequence, s.delta_us);
    out += line;
  }
  return out;
}

ClockSteps ClockSteps::parse(const std::string &text) {
  ClockSteps steps;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long first = 0;
    long long delta = 0;
    char extra = 0;
    if (std::sscanf(line.c_str(), "open %lld %c", &delta, &extra) == 1) {
      steps.open_step(static_cast<int64_t>(delta));
      continue;
    }
    if (std::sscanf(line.c_str(), "%llu %lld %c", &first, &delta, &extra) != 2)
      continue;
    steps.add(
        ClockStep{static_cast<uint64_t>(first), static_cast<int64_t>(delta)});
  }
  return steps;
}

namespace {

bool breaks_between(const Segment &prev, const Segment &s,
                    int64_t tolerance_us) {
  const int64_t jump = s.start_us - prev.end_us();
  return s.sequence != prev.sequence + 1 || jump > tolerance_us ||
         jump < -tolerance_us;
}

}  // namespace

void mark_breaks(std::deque<Segment> &segments, int64_t tolerance_us) {
  for (size_t i = 1; i < segments.size(); i++)
    if (breaks_between(segments[i - 1], segments[i], tolerance_us))
      segments[i].discontinuity = true;
}

bool has_unmarked_break(const std::deque<Segment> &segments,
                        int64_t tolerance_us) {
  for (size_t i = 1; i < segments.size(); i++)
    if (!segments[i].discontinuity &&
        breaks_between(segments[i - 1], segments[i], tolerance_us))
      return true;
  return false;
}

std::deque<Segment> latest_run_per_label(const std::deque<Segment> &segments,
                                         int64_t tolerance_us) {
  // Runs split where a label goes back; the latest first.
  std::vector<std::deque<Segment>> runs;
  for (const Segment &s : segments) {
    if (runs.empty() || s.start_us < runs.back().back().end_us() - tolerance_us)
      runs.emplace_back();
    runs.back().push_back(s);
  }
  std::deque<Segment> kept;
  int64_t covered_from = INT64_MAX;  // the earliest label the later runs keep
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
    std::deque<Segment> earlier;
    for (const Segment &s : *run)
      if (covered_from == INT64_MAX ||
          s.end_us() <= covered_from + tolerance_us)
        earlier.push_back(s);
    if (!earlier.empty())
      covered_from = std::min(covered_from, earlier.front().start_us);
    kept.insert(kept.begin(), earlier.begin(), earlier.end());
  }
  return kept;
}

int64_t build_time_us() {
  return static_cast<int64_t>(DVR_BUILD_TIME_S) * 1000000;
}

int64_t clock_trusted_from(int64_t now_us, int64_t earliest_us,
                           int64_t newest_footage_us, int64_t tolerance_us) {
  const int64_t after_newest = newest_footage_us == INT64_MIN
                                   ? INT64_MIN
                                   : newest_footage_us - tolerance_us;
  if (now_us >= earliest_us && now_us >= after_newest) return INT64_MIN;
  return std::max(earliest_us, after_newest);
}

}  // namespace dvr
