// The pipeline the launcher builds for a camera, walked element by element
// after its streams were linked the way rtspsrc's signals link them: video is
// copied (no element on its path decodes or encodes), audio goes where the
// preset says, and nothing is left unlinked.
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "supervise/camera_pipeline.h"
#include "supervise/pipeline_description.h"
#include "config/preset.h"

using namespace dvr;

namespace {

void init_gstreamer() {
  static bool done = [] {
    gst_init(nullptr, nullptr);
    gst_registry_scan_path(gst_registry_get(), BUILD_PLUGIN_DIR);
    return true;
  }();
  (void)done;
}

CameraConfig rtsp_camera(AudioMode audio, Ingest ingest = Ingest::Rtspsrc) {
  CameraConfig cam;
  cam.rtsp.ingest = ingest;
  cam.name = "door";
  cam.source = SourceKind::Rtsp;
  cam.rtsp.url = "rtsp://127.0.0.1:9/cam/realmonitor?channel=1&subtype=0";
  cam.rtsp.user = "admin";
  cam.rtsp.password = "s3cr3t-Pa55";
  cam.dvr.audio = audio;
  return cam;
}

struct Pipeline {
  GstElement *p = nullptr;
  std::string dir;
  explicit Pipeline(const CameraConfig &cam) {
    init_gstreamer();
    g_autofree char *tmp =
        g_dir_make_tmp("dvr-camera-pipeline-XXXXXX", nullptr);
    dir = tmp;
    PipelineOptions opts;
    opts.location = dir + "/" + cam.name;
    std::string error;
    p = build_camera_pipeline(cam, opts, error);
    INFO(error);
    REQUIRE(p);
  }
  ~Pipeline() {
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir.c_str());
    (void)system(cmd);
  }
  GstElement *element(const char *name) const {
    GstElement *e = gst_bin_get_by_name(GST_BIN(p), name);
    if (e) gst_object_unref(e);  // the bin keeps it
    return e;
  }
  // The application messages posted so far, by name and reason.
  std::vector<std::pair<std::string, std::string>> messages() const {
    std::vector<std::pair<std::string, std::string>> out;
    g_autoptr(GstBus) bus = gst_element_get_bus(p);
    while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_APPLICATION)) {
      const GstStructure *s = gst_message_get_structure(m);
      out.emplace_back(gst_structure_get_name(s),
                       gst_structure_get_string(s, "reason"));
      gst_message_unref(m);
    }
    return out;
  }
};

// A pad such as rtspsrc adds, with the caps it announces a stream with.
struct AnnouncedStream {
  GstPad *pad;
  GstCaps *caps;
  AnnouncedStream(const char *media, const char *encoding) {
    caps = gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING,
                               media, "encoding-name", G_TYPE_STRING, encoding,
                               "clock-rate", G_TYPE_INT,
                               std::string(media) == "video" ? 90000 : 8000,
                               "payload", G_TYPE_INT, 96, nullptr);
    pad = GST_PAD(
        gst_object_ref_sink(gst_pad_new("recv_rtp_src_0_1_96", GST_PAD_SRC)));
    gst_pad_set_active(pad, TRUE);
    gst_pad_store_sticky_event(pad, gst_event_new_stream_start("test"));
    gst_pad_store_sticky_event(pad, gst_event_new_caps(caps));
  }
  ~AnnouncedStream() {
    gst_pad_set_active(pad, FALSE);
    gst_object_unref(pad);
    gst_caps_unref(caps);
  }
};

// A pad of the pipeline's source element itself, as dvrrtspsrc (already
// depayloaded caps) or rtspsrc (application/x-rtp) adds it: the launcher's
// pad-added handler links it.
struct SourcePad {
  GstPad *pad;
  SourcePad(GstElement *src, const char *name, GstCaps *caps) {
    pad = gst_pad_new(name, GST_PAD_SRC);
    gst_pad_set_active(pad, TRUE);
    gst_pad_store_sticky_event(pad, gst_event_new_stream_start("test"));
    gst_pad_store_sticky_event(pad, gst_event_new_caps(caps));
    gst_caps_unref(caps);
    gst_element_add_pad(src, pad);  // the element owns it
  }
};

