// When an audio branch has stalled. A camera's microphone branch can stop
// without a word (no gap, no EOS) while the video goes on; a muxer that
// interleaves would then hold the video back until audio came. dvrsink
// watches how far each stream has come (running time, in nanoseconds) and,
// once no real audio has arrived for a while, fills the hole up to a little
// past the video with silence. The watch itself only decides; it keeps no
// clock and sends nothing.
#pragma once

#include <cstdint>

namespace dvr {

class AudioStallWatch {
 public:
  // stall_us: how long without real audio (monotonic microseconds) makes a
  // stall; lead_ns: how far past the video the silence reaches.
  AudioStallWatch(int64_t stall_us, int64_t lead_ns)
      : stall_us_(stall_us), lead_ns_(lead_ns) {}

  // A new run: nothing of either stream seen yet, the audio not ended.
  void start() {
    audio_ended_ = false;
    audio_end_ = video_end_ = -1;
  }
  // The audio's segment arrived: from now on its ends count.
  void audio_segment() { audio_has_segment_ = true; }
  // Real audio arrived at now_us, reaching end (running time; negative when
  // unknown).
  void audio_buffer(int64_t end, int64_t now_us) {
    if (audio_has_segment_ && end > audio_end_) audio_end_ = end;
    last_real_audio_us_ = now_us;
  }
  void audio_eos() { audio_ended_ = true; }
  void audio_flushed() {
    audio_ended_ = false;
    audio_end_ = -1;
  }
  bool audio_ended() const { return audio_ended_; }
  // A video buffer starting at running time start (negative when unknown).
  void video_buffer(int64_t start) {
    if (start > video_end_) video_end_ = start;
  }

  // Whether the audio stalled at now_us, and if so the span [*from, *until)
  // that silence should fill.
  bool stalled(int64_t now_us, int64_t *from, int64_t *until) const {
    if (!audio_has_segment_ || audio_ended_ || audio_end_ < 0 ||
        video_end_ <= audio_end_ || now_us - last_real_audio_us_ < stall_us_)
      return false;
    *from = audio_end_;
    *until = video_end_ + lead_ns_;
    return true;
  }
  // Silence went in up to until.
  void filled(int64_t until) {
    if (until > audio_end_) audio_end_ = until;
  }

 private:
  int64_t stall_us_;
  int64_t lead_ns_;
  bool audio_has_segment_ = false;
  bool audio_ended_ = false;
  int64_t audio_end_ =
      -1;  // running time up to which audio (or silence) went in
  int64_t last_real_audio_us_ = 0;
  int64_t video_end_ = -1;  // running time of the newest video buffer
};

}  // namespace dvr
