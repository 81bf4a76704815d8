#include "aac.h"

#include "adts.h"

namespace dvr {

namespace {

constexpr uint8_t kSilentMono[] = {0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c};
constexpr uint8_t kSilentStereo[] = {0x21, 0x00, 0x49, 0x90, 0x02,
                                     0x19, 0x00, 0x23, 0x80};

}  // namespace

int aac_sample_rate(unsigned index) {
  return index < sizeof kAacSampleRates / sizeof kAacSampleRates[0]
             ? kAacSampleRates[index]
             : 0;
}

bool parse_audio_specific_config(const uint8_t *data, size_t size,
                                 AacConfig *out) {
  if (size < 2) return false;
  out->object_type = data[0] >> 3;
  out->rate_index =
      static_cast<unsigned>(((data[0] & 7) << 1) | (data[1] >> 7));
  out->channels = (data[1] >> 3) & 0xf;
  return true;
}

unsigned adts_profile(unsigned object_type) {
  return (object_type >= 1 && object_type <= 4 ? object_type : 2) - 1;
}

std::vector<uint8_t> silent_aac_frame(unsigned channels, bool adts,
                                      unsigned rate_index) {
  if (channels < 1 || channels > 2) return {};
  const uint8_t *frame = channels == 1 ? kSilentMono : kSilentStereo;
  const size_t frame_size =
      channels == 1 ? sizeof kSilentMono : sizeof kSilentStereo;
  std::vector<uint8_t> out(frame_size + (adts ? kAdtsHeaderSize : 0));
  uint8_t *at = out.data();
  if (adts) {
    write_adts_header(at, 1, rate_index, channels, out.size());
    at += kAdtsHeaderSize;
  }
  for (size_t i = 0; i < frame_size; i++) at[i] = frame[i];
  return out;
}

int64_t aac_frame_duration_ns(int rate) {
  return rate > 0 ? static_cast<int64_t>(kAacFrameSamples) * 1000000000 / rate
                  : 0;
}

}  // namespace dvr