std::string klass_of(const std::string &factory) {
  g_autoptr(GstElementFactory) f = gst_element_factory_find(factory.c_str());
  return f ? gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS)
           : "";
}

bool transcodes(const std::vector<std::string> &path) {
  for (const auto &factory : path) {
    const std::string klass = klass_of(factory);
    if (klass.find("Decoder") != std::string::npos ||
        klass.find("Encoder") != std::string::npos)
      return true;
  }
  return false;
}

std::string enum_nick(GstElement *element, const char *property) {
  GParamSpec *spec =
      g_object_class_find_property(G_OBJECT_GET_CLASS(element), property);
  if (!spec || !G_IS_PARAM_SPEC_ENUM(spec)) return "";
  gint value = 0;
  g_object_get(element, property, &value, nullptr);
  const GEnumValue *v =
      g_enum_get_value(G_PARAM_SPEC_ENUM(spec)->enum_class, value);
  return v ? v->value_nick : "";
}

std::string joined(const std::vector<std::string> &path) {
  std::string out;
  for (const auto &p : path) out += (out.empty() ? "" : " ! ") + p;
  return out;
}

}  // namespace

TEST_CASE(
    "a camera's H.264 or H.265 video reaches dvrsink through its depayloader only, never decoded or encoded",
    "[pipeline][video]") {
  for (const char *encoding : {"H264", "H265"}) {
    Pipeline pipeline(rtsp_camera(AudioMode::Aac));
    AnnouncedStream video("video", encoding);
    link_rtsp_pad(pipeline.p, video.pad);
    const auto path = stream_path(video.pad);
    INFO(joined(path));
    CHECK(path ==
          std::vector<std::string>{
              std::string("H264") == encoding ? "rtph264depay" : "rtph265depay",
              "dvrsink"});
    CHECK_FALSE(transcodes(path));
    CHECK(pipeline.messages().empty());
  }
}

TEST_CASE(
    "the video path is dvrrtspsrc ! dvrsink with the lean ingest, rtspsrc ! rtph264depay ! dvrsink with rtspsrc",
    "[pipeline][video]") {
  {
    Pipeline pipeline(rtsp_camera(AudioMode::Aac, Ingest::Lean));
    SourcePad video(
        pipeline.element("src"), "video",
        gst_caps_from_string("video/x-h264,stream-format=avc3,alignment=au"));
    CHECK(recorded_paths(pipeline.p).video == "dvrrtspsrc ! dvrsink");
    const auto messages = pipeline.messages();
    std::string said;
    for (const auto &m : messages) said += m.first + ": " + m.second + "\n";
    INFO(said);
    CHECK(messages.empty());
  }
  {
    Pipeline pipeline(rtsp_camera(AudioMode::Aac, Ingest::Rtspsrc));
    SourcePad video(
        pipeline.element("src"), "recv_rtp_src_0_1_96",
        gst_caps_from_string(
            "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000"));
    CHECK(recorded_paths(pipeline.p).video ==
          "rtspsrc ! rtph264depay ! dvrsink");
  }
}

TEST_CASE(
    "with wall-clock = camera rtspsrc is asked for the sender reports' time and dvrsink labels by it",
    "[pipeline]") {
  auto cam = rtsp_camera(AudioMode::Off);
  cam.rtsp.wall_clock = WallClock::Camera;
  Pipeline pipeline(cam);
  gboolean meta = FALSE;
  g_object_get(pipeline.element("src"), "add-reference-timestamp-meta", &meta,
               nullptr);
  CHECK(meta);
  CHECK(enum_nick(pipeline.element("sink"), "wall-clock") == "camera");
  Pipeline local(rtsp_camera(AudioMode::Off));
  g_object_get(local.element("src"), "add-reference-timestamp-meta", &meta,
               nullptr);
  CHECK_FALSE(meta);
  CHECK(enum_nick(local.element("sink"), "wall-clock") == "local");
}

