// H.264 and H.265 as MP4 and RTP depayloaders carry them: each NAL unit behind
// its length (stream-format avc/avc3, hvc1/hev1), the parameter sets in a
// decoder configuration record (avcC, hvcC) held by the caps. MPEG-TS wants
// Annex B start codes instead; the segment writer rewrites the one into the
// other while it packetizes, so the stream needs no parser ahead of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "parameter_sets.h"

namespace dvr {

// The 4-byte Annex B start code written in front of each NAL unit.
constexpr uint8_t kStartCode[] = {0, 0, 0, 1};

struct NalUnit {
  const uint8_t *data;
  size_t size;
};

struct DecoderConfig {
  size_t length_size = 4;  // bytes of each NAL unit's length: 1, 2 or 4
  std::vector<std::vector<uint8_t>> parameter_sets;
};

// Reads an avcC (H.264) or hvcC (H.265) record; false when it is malformed.
bool parse_decoder_config(VideoCodec codec, const uint8_t *data, size_t size,
                          DecoderConfig *out);

// Splits a length-prefixed access unit into its NAL units, skipping empty ones;
// false when a length runs past the end (out then holds the units before it).
bool split_length_prefixed(const uint8_t *data, size_t size, size_t length_size,
                           std::vector<NalUnit> *out);

// An access unit delimiter behind a 4-byte start code, for an access unit
// that lacks one: ISO/IEC 13818-1 asks for it at the start of every access
// unit in a transport stream.
const std::vector<uint8_t> &access_unit_delimiter(VideoCodec codec);

}  // namespace dvr
