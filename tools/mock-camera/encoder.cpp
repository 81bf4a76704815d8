#include "encoder.h"

#include <gst/app/gstappsink.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace mockcam {
namespace {

struct Collected {
  GstCaps *caps = nullptr;
  std::vector<GstBuffer *> buffers;
};

bool have_element(const char *name) {
  GstElementFactory *f = gst_element_factory_find(name);
  if (!f) return false;
  gst_object_unref(f);
  return true;
}

void free_collected(Collected &c) {
  for (GstBuffer *b : c.buffers) gst_buffer_unref(b);
  c.buffers.clear();
  if (c.caps) gst_caps_unref(c.caps);
  c.caps = nullptr;
}

// A pipeline that hands out nothing for this long and has not reached EOS has
// lost its EOS: GStreamer 1.22.0 now and then does that to a fast, non-live
// pipeline, and waiting longer would hang the camera before it serves. Long
// enough for x265's first frame of 1080p on a busy machine.
constexpr gint64 kStalledUs = 30 * G_USEC_PER_SEC;
constexpr int kAttempts = 3;

enum class Run { kDone, kFailed, kStalled };

// One attempt at running desc until EOS or until it has produced `enough`
// buffers (0: all of them), keeping those buffers.
Run run_once(const std::string &desc, size_t enough, Collected &out,
             std::string &error) {
  GError *err = nullptr;
  GstElement *pipeline = gst_parse_launch(desc.c_str(), &err);
  if (!pipeline) {
    error = std::string("cannot build encoder: ") +
            (err ? err->message : "unknown error");
    if (err) g_error_free(err);
    return Run::kFailed;
  }
  if (err) {  // a recoverable warning (missing property and the like)
    error = std::string("cannot build encoder: ") + err->message;
    g_error_free(err);
    gst_object_unref(pipeline);
    return Run::kFailed;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstBus *bus = gst_element_get_bus(pipeline);
  Run result = Run::kDone;

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    error = "cannot start encoder pipeline";
    result = Run::kFailed;
  }
  gint64 progress = g_get_monotonic_time();
  while (result == Run::kDone) {
    GstSample *sample =
        gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 100 * GST_MSECOND);
    if (sample) {
      GstBuffer *buf = gst_sample_get_buffer(sample);
      GstCaps *caps = gst_sample_get_caps(sample);
      if (buf) out.buffers.push_back(gst_buffer_ref(buf));
      if (caps) gst_caps_replace(&out.caps, caps);
      gst_sample_unref(sample);
      progress = g_get_monotonic_time();
      if (enough && out.buffers.size() >= enough) break;
      continue;
    }
    GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (msg) {
      GError *e = nullptr;
      gst_message_parse_error(msg, &e, nullptr);
      error = std::string("encoder failed: ") + (e ? e->message : "?");
      if (e) g_error_free(e);
      gst_message_unref(msg);
      result = Run::kFailed;
      break;
    }
    if (gst_app_sink_is_eos(GST_APP_SINK(sink))) break;
    if (g_get_monotonic_time() - progress > kStalledUs) {
      error = "encoder stalled before EOS: " + desc;
      result = Run::kStalled;
    }
  }
  gst_object_unref(bus);
  gst_object_unref(sink);
  // A stalled pipeline is left as it is: if its streaming thread is stuck
  // rather than only its EOS lost, stopping it would wait for ever as well.
  if (result == Run::kStalled) return result;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (result == Run::kDone && (out.buffers.empty() || !out.caps)) {
    error = "encoder produced nothing";
    result = Run::kFailed;
  }
  return result;
}

// Runs a pipeline description ending in "appsink name=sink" and keeps the
// buffers it produced, up to `enough` (0: until EOS); a run that stalls is
// thrown away and run again.
bool run_encoder(const std::string &desc, size_t enough, Collected &out,
                 std::string &error) {
  for (int attempt = 1;; attempt++) {
    const Run r = run_once(desc, enough, out, error);
    if (r == Run::kDone) return true;
    if (r == Run::kFailed || attempt == kAttempts) return false;
    std::fprintf(stderr, "dvr-mock-camera: %s; encoding again\n",
                 error.c_str());
    free_collected(out);
  }
}

std::shared_ptr<EncodedTrack> adopt(Collected &c) {
  auto t = std::make_shared<EncodedTrack>();
  t->caps = c.caps;
  t->buffers = std::move(c.buffers);
  c.caps = nullptr;
  return t;
}

}  // namespace

EncodedTrack::~EncodedTrack() {
  for (GstBuffer *b : buffers) gst_buffer_unref(b);
  if (caps) gst_caps_unref(caps);
}

GstClockTime EncodedTrack::duration_of(size_t i) const {
  GstClockTime end = i + 1 < offsets.size() ? offsets[i + 1] : loop_duration;
  return end - offsets[i];
}

size_t EncodedTrack::bytes() const {
  size_t n = 0;
  for (GstBuffer *b : buffers) n += gst_buffer_get_size(b);
  return n;
}

