// ADTS, the framing that AAC needs in MPEG-TS: raw AAC (from mp4-style
// encoders and cameras) gets a 7-byte header in front of every frame.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dvr {

constexpr size_t kAdtsHeaderSize = 7;

// The sampling frequencies that an AudioSpecificConfig and an ADTS header
// name by index (ISO/IEC 14496-3, 1.6.3.4); indexes 13 to 15 name none.
constexpr int kAacSampleRates[13] = {96000, 88200, 64000, 48000, 44100,
                                     32000, 24000, 22050, 16000, 12000,
                                     11025, 8000,  7350};

// The index of rate in kAacSampleRates, -1 for a rate AAC cannot name.
inline int aac_rate_index(int rate) {
  for (int i = 0; i < 13; i++)
    if (kAacSampleRates[i] == rate) return i;
  return -1;
}

// MPEG-4, no CRC, one raw data block. profile is the audio object type less
// one (1: AAC LC); frame_size counts the header too.
inline void write_adts_header(uint8_t *out, unsigned profile,
                              unsigned rate_index, unsigned channels,
                              size_t frame_size) {
  out[0] = 0xff;
  out[1] = 0xf1;
  out[2] = static_cast<uint8_t>(
      ((profile & 3) << 6) | ((rate_index & 0xf) << 2) | ((channels >> 2) & 1));
  out[3] =
      static_cast<uint8_t>(((channels & 3) << 6) | ((frame_size >> 11) & 3));
  out[4] = static_cast<uint8_t>((frame_size >> 3) & 0xff);
  out[5] = static_cast<uint8_t>(((frame_size & 7) << 5) | 0x1f);
  out[6] = 0xfc;
}

}  // namespace dvr
