// The lean writer's interleaving of audio with video by decoding time.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dts_interleaver.h"

namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kLimit = 500 * kMs;

using Interleaver = dvr::DtsInterleaver<std::string>;

// Everything that may go out now, in order.
std::vector<std::string> drain(Interleaver &il) {
  std::vector<std::string> out;
  dvr::Track track;
  while (il.next(&track)) {
    out.push_back(il.front(track));
    il.pop(track);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "audio and video go out in DTS order, the newest video held until the next "
    "arrives") {
  Interleaver il(kLimit);
  il.set_audio(true);
  il.push(dvr::Track::kVideo, 0, "v0");
  il.push(dvr::Track::kAudio, 0, "a0");
  il.push(dvr::Track::kAudio, 21 * kMs, "a21");
  il.push(dvr::Track::kVideo, 40 * kMs, "v40");
  il.push(dvr::Track::kAudio, 42 * kMs, "a42");
  // v40 is the newest video: it waits, and so does the audio after it.
  CHECK(drain(il) == std::vector<std::string>{"v0", "a0", "a21"});
  il.push(dvr::Track::kVideo, 80 * kMs, "v80");
  CHECK(drain(il) == std::vector<std::string>{"v40", "a42"});
  CHECK(il.queued(dvr::Track::kVideo) == 1);
}

TEST_CASE(
    "video waits for audio that may still come with earlier timestamps, but "
    "not beyond the limit") {
  Interleaver il(kLimit);
  il.set_audio(true);
  il.push(dvr::Track::kAudio, 0, "a0");
  il.push(dvr::Track::kVideo, 0, "v0");
  il.push(dvr::Track::kVideo, 40 * kMs, "v40");
  il.push(dvr::Track::kVideo, 80 * kMs, "v80");
  // a0 and v0 go; v40 waits, for audio up to 40 ms may still come.
  CHECK(drain(il) == std::vector<std::string>{"v0", "a0"});
  il.push(dvr::Track::kAudio, 30 * kMs, "a30");
  CHECK(drain(il) == std::vector<std::string>{"a30"});
  il.push(dvr::Track::kAudio, 60 * kMs, "a60");
  CHECK(drain(il) == std::vector<std::string>{"v40", "a60"});

  // Video more than the limit ahead of the newest audio goes without waiting.
  Interleaver far(kLimit);
  far.set_audio(true);
  far.push(dvr::Track::kAudio, 0, "a0");
  far.push(dvr::Track::kVideo, 600 * kMs, "v600");
  far.push(dvr::Track::kVideo, 640 * kMs, "v640");
  CHECK(drain(far) == std::vector<std::string>{"a0", "v600"});
  far.push(dvr::Track::kVideo, 680 * kMs, "v680");
  CHECK(drain(far) == std::vector<std::string>{"v640"});
}

TEST_CASE(
    "before any audio arrived, video after its first frame waits for audio up "
    "to the limit") {
  Interleaver il(kLimit);
  il.set_audio(true);
  for (int64_t t = 0; t <= 520; t += 40)
    il.push(dvr::Track::kVideo, t * kMs, "v" + std::to_string(t));
  CHECK(drain(il) == std::vector<std::string>{"v0"});
  il.push(dvr::Track::kAudio, 10 * kMs, "a10");
  CHECK(drain(il) == std::vector<std::string>{"a10"});
  il.push(dvr::Track::kAudio, 50 * kMs, "a50");
  CHECK(drain(il) == std::vector<std::string>{"v40", "a50"});
}

TEST_CASE(
    "audio that stops holds the video back by the limit at most, however long "
    "it stays away") {
  Interleaver il(kLimit);
  il.set_audio(true);
  il.push(dvr::Track::kAudio, 0, "a0");
  il.push(dvr::Track::kVideo, 0, "v0");
  il.push(dvr::Track::kVideo, 40 * kMs, "v40");
  CHECK(drain(il) == std::vector<std::string>{"v0", "a0"});
  // The audio branch stalls after a0; the video runs on for ten seconds.
  std::vector<std::string> out;
  for (int64_t t = 80; t <= 10000; t += 40) {
    il.push(dvr::Track::kVideo, t * kMs, "v" + std::to_string(t));
    for (const std::string &s : drain(il)) out.push_back(s);
    // What waits is never more than the limit's worth of video.
    REQUIRE(il.queued(dvr::Track::kVideo) <= 500 / 40 + 1);
  }
  REQUIRE(!out.empty());
  // v40 waited until the video was the limit ahead of it; past the limit
  // from the last audio, video goes at once, all but the newest frame.
  CHECK(out.front() == "v40");
  CHECK(out.back() == "v9960");
  CHECK(il.queued(dvr::Track::kAudio) == 0);

  // And the same the other way round: video that stops holds no audio back
  // beyond the limit.
  Interleaver quiet(kLimit);
  quiet.set_audio(true);
  quiet.push(dvr::Track::kVideo, 0, "v0");
  quiet.push(dvr::Track::kVideo, 40 * kMs, "v40");
  quiet.push(dvr::Track::kAudio, 0, "a0");
  CHECK(drain(quiet) == std::vector<std::string>{"v0", "a0"});
  for (int64_t t = 21; t <= 5000; t += 21) {
    quiet.push(dvr::Track::kAudio, t * kMs, "a" + std::to_string(t));
    drain(quiet);
    REQUIRE(quiet.queued(dvr::Track::kAudio) <= 500 / 21 + 1);
  }
}

TEST_CASE(
    "without an audio stream, or once it ended, video does not wait for it") {
  Interleaver il(kLimit);
  il.push(dvr::Track::kVideo, 0, "v0");
  il.push(dvr::Track::kVideo, 40 * kMs, "v40");
  CHECK(drain(il) == std::vector<std::string>{"v0"});

  Interleaver ended(kLimit);
  ended.set_audio(true);
  ended.push(dvr::Track::kAudio, 0, "a0");
  ended.end(dvr::Track::kAudio);
  ended.push(dvr::Track::kVideo, 0, "v0");
  ended.push(dvr::Track::kVideo, 40 * kMs, "v40");
  ended.push(dvr::Track::kVideo, 80 * kMs, "v80");
  CHECK(drain(ended) == std::vector<std::string>{"v0", "a0", "v40"});
  CHECK_FALSE(ended.audio_expected());
}

TEST_CASE(
    "audio before any video waits up to the limit, then goes rather than queue "
    "without bound") {
  Interleaver il(kLimit);
  il.set_audio(true);
  std::vector<std::string> out;
  for (int64_t t = 0; t <= 500; t += 100) {
    il.push(dvr::Track::kAudio, t * kMs, "a" + std::to_string(t));
    const auto step = drain(il);
    out.insert(out.end(), step.begin(), step.end());
  }
  CHECK(out == std::vector<std::string>{"a0"});  // 500 ms behind the newest
  il.push(dvr::Track::kAudio, 600 * kMs, "a600");
  CHECK(drain(il) == std::vector<std::string>{"a100"});
  // Once video came, audio waits for video up to the limit.
  il.push(dvr::Track::kVideo, 150 * kMs, "v150");
  CHECK(drain(il).empty());
}

TEST_CASE("the last video frame goes out at the video's end") {
  Interleaver il(kLimit);
  il.push(dvr::Track::kVideo, 0, "v0");
  CHECK(drain(il).empty());
  il.end(dvr::Track::kVideo);
  CHECK(il.queued(dvr::Track::kVideo) == 1);
  CHECK(drain(il) == std::vector<std::string>{"v0"});
}

TEST_CASE(
    "a flush drops what was queued, and a reset forgets the first video") {
  Interleaver il(kLimit);
  il.set_audio(true);
  il.push(dvr::Track::kVideo, 0, "v0");
  il.push(dvr::Track::kAudio, 5 * kMs, "a5");
  il.end(dvr::Track::kVideo);
  il.flush(dvr::Track::kVideo);
  CHECK(il.queued(dvr::Track::kVideo) == 0);
  CHECK_FALSE(il.ended(dvr::Track::kVideo));
  il.reset();
  CHECK(il.queued(dvr::Track::kAudio) == 0);
  CHECK(il.has_audio());
}
