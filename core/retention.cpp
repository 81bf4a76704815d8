#include "retention.h"

namespace dvr {

size_t segments_to_expire(const std::deque<Segment> &listed,
                          const RetentionPolicy &policy, int64_t now_us,
                          const ClockSteps *steps) {
  size_t count = 0;
  if (policy.window_s > 0) {
    const int64_t horizon_us =
        now_us - static_cast<int64_t>(policy.window_s) * 1000000;
    auto end_of = [&](const Segment &s) {
      return s.end_us() + (steps ? steps->offset_for(s.sequence) : 0);
    };
    while (count < listed.size() && end_of(listed[count]) < horizon_us) count++;
  }
  if (policy.max_bytes > 0) {
    uint64_t total = 0;
    for (size_t i = count; i < listed.size(); i++) total += listed[i].bytes;
    while (total > policy.max_bytes && count + 1 < listed.size()) {
      total -= listed[count].bytes;
      count++;
    }
  }
  return count;
}

bool check_retention(const RetentionPolicy &policy, std::string *error) {
  if (policy.retention_s < 0) return true;
  const bool window_longer =
      policy.retention_s > 0 &&
      (policy.window_s == 0 ||
       policy.window_s > static_cast<uint64_t>(policy.retention_s));
  if (!window_longer) return true;
  if (error) {
    *error =
        "window (" +
        (policy.window_s == 0 ? std::string("0, everything")
                              : std::to_string(policy.window_s) + " s") +
        ") is longer than retention (" + std::to_string(policy.retention_s) +
        " s): the live playlist cannot list footage that is no longer on disk";
  }
  return false;
}

size_t deletions_due(const std::deque<PendingDeletion> &pending,
                     int64_t now_us) {
  size_t count = 0;
  while (count < pending.size() && pending[count].due_us <= now_us) count++;
  return count;
}

}  // namespace dvr
