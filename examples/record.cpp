// Embedding dvrsink in an application: record a test source, hear of every
// finished segment on the bus, then ask the index for a playlist of what was
// recorded.
//
//   build/examples/dvr-record-example /tmp/example-recording 3
//
// records until 3 segments are listed, printing one line per segment:
//   segment seg-0000000000.ts start 2026-11-25T07:01:55.455Z duration 2.000 s
#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

struct PipelineDeleter {
  void operator()(GstElement *e) const {
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
};
using Pipeline = std::unique_ptr<GstElement, PipelineDeleter>;

GstElement *make(const char *factory, const char *name) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e) std::fprintf(stderr, "missing GStreamer element %s\n", factory);
  return e;
}

}  // namespace

int main(int argc, char *argv[]) {
  gst_init(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FOLDER [SEGMENTS]\n", argv[0]);
    return 2;
  }
  const std::string folder = argv[1];
  const int wanted = argc > 2 ? std::atoi(argv[2]) : 3;

  Pipeline pipeline(gst_pipeline_new("record"));
  GstElement *src = make("videotestsrc", nullptr);
  GstElement *caps = make("capsfilter", nullptr);
  GstElement *enc = make("x264enc", nullptr);
  GstElement *sink = make("dvrsink", "dvr");
  if (!src || !caps || !enc || !sink) return 1;
  g_object_set(src, "is-live", TRUE, nullptr);
  g_autoptr(GstCaps) raw =
      gst_caps_from_string("video/x-raw,width=320,height=240,framerate=25/1");
  g_object_set(caps, "caps", raw, nullptr);
  gst_util_set_object_arg(G_OBJECT(enc), "tune", "zerolatency");
  g_object_set(enc, "key-int-max", 25, nullptr);
  // An encoder in the same pipeline may be asked for keyframes at segment boundaries.
  g_object_set(sink, "location", folder.c_str(), "segment-duration", 1u,
               "window", 60u, "send-keyframe-requests", TRUE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline.get()), src, caps, enc, sink, nullptr);
  if (!gst_element_link_many(src, caps, enc, sink, nullptr)) {
    std::fprintf(stderr, "could not link the pipeline\n");
    return 1;
  }

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline.get());
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  int seen = 0;
  bool eos_sent = false;
  int status = 0;
  for (;;) {
    g_autoptr(GstMessage) msg = gst_bus_timed_pop(bus, 30 * GST_SECOND);
    if (!msg) {
      std::fprintf(stderr, "no message for 30 s\n");
      status = 1;
      break;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      std::fprintf(stderr, "error: %s\n", err->message);
      status = 1;
      break;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) break;
    const GstStructure *s = gst_message_get_structure(msg);
    if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ELEMENT ||
        !gst_structure_has_name(s, "dvr-segment-added"))
      continue;
    guint64 duration = 0;
    gst_structure_get_uint64(s, "duration", &duration);
    std::printf("segment %s start %s duration %.3f s\n",
                gst_structure_get_string(s, "filename"),
                gst_structure_get_string(s, "program-date-time"),
                static_cast<double>(duration) / GST_SECOND);
    std::fflush(stdout);
    if (++seen >= wanted && !eos_sent) {
      // EOS finishes and lists the segment being written, then the loop ends.
      gst_element_send_event(pipeline.get(), gst_event_new_eos());
      eos_sent = true;
    }
  }
  if (status != 0) return status;

  // The index, as the application sees it.
  GstStructure *list = nullptr;
  g_signal_emit_by_name(sink, "get-segments", &list);
  const GValue *segments = gst_structure_get_value(list, "segments");
  const guint n = gst_value_array_get_size(segments);
  gint64 first = 0, last = 0;
  for (guint i = 0; i < n; i++) {
    const GstStructure *seg =
        gst_value_get_structure(gst_value_array_get_value(segments, i));
    gint64 start = 0;
    guint64 duration = 0;
    gst_structure_get_int64(seg, "wall-clock-start", &start);
    gst_structure_get_uint64(seg, "duration", &duration);
    if (i == 0) first = start;
    last = start + static_cast<gint64>(duration / 1000);
  }
  std::printf("index: %u segments\n", n);
  gst_structure_free(list);
  gchar *playlist = nullptr;
  g_signal_emit_by_name(sink, "render-playlist", first, last, &playlist);
  std::printf("%s", playlist ? playlist : "no playlist\n");
  g_free(playlist);
  return 0;
}