TEST_CASE(
    "with the lean ingest G.711 is decoded and encoded to AAC, AAC goes straight into dvrsink",
    "[pipeline][audio]") {
  {
    Pipeline pipeline(rtsp_camera(AudioMode::Aac, Ingest::Lean));
    SourcePad audio(pipeline.element("src"), "audio",
                    gst_caps_from_string("audio/x-alaw,rate=8000,channels=1"));
    CHECK(
        recorded_paths(pipeline.p).audio ==
        "dvrrtspsrc ! alawdec ! audioconvert ! audioresample ! avenc_aac ! aacparse ! dvrsink");
  }
  {
    Pipeline pipeline(rtsp_camera(AudioMode::Copy, Ingest::Lean));
    SourcePad audio(
        pipeline.element("src"), "audio",
        gst_caps_from_string(
            "audio/mpeg,mpegversion=4,stream-format=raw,rate=16000,channels=1"));
    CHECK(recorded_paths(pipeline.p).audio == "dvrrtspsrc ! dvrsink");
  }
}

TEST_CASE("dvrrtspsrc gets the password as a property that cannot be read back",
          "[pipeline][secrets]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Off, Ingest::Lean));
  GstElement *src = pipeline.element("src");
  CHECK(std::string(G_OBJECT_TYPE_NAME(src)) == "GstDvrRtspSrc");
  GParamSpec *pw =
      g_object_class_find_property(G_OBJECT_GET_CLASS(src), "user-pw");
  REQUIRE(pw);
  CHECK((pw->flags & G_PARAM_WRITABLE));
  CHECK_FALSE((pw->flags & G_PARAM_READABLE));
  g_autofree char *location = nullptr;
  g_object_get(src, "location", &location, nullptr);
  CHECK(std::string(location) ==
        "rtsp://127.0.0.1:9/cam/realmonitor?channel=1&subtype=0");
}

TEST_CASE(
    "a test camera's video is encoded, so the check that catches transcoding does catch it",
    "[pipeline][video]") {
  CameraConfig cam;
  cam.name = "cam1";
  cam.source = SourceKind::Test;
  Pipeline pipeline(cam);
  g_autoptr(GstPad) src =
      gst_element_get_static_pad(pipeline.element("src"), "src");
  const auto path = stream_path(src);
  INFO(joined(path));
  CHECK(path.back() == "dvrsink");
  CHECK(transcodes(path));
}

TEST_CASE(
    "G.711 audio a camera announces is turned into AAC on dvrsink's audio pad",
    "[pipeline][audio]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Aac));
  AnnouncedStream audio("audio", "PCMA");
  // rtspsrc's select-stream comes first: the audio pad exists before any data.
  prepare_rtsp_stream(pipeline.p, audio.caps);
  g_autoptr(GstPad) audio_pad =
      gst_element_get_static_pad(pipeline.element("sink"), "audio");
  REQUIRE(audio_pad);
  CHECK(gst_pad_is_linked(audio_pad));

  link_rtsp_pad(pipeline.p, audio.pad);
  const auto path = stream_path(audio.pad);
  CHECK(
      joined(path) ==
      "rtppcmadepay ! alawdec ! audioconvert ! audioresample ! avenc_aac ! aacparse ! dvrsink");
  CHECK(pipeline.messages().empty());
}

TEST_CASE("AAC audio is copied with audio = copy", "[pipeline][audio]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Copy));
  AnnouncedStream audio("audio", "MPEG4-GENERIC");
  prepare_rtsp_stream(pipeline.p, audio.caps);
  link_rtsp_pad(pipeline.p, audio.pad);
  const auto path = stream_path(audio.pad);
  CHECK(joined(path) == "rtpmp4gdepay ! aacparse ! dvrsink");
  CHECK_FALSE(transcodes(path));
}

TEST_CASE(
    "streams that are not recorded are drained into a fakesink, and said once why",
    "[pipeline][discard]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Off));
  AnnouncedStream metadata("application", "VND.ONVIF.METADATA");
  AnnouncedStream audio("audio", "PCMA");
  prepare_rtsp_stream(pipeline.p, metadata.caps);
  prepare_rtsp_stream(pipeline.p, audio.caps);
  // No audio pad is asked of dvrsink when audio is off: it would wait for audio.
  CHECK(gst_element_get_static_pad(pipeline.element("sink"), "audio") ==
        nullptr);
  link_rtsp_pad(pipeline.p, metadata.pad);
  link_rtsp_pad(pipeline.p, audio.pad);
  CHECK(stream_path(metadata.pad) == std::vector<std::string>{"fakesink"});
  CHECK(stream_path(audio.pad) == std::vector<std::string>{"fakesink"});
  const auto messages = pipeline.messages();
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].first == kDiscardedStreamMessage);
  CHECK(messages[0].second ==
        "a application stream (VND.ONVIF.METADATA) is not recorded");
  CHECK(messages[1].second == "audio is not recorded (audio = off)");
}

