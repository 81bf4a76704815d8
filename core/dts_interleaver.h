// Video and audio into one transport stream in decoding order. Each stream
// queues what arrived; next() says which front to write, or that waiting is
// better. Neither stream may hold the other back by more than a limit: a
// stalled audio branch must never stop the video (nor the reverse).
//
// The newest video access unit stays queued until the next one comes (or the
// video ends), so that a split asked for right after a keyframe arrived still
// lands at that keyframe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>

namespace dvr {

enum class Track { kVideo, kAudio };

template <typename T>
class DtsInterleaver {
 public:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

  // limit: how far, in the DTS's units, one stream may run ahead of the other
  // before it is written without waiting.
  explicit DtsInterleaver(int64_t limit) : limit_(limit) {}

  // Whether an audio stream takes part at all (an audio pad with caps).
  void set_audio(bool present) {
    have_audio_ = present;
    if (!present) audio_.queue.clear();
  }
  bool has_audio() const { return have_audio_; }
  bool audio_expected() const { return have_audio_ && !audio_.ended; }

  void push(Track track, int64_t dts, T item) {
    Stream &s = stream(track);
    if (track == Track::kVideo && first_video_ == kNone) first_video_ = dts;
    s.last_in = std::max(s.last_in, dts);
    s.queue.emplace_back(dts, std::move(item));
  }
  void end(Track track) { stream(track).ended = true; }
  bool ended(Track track) const { return stream(track).ended; }
  // A flush: what was queued is dropped and the stream starts again.
  void flush(Track track) {
    Stream &s = stream(track);
    s.queue.clear();
    s.ended = false;
    s.last_in = kNone;
  }
  void reset() {
    flush(Track::kVideo);
    flush(Track::kAudio);
    first_video_ = kNone;
  }

  size_t queued(Track track) const { return stream(track).queue.size(); }
  T &front(Track track) { return stream(track).queue.front().second; }
  void pop(Track track) { stream(track).queue.pop_front(); }

  // The stream whose front goes out next; false when both should wait.
  bool next(Track *out) const {
    const bool video_ready =
        !video_.queue.empty() && (video_.queue.size() >= 2 || video_.ended);
    const bool audio_ready = !audio_.queue.empty();
    if (video_ready && audio_ready) {
      *out = video_.queue.front().first <= audio_.queue.front().first
                 ? Track::kVideo
                 : Track::kAudio;
      return true;
    }
    if (video_ready) {
      // Audio that may still come with earlier timestamps goes first, unless
      // it lags too far behind, or the video has waited for it as long as it
      // may: the queue never holds more than the limit's worth of video, so a
      // stalled audio branch delays the video by the limit, never stops it.
      const int64_t v = video_.queue.front().first;
      const int64_t audio_at =
          audio_.last_in != kNone ? audio_.last_in : first_video_;
      if (audio_expected() && audio_at < v && v - audio_at <= limit_ &&
          video_.last_in - v <= limit_)
        return false;
      *out = Track::kVideo;
      return true;
    }
    if (audio_ready) {
      // Before any video, audio has no segment to go to: what lies further
      // back than the limit goes (to be dropped) rather than queue without
      // bound.
      const int64_t a = audio_.queue.front().first;
      const int64_t video_at =
          !video_.queue.empty()     ? video_.queue.front().first
          : video_.last_in != kNone ? video_.last_in
                                    : audio_.last_in - limit_;
      if (!video_.ended && video_at < a && a - video_at <= limit_ &&
          audio_.last_in - a <= limit_)
        return false;
      *out = Track::kAudio;
      return true;
    }
    return false;
  }

 private:
  struct Stream {
    std::deque<std::pair<int64_t, T>> queue;
    int64_t last_in = kNone;  // DTS of the newest item received
    bool ended = false;
  };
  Stream &stream(Track track) {
    return track == Track::kVideo ? video_ : audio_;
  }
  const Stream &stream(Track track) const {
    return track == Track::kVideo ? video_ : audio_;
  }

  int64_t limit_;
  Stream video_, audio_;
  bool have_audio_ = false;
  int64_t first_video_ = kNone;
};

}  // namespace dvr