int loop_frames(double seconds, int framerate, int gop) {
  long gops = std::lround(seconds * framerate / gop);
  if (gops < 1) gops = 1;
  return static_cast<int>(gops * gop);
}

TrackPtr encode_video(const VideoSpec &s, std::string &error) {
  std::ostringstream d;
  d << "videotestsrc num-buffers=" << s.frames
    << " pattern=smpte horizontal-speed=4 ! video/x-raw,format=I420,width="
    << s.width << ",height=" << s.height << ",framerate=" << s.framerate
    << "/1,pixel-aspect-ratio=1/1 ! ";
  // The time overlay lives in the optional pango plugin.
  if (have_element("timeoverlay"))
    d << "timeoverlay halignment=left valignment=top font-desc=\"Sans 20\" "
         "shaded-background=true ! ";
  if (s.codec == Codec::H264) {
    d << "x264enc bitrate=" << s.bitrate << " key-int-max=" << s.gop
      << " bframes=0 pass=cbr vbv-buf-capacity=1000 speed-preset="
      << s.speed_preset
      << " option-string=\"scenecut=0\" ! h264parse config-interval=-1 ! "
         "video/x-h264,stream-format=byte-stream,alignment=au ! ";
  } else {
    d << "x265enc bitrate=" << s.bitrate << " key-int-max=" << s.gop
      << " speed-preset=" << s.speed_preset
      << " option-string=\"scenecut=0:open-gop=0:bframes=0:repeat-headers=1:"
         "log-level=error:vbv-maxrate="
      << s.bitrate << ":vbv-bufsize=" << s.bitrate
      << "\" ! h265parse config-interval=-1 ! "
         "video/x-h265,stream-format=byte-stream,alignment=au ! ";
  }
  d << "appsink name=sink sync=false";

  Collected c;
  if (!run_encoder(d.str(), static_cast<size_t>(s.frames), c, error)) {
    free_collected(c);
    return nullptr;
  }
  if (c.buffers.size() != static_cast<size_t>(s.frames)) {
    error = "encoder returned " + std::to_string(c.buffers.size()) +
            " frames instead of " + std::to_string(s.frames);
    free_collected(c);
    return nullptr;
  }
  auto t = adopt(c);
  const GstClockTime second = GST_SECOND;
  for (size_t i = 0; i < t->buffers.size(); i++) {
    t->offsets.push_back(gst_util_uint64_scale(i, second, s.framerate));
    t->keyframes.push_back(
        !GST_BUFFER_FLAG_IS_SET(t->buffers[i], GST_BUFFER_FLAG_DELTA_UNIT));
  }
  t->loop_duration =
      gst_util_uint64_scale(t->buffers.size(), second, s.framerate);
  if (!t->keyframes[0]) {
    error = "encoded loop does not start with a keyframe";
    return nullptr;
  }
  return t;
}

TrackPtr encode_audio(AudioCodec codec, GstClockTime duration,
                      std::string &error) {
  std::ostringstream d;
  int rate = 0;
  int samples_per_buffer = 0;
  if (codec == AudioCodec::Pcma) {
    rate = 8000;
    samples_per_buffer = 320;  // 40 ms
  } else if (codec == AudioCodec::Aac) {
    rate = 16000;
    samples_per_buffer = 1024;  // one AAC frame
  } else {
    error = "no audio codec";
    return nullptr;
  }
  long buffers = std::lround(static_cast<double>(duration) * rate /
                             samples_per_buffer / GST_SECOND);
  if (buffers < 1) buffers = 1;

  // The AAC encoder holds frames back until EOS, and GStreamer 1.22.0 now and
  // then loses the EOS of a fast pipeline: a few more input buffers than the
  // loop needs bring its frames out without waiting for the end.
  const long extra = codec == AudioCodec::Aac ? 4 : 0;
  d << "audiotestsrc num-buffers=" << buffers + extra
    << " samplesperbuffer=" << samples_per_buffer
    << " wave=ticks volume=0.4 ! audio/x-raw,rate=" << rate
    << ",channels=1 ! audioconvert ! ";
  if (codec == AudioCodec::Pcma) {
    d << "alawenc ! ";
  } else {
    if (have_element("avenc_aac"))
      d << "avenc_aac bitrate=32000 ! ";
    else
      d << "voaacenc bitrate=32000 ! ";
    d << "aacparse ! audio/mpeg,mpegversion=4,stream-format=raw ! ";
  }
  d << "appsink name=sink sync=false";

  Collected c;
  if (!run_encoder(d.str(), static_cast<size_t>(buffers), c, error)) {
    free_collected(c);
    return nullptr;
  }
  auto t = adopt(c);
  guint64 samples = 0;
  for (GstBuffer *b : t->buffers) {
    t->offsets.push_back(gst_util_uint64_scale(samples, GST_SECOND, rate));
    t->keyframes.push_back(true);
    // A-law: one byte per sample (mono); AAC: 1024 samples per frame.
    samples += codec == AudioCodec::Pcma ? gst_buffer_get_size(b) : 1024;
  }
  t->loop_duration = gst_util_uint64_scale(samples, GST_SECOND, rate);
  return t;
}

}  // namespace mockcam
