// AAC facts: the sampling-frequency table, AudioSpecificConfig, silent frames,
// and when dvrsink takes an audio branch as stalled.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "aac.h"
#include "audio_stall.h"

using Bytes = std::vector<uint8_t>;

TEST_CASE(
    "the sampling-frequency table maps both ways, and unknown rates or indexes "
    "are refused") {
  CHECK(dvr::aac_sample_rate(0) == 96000);
  CHECK(dvr::aac_sample_rate(3) == 48000);
  CHECK(dvr::aac_sample_rate(4) == 44100);
  CHECK(dvr::aac_sample_rate(11) == 8000);
  CHECK(dvr::aac_sample_rate(12) == 7350);
  CHECK(dvr::aac_sample_rate(13) == 0);
  CHECK(dvr::aac_sample_rate(15) == 0);
  for (unsigned i = 0; i <= 12; i++)
    CHECK(dvr::aac_rate_index(dvr::aac_sample_rate(i)) == static_cast<int>(i));
  CHECK(dvr::aac_rate_index(44000) == -1);
  CHECK(dvr::aac_rate_index(0) == -1);
}

TEST_CASE(
    "an AudioSpecificConfig gives object type, rate index and channels; ADTS "
    "takes LC for others") {
  const Bytes lc_48k_stereo = {0x11, 0x90};  // 2, 3, 2
  dvr::AacConfig config;
  REQUIRE(dvr::parse_audio_specific_config(lc_48k_stereo.data(),
                                           lc_48k_stereo.size(), &config));
  CHECK(config.object_type == 2);
  CHECK(config.rate_index == 3);
  CHECK(config.channels == 2);
  const Bytes lc_8k_mono = {0x15, 0x88};  // 2, 11, 1
  REQUIRE(dvr::parse_audio_specific_config(lc_8k_mono.data(), lc_8k_mono.size(),
                                           &config));
  CHECK(config.rate_index == 11);
  CHECK(config.channels == 1);
  CHECK_FALSE(dvr::parse_audio_specific_config(lc_8k_mono.data(), 1, &config));
  CHECK(dvr::adts_profile(2) == 1);
  CHECK(dvr::adts_profile(1) == 0);
  CHECK(dvr::adts_profile(4) == 3);
  CHECK(dvr::adts_profile(5) == 1);  // HE-AAC is written as LC
}

TEST_CASE(
    "a silent frame is a single or channel-pair element, raw or behind an ADTS "
    "header of its size") {
  const Bytes mono = dvr::silent_aac_frame(1, false, 3);
  const Bytes stereo = dvr::silent_aac_frame(2, false, 3);
  CHECK(mono == Bytes{0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c});
  CHECK(stereo == Bytes{0x21, 0x00, 0x49, 0x90, 0x02, 0x19, 0x00, 0x23, 0x80});
  const Bytes adts = dvr::silent_aac_frame(2, true, 4);
  REQUIRE(adts.size() == stereo.size() + 7);
  CHECK(adts[0] == 0xff);
  CHECK((adts[1] & 0xf6) == 0xf0);                      // sync, MPEG-4, layer 0
  CHECK(((adts[2] >> 6) & 3) == 1);                     // profile: LC
  CHECK(((adts[2] >> 2) & 0xf) == 4);                   // 44100
  CHECK((((adts[2] & 1) << 2) | (adts[3] >> 6)) == 2);  // channels
  const size_t frame_length = ((adts[3] & 3u) << 11) |
                              (static_cast<size_t>(adts[4]) << 3) |
                              (adts[5] >> 5);
  CHECK(frame_length == adts.size());
  CHECK(Bytes(adts.begin() + 7, adts.end()) == stereo);
  CHECK(dvr::silent_aac_frame(0, false, 3).empty());
  CHECK(dvr::silent_aac_frame(6, true, 3).empty());
}

TEST_CASE("an AAC frame lasts 1024 samples") {
  CHECK(dvr::aac_frame_duration_ns(48000) == 21333333);
  CHECK(dvr::aac_frame_duration_ns(8000) == 128000000);
  CHECK(dvr::aac_frame_duration_ns(44100) == 23219954);
  CHECK(dvr::aac_frame_duration_ns(0) == 0);
}

namespace {
constexpr int64_t kSecondUs = 1000000;
constexpr int64_t kMs = 1000000;
}  // namespace

TEST_CASE(
    "audio is stalled only after a second without real audio while the video "
    "runs ahead") {
  dvr::AudioStallWatch watch(kSecondUs, 100 * kMs);
  watch.start();
  watch.audio_segment();
  watch.audio_buffer(500 * kMs, 10 * kSecondUs);
  watch.video_buffer(1500 * kMs);
  int64_t from = 0, until = 0;
  CHECK_FALSE(watch.stalled(10 * kSecondUs + 999999, &from, &until));
  REQUIRE(watch.stalled(11 * kSecondUs, &from, &until));
  CHECK(from == 500 * kMs);
  CHECK(until == 1600 * kMs);
  // Silence went in: the next fill starts where it ended.
  watch.filled(1600 * kMs);
  watch.video_buffer(1700 * kMs);
  REQUIRE(watch.stalled(11 * kSecondUs + 250000, &from, &until));
  CHECK(from == 1600 * kMs);
  CHECK(until == 1800 * kMs);
  // Real audio again: no longer stalled.
  watch.audio_buffer(1800 * kMs, 12 * kSecondUs);
  CHECK_FALSE(watch.stalled(12 * kSecondUs + 500000, &from, &until));
}

TEST_CASE(
    "audio that keeps up with the video, has ended, or has no segment yet is "
    "not stalled") {
  int64_t from, until;
  dvr::AudioStallWatch ahead(kSecondUs, 100 * kMs);
  ahead.start();
  ahead.audio_segment();
  ahead.audio_buffer(2000 * kMs, 0);
  ahead.video_buffer(1900 * kMs);
  CHECK_FALSE(ahead.stalled(5 * kSecondUs, &from, &until));

  dvr::AudioStallWatch ended(kSecondUs, 100 * kMs);
  ended.start();
  ended.audio_segment();
  ended.audio_buffer(500 * kMs, 0);
  ended.video_buffer(1900 * kMs);
  ended.audio_eos();
  CHECK(ended.audio_ended());
  CHECK_FALSE(ended.stalled(5 * kSecondUs, &from, &until));
  ended.audio_flushed();
  CHECK_FALSE(ended.audio_ended());
  CHECK_FALSE(
      ended.stalled(5 * kSecondUs, &from, &until));  // nothing since the flush

  dvr::AudioStallWatch no_segment(kSecondUs, 100 * kMs);
  no_segment.start();
  no_segment.audio_buffer(500 * kMs, 0);
  no_segment.video_buffer(1900 * kMs);
  CHECK_FALSE(no_segment.stalled(5 * kSecondUs, &from, &until));

  dvr::AudioStallWatch no_audio(kSecondUs, 100 * kMs);
  no_audio.start();
  no_audio.audio_segment();
  no_audio.video_buffer(1900 * kMs);
  CHECK_FALSE(no_audio.stalled(5 * kSecondUs, &from, &until));
}
