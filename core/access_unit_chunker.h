// One video access unit as the pieces the TS muxer packetizes: Annex B as it
// came, or length-prefixed NAL units turned into Annex B on the way, with the
// parameter sets a keyframe lacks put in front of its first slice. Nothing is
// copied: the pieces point into the access unit and into the chunker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "nal_units.h"
#include "parameter_sets.h"
#include "ts_muxer.h"

namespace dvr {

class AccessUnitChunker {
 public:
  // Starts a stream of another codec: the parameter sets seen so far are
  // forgotten.
  void start(VideoCodec codec);
  bool started() const { return parameter_sets_ != nullptr; }
  VideoCodec codec() const { return codec_; }

  // Remembers a parameter set given outside the stream (the caps' decoder
  // configuration record), without a start code.
  void remember(const uint8_t *nal, size_t size);

  // An Annex B access unit: as it is, with the parameter sets it lacks put in
  // before a keyframe's first slice (after its delimiter, if it opens with
  // one).
  const std::vector<TsChunk> &byte_stream(const uint8_t *data, size_t size,
                                          bool keyframe);

  // A length-prefixed access unit (avc, hvc1): a start code in front of each
  // NAL unit instead of its length, an access unit delimiter where it has
  // none, and before a keyframe the parameter sets it lacks. nullptr when a
  // length runs past the end or the unit holds no NAL unit.
  const std::vector<TsChunk> *length_prefixed(const uint8_t *data, size_t size,
                                              size_t length_size,
                                              bool keyframe);

 private:
  VideoCodec codec_ = VideoCodec::kH264;
  std::unique_ptr<ParameterSetCache> parameter_sets_;
  // Reused for every access unit, so that none allocates.
  std::vector<NalUnit> units_;
  std::vector<TsChunk> chunks_;
};

}  // namespace dvr
