// A recording's wall-clock timeline, and the clock steps it lived through.
//
// While a recording runs, each segment's wall-clock time is an anchor plus the
// running time elapsed since it (the pipeline's monotonic clock), never a fresh
// reading of the system clock: NTP after boot, an administrator's fix or a
// resumed VM step the system clock, and a label read from it at each segment
// would jump without a word. The timeline compares its own time with the
// clock at each observation: a difference within the tolerance is drift (NTP
// slewing, a camera's crystal), followed gently so that no label jumps; beyond
// it, a step: the timeline re-anchors, and the caller marks a discontinuity.
//
// Retention counts time that really passed: footage recorded before a step
// of delta ages by the clock after it, so its labels are read delta later
// (ClockSteps). Plain C++, no GStreamer.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "segment.h"

namespace dvr {

// The start of a stretch of the timeline: wall clock anchor_wall_us at running
// time anchor_rt_ns, from running time start_rt_ns on.
struct TimelineEpoch {
  int64_t start_rt_ns = 0;
  int64_t anchor_rt_ns = 0;
  int64_t anchor_wall_us = 0;
  int64_t step_us =
      0;  // the clock step that began it; 0 for a stream discontinuity
};

// What an observation of the clock found.
struct ClockCheck {
  bool step = false;
  int64_t step_us = 0;  // the clock less the timeline, when a step
  int64_t wall_us =
      0;  // the timeline's wall clock at the observed running time
};

class Timeline {
 public:
  // Drift is followed at this rate at most (1000 ppm: twice NTP's largest slew),
  // so that a label moves at most a millisecond per second of footage.
  static constexpr int64_t kMaxSlewPpm = 1000;

  explicit Timeline(int64_t tolerance_us) : tolerance_us_(tolerance_us) {}

  void set_tolerance(int64_t tolerance_us) { tolerance_us_ = tolerance_us; }
  int64_t tolerance_us() const { return tolerance_us_; }
  bool anchored() const { return !epochs_.empty(); }

  // A new stretch from running time rt_ns at wall clock wall_us: the first
  // frame, or after a gap or reset in the stream's timestamps.
  void begin(int64_t rt_ns, int64_t wall_us, int64_t step_us = 0);

  // Compares the clock's reading clock_us, taken for running time rt_ns, with
  // the timeline. Within the tolerance the timeline slews towards it (drift);
  // beyond, it is a step: a new epoch begins at rt_ns at the clock's time.
  ClockCheck observe(int64_t rt_ns, int64_t clock_us);

  // The wall clock at running time rt_ns (UNIX microseconds).
  int64_t wall_at(int64_t rt_ns) const;

  // True when an epoch began in (after_rt_ns, upto_rt_ns]: the segment that
  // starts at upto_rt_ns, after one that started at after_rt_ns, follows a
  // discontinuity. *step_us gets the sum of the clock steps among them.
  bool began_between(int64_t after_rt_ns, int64_t upto_rt_ns,
                     int64_t *step_us = nullptr) const;

  const std::deque<TimelineEpoch> &epochs() const { return epochs_; }

 private:
  int64_t tolerance_us_;
  int64_t last_observed_rt_ns_ = INT64_MIN;
  std::deque<TimelineEpoch> epochs_;
};

// One clock step a recording lived through: segments numbered below
// first_sequence were labelled by the clock before it.
struct ClockStep {
  uint64_t first_sequence = 0;
  int64_t delta_us = 0;  // the clock after less the clock before
};

// The steps of one recording folder, persisted in a small text file beside
// its journal ("clock.steps", one "first_sequence delta_us" line per step,
// "open delta_us" for a step whose first segment is not written yet), so
// that footage keeps its age across a restart, or a crash just after a step.
class ClockSteps {
 public:
  static constexpr const char *kFileName = "clock.steps";
  static constexpr uint64_t kOpen = UINT64_MAX;  // first_sequence not known yet

  // What to add to the label of segment `sequence` to read it on the
  // clock of now: the sum of the steps after it. A step not yet closed
  // applies to every segment.
  int64_t offset_for(uint64_t sequence) const;

  // A step just detected: it applies to every segment until close() names
  // the first segment labelled after it.
  void open_step(int64_t delta_us);
  bool has_open() const;
  // The first segment after the open steps is `first_sequence`. Returns the
  // steps closed, for the caller to persist.
  std::vector<ClockStep> close(uint64_t first_sequence);

  // Steps that no segment numbered from `first_on_disk` on is labelled before
  // no longer matter.
  void forget_before(uint64_t first_on_disk);

  const std::vector<ClockStep> &steps() const { return steps_; }
  void add(const ClockStep &step) { steps_.push_back(step); }

  // The file's text, and back; lines that do not parse are skipped.
  std::string text() const;
  static ClockSteps parse(const std::string &text);

 private:
  std::vector<ClockStep> steps_;
};

// Marks a discontinuity wherever segments in sequence order do not follow on:
// a number skipped, or a label more than tolerance_us off the previous end.
// A playlist assembled from the index (a range, an hour) then never joins two
// runs whose labels overlap after a clock step without one.
void mark_breaks(std::deque<Segment> &segments, int64_t tolerance_us);
// True when mark_breaks() would mark something: a recording without a gap
// or clock step needs no marked copy.
bool has_unmarked_break(const std::deque<Segment> &segments,
                        int64_t tolerance_us);

// Segments in sequence order whose labels may go back where the clock was
// stepped back: keeps, for every label, the footage of the latest run that
// has it, in label order. A clip over a time recorded twice is cut from the
// later run, and from the earlier only where the later has nothing.
std::deque<Segment> latest_run_per_label(const std::deque<Segment> &segments,
                                         int64_t tolerance_us);

// A clock reading before this (the build's date) cannot be right: the box
// started without a battery-backed clock, and NTP has not set it yet.
int64_t build_time_us();

// INT64_MIN when now_us can be trusted to age footage by: not before
// earliest_us (build_time_us() for a recorder), and not before the newest
// footage on disk, newest_footage_us (INT64_MIN: none), less the tolerance.
// Otherwise the time from which the clock can be trusted.
int64_t clock_trusted_from(int64_t now_us, int64_t earliest_us,
                           int64_t newest_footage_us, int64_t tolerance_us);

}  // namespace dvr
