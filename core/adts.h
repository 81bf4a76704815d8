// ADTS, the framing that AAC needs in MPEG-TS: raw AAC (from mp4-style
// encoders and cameras) gets a 7-byte header in front of every frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dvr {

constexpr size_t kAdtsHeaderSize = 7;

// MPEG-4, no CRC, one raw data block. profile is the audio object type less
// one (1: AAC LC); frame_size counts the header too.
inline void write_adts_header(uint8_t* out, unsigned profile, unsigned rate_index, unsigned channels,
                              size_t frame_size) {
  out[0] = 0xff;
  out[1] = 0xf1;
  out[2] = static_cast<uint8_t>(((profile & 3) << 6) | ((rate_index & 0xf) << 2) | ((channels >> 2) & 1));
  out[3] = static_cast<uint8_t>(((channels & 3) << 6) | ((frame_size >> 11) & 3));
  out[4] = static_cast<uint8_t>((frame_size >> 3) & 0xff);
  out[5] = static_cast<uint8_t>(((frame_size & 7) << 5) | 0x1f);
  out[6] = 0xfc;
}

}  // namespace dvr
