// AAC as the recorder meets it: the start of an AudioSpecificConfig, and
// frames of digital silence that fill an audio stream that stalled. The
// sampling-frequency table is adts.h's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "adts.h"

namespace dvr {

// Samples in one AAC-LC frame.
constexpr int kAacFrameSamples = 1024;

// The rate at a sampling-frequency index (kAacSampleRates in adts.h), or 0
// for an index that names none (13-15).
int aac_sample_rate(unsigned index);

// The first two bytes of an AudioSpecificConfig: object type (5 bits),
// sampling-frequency index (4), channel configuration (4).
struct AacConfig {
  unsigned object_type = 2;  // 2: AAC LC
  unsigned rate_index = 4;   // 44100
  unsigned channels = 2;
};

// False when fewer than two bytes are given.
bool parse_audio_specific_config(const uint8_t *data, size_t size,
                                 AacConfig *out);

// The ADTS profile (object type less one) for an AudioSpecificConfig's object
// type: ADTS holds only the first four, so any other is written as LC.
unsigned adts_profile(unsigned object_type);

// One AAC-LC frame of digital silence for 1 or 2 channels: a raw_data_block
// with one single or channel-pair element whose spectral data are all zero.
// With adts, behind an ADTS header for the rate at rate_index. Empty for
// any other channel count.
std::vector<uint8_t> silent_aac_frame(unsigned channels, bool adts,
                                      unsigned rate_index);

// The duration of one AAC frame at rate, in nanoseconds (rounded down).
int64_t aac_frame_duration_ns(int rate);

}  // namespace dvr
