#include "parameter_sets.h"

#include <cstring>
#include <iterator>

#include "nal_units.h"

namespace dvr {

namespace {

enum Kind { kVps = 0, kSps = 1, kPps = 2, kSlice, kDelimiter, kOther };

Kind kind_of(VideoCodec codec, uint8_t header) {
  if (codec == VideoCodec::kH264) {
    const int type = header & 0x1f;
    if (type >= 1 && type <= 5) return kSlice;
    return type == 7   ? kSps
           : type == 8 ? kPps
           : type == 9 ? kDelimiter
                       : kOther;
  }
  const int type = (header >> 1) & 0x3f;
  if (type < 32) return kSlice;
  return type == 32   ? kVps
         : type == 33 ? kSps
         : type == 34 ? kPps
         : type == 35 ? kDelimiter
                      : kOther;
}

}  // namespace

size_t find_start_code(const uint8_t *data, size_t size, size_t from) {
  size_t i = from;
  while (i + 2 < size) {
    const void *one = std::memchr(data + i + 2, 1, size - i - 2);
    if (!one) return size;
    const size_t j =
        static_cast<size_t>(static_cast<const uint8_t *>(one) - data);
    if (data[j - 1] == 0 && data[j - 2] == 0) return j - 2;
    i = j - 1;
  }
  return size;
}

bool ParameterSetCache::note(const uint8_t *nal, size_t size, bool present[3]) {
  const Kind kind = kind_of(codec_, nal[0]);
  if (kind == kSlice) return false;
  if (kind <= kPps) {
    sets_[kind].assign(nal, nal + size);
    present[kind] = true;
  }
  return true;
}

const std::vector<uint8_t> &ParameterSetCache::prefix_without(
    const bool present[3]) {
  prefix_.clear();
  for (int k = kVps; k <= kPps; k++) {
    if (present[k] || sets_[k].empty()) continue;
    prefix_.insert(prefix_.end(), std::begin(kStartCode), std::end(kStartCode));
    prefix_.insert(prefix_.end(), sets_[k].begin(), sets_[k].end());
  }
  return prefix_;
}

const std::vector<uint8_t> &ParameterSetCache::missing_from(const uint8_t *au,
                                                            size_t size,
                                                            size_t *insert_at) {
  bool present[3] = {false, false, false};
  *insert_at = 0;
  size_t start = find_start_code(au, size, 0);
  bool first = true;
  while (start < size) {
    const size_t nal = start + 3;
    if (nal >= size) break;
    size_t next = find_start_code(au, size, nal);
    if (kind_of(codec_, au[nal]) == kDelimiter && first) *insert_at = next;
    // A 4-byte start code's leading zero belongs to no NAL unit.
    size_t end = next;
    while (end > nal && au[end - 1] == 0) end--;
    if (!note(au + nal, end - nal, present)) break;
    first = false;
    start = next;
  }
  return prefix_without(present);
}

const std::vector<uint8_t> &ParameterSetCache::missing_from_units(
    const NalUnit *units, size_t count) {
  bool present[3] = {false, false, false};
  for (size_t i = 0; i < count && note(units[i].data, units[i].size, present);
       i++) {
  }
  return prefix_without(present);
}

void ParameterSetCache::remember(const uint8_t *nal, size_t size) {
  bool present[3] = {false, false, false};
  if (size > 0) note(nal, size, present);
}

bool ParameterSetCache::is_delimiter(uint8_t header) const {
  return kind_of(codec_, header) == kDelimiter;
}

}  // namespace dvr