TEST_CASE("a second video stream is drained; only the first is recorded",
          "[pipeline][discard]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Off));
  AnnouncedStream first("video", "H264");
  AnnouncedStream second("video", "H264");
  link_rtsp_pad(pipeline.p, first.pad);
  link_rtsp_pad(pipeline.p, second.pad);
  CHECK(stream_path(first.pad).back() == "dvrsink");
  CHECK(stream_path(second.pad) == std::vector<std::string>{"fakesink"});
}

TEST_CASE(
    "video that cannot be recorded puts the camera in error, with the reason",
    "[pipeline][error]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Off));
  AnnouncedStream mjpeg("video", "JPEG");
  link_rtsp_pad(pipeline.p, mjpeg.pad);
  // Linked all the same: an unlinked pad would fail the camera with a worse message.
  CHECK(stream_path(mjpeg.pad) == std::vector<std::string>{"fakesink"});
  const auto messages = pipeline.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].first == kUnsupportedStreamMessage);
  CHECK_THAT(
      messages[0].second,
      Catch::Contains("JPEG video; only H.264 and H.265 can be recorded"));
}

TEST_CASE("the camera's password is a property of rtspsrc, in no pipeline text",
          "[pipeline][secrets]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Off));
  g_autofree char *location = nullptr;
  g_autofree char *user = nullptr;
  g_autofree char *password = nullptr;
  g_object_get(pipeline.element("src"), "location", &location, "user-id", &user,
               "user-pw", &password, nullptr);
  CHECK(std::string(location) ==
        "rtsp://127.0.0.1:9/cam/realmonitor?channel=1&subtype=0");
  CHECK(std::string(user) == "admin");
  CHECK(std::string(password) == "s3cr3t-Pa55");
  gboolean keyframe_requests = TRUE;
  g_object_get(pipeline.element("sink"), "send-keyframe-requests",
               &keyframe_requests, nullptr);
  CHECK_FALSE(keyframe_requests);
}

TEST_CASE(
    "announced audio that never starts is ended once, so the video is recorded alone",
    "[pipeline][audio]") {
  Pipeline pipeline(rtsp_camera(AudioMode::Aac));
  AnnouncedStream video("video", "H264");
  AnnouncedStream audio("audio", "PCMA");
  prepare_rtsp_stream(pipeline.p, audio.caps);
  CHECK_FALSE(end_missing_audio(pipeline.p));  // no video yet
  link_rtsp_pad(pipeline.p, video.pad);
  CHECK_FALSE(
      end_missing_audio(pipeline.p));  // the audio still has time to start
  CHECK(end_missing_audio(pipeline.p, 0));
  CHECK_FALSE(end_missing_audio(pipeline.p, 0));  // once
  // Audio that turns up after all is drained: dvrsink's audio has ended.
  link_rtsp_pad(pipeline.p, audio.pad);
  CHECK(stream_path(audio.pad) == std::vector<std::string>{"fakesink"});
}

TEST_CASE("video buffers entering dvrsink are counted", "[pipeline][stall]") {
  CameraConfig cam;
  cam.name = "cam1";
  cam.source = SourceKind::Test;
  cam.test.width = 160;
  cam.test.height = 120;
  Pipeline pipeline(cam);
  CHECK(video_buffer_count(pipeline.p) == 0);
  REQUIRE(gst_element_set_state(pipeline.p, GST_STATE_PLAYING) !=
          GST_STATE_CHANGE_FAILURE);
  const gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (video_buffer_count(pipeline.p) < 5 &&
         g_get_monotonic_time() < deadline)
    g_usleep(20000);
  CHECK(video_buffer_count(pipeline.p) >= 5);
  const RecordedPaths paths = recorded_paths(pipeline.p);
  CHECK_THAT(paths.video,
             Catch::StartsWith("videotestsrc ! ") &&
                 Catch::EndsWith(" ! x264enc ! capsfilter ! dvrsink"));
  CHECK(paths.audio.empty());
}
