// Parameter sets (H.264 SPS/PPS, H.265 VPS/SPS/PPS) in an Annex B byte-stream:
// every segment must start with them, but cameras and encoders often send them
// once, at the start of the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "video_codec.h"

namespace dvr {

struct NalUnit;

class ParameterSetCache {
 public:
  explicit ParameterSetCache(VideoCodec codec) : codec_(codec) {}

  // Reads a keyframe access unit up to its first slice: remembers the parameter
  // sets it carries and returns those it lacks, each behind a start code (empty
  // when it lacks none it could have). *insert_at is where they belong: after an
  // access unit delimiter, if the unit opens with one.
  const std::vector<uint8_t> &missing_from(const uint8_t *au, size_t size,
                                           size_t *insert_at);

  // The same for a keyframe access unit already split into NAL units (each
  // without a start code), as a length-prefixed stream carries it.
  const std::vector<uint8_t> &missing_from_units(const NalUnit *units,
                                                 size_t count);

  // Remembers a parameter set given outside the stream (the caps' decoder
  // configuration record); anything else is ignored.
  void remember(const uint8_t *nal, size_t size);

  bool is_delimiter(uint8_t header) const;

 private:
  // Remembers nal if it is a parameter set and marks its kind present; false
  // once the access unit's first slice is reached.
  bool note(const uint8_t *nal, size_t size, bool present[3]);
  const std::vector<uint8_t> &prefix_without(const bool present[3]);

  VideoCodec codec_;
  std::vector<uint8_t> sets_[3];  // by kind: VPS, SPS, PPS
  std::vector<uint8_t> prefix_;
};

// Offset of the next "00 00 01" at or after from, or size.
size_t find_start_code(const uint8_t *data, size_t size, size_t from);

}  // namespace dvr
