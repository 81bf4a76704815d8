#include "supervise/camera_pipeline.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <mutex>

namespace dvr {
namespace {

constexpr char kContextKey[] = "dvr-camera-pipeline";

struct ObjectUnref {
  void operator()(gpointer o) const { gst_object_unref(o); }
};
using PadPtr = std::unique_ptr<GstPad, ObjectUnref>;
using ElementPtr = std::unique_ptr<GstElement, ObjectUnref>;

// What the signal handlers of one pipeline share. Owned by the pipeline
// (object data), so it lives exactly as long as the elements that call in.
struct PipelineContext {
  CameraConfig config;  // without the password: only the plan needs it
  PipelineOptions opts;
  GstElement *pipeline = nullptr;  // not owned: the context is the pipeline's
  std::atomic<std::uint64_t> video_buffers{0};

  std::mutex lock;  // the rest, written from rtspsrc's threads
  bool video_linked = false;
  std::int64_t video_linked_at = 0;
  PadPtr
      audio_head;  // where an audio stream goes in: its chain's first pad, or dvrsink's audio pad
  std::string audio_encoding;
  bool audio_linked = false;
  bool audio_ended = false;
};

PipelineContext *context_of(GstElement *pipeline) {
  return static_cast<PipelineContext *>(
      g_object_get_data(G_OBJECT(pipeline), kContextKey));
}

void post(PipelineContext *ctx, const char *name, const std::string &reason) {
  GstStructure *s =
      gst_structure_new(name, "reason", G_TYPE_STRING, reason.c_str(), nullptr);
  gst_element_post_message(
      ctx->pipeline, gst_message_new_application(GST_OBJECT(ctx->pipeline), s));
}

RtspStream stream_of_caps(GstCaps *caps) {
  RtspStream stream;
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return stream;
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  // dvrrtspsrc's pads: depayloaded already.
  static const struct {
    const char *caps;
    const char *media;
    const char *encoding;
  } kDepayloaded[] = {{"video/x-h264", "video", "H264"},
                      {"video/x-h265", "video", "H265"},
                      {"audio/mpeg", "audio", "MPEG4-GENERIC"},
                      {"audio/x-alaw", "audio", "PCMA"},
                      {"audio/x-mulaw", "audio", "PCMU"}};
  for (const auto &d : kDepayloaded) {
    if (gst_structure_has_name(s, d.caps)) {
      stream.media = d.media;
      stream.encoding = d.encoding;
      stream.depayloaded = true;
      return stream;
    }
  }
  if (const char *media = gst_structure_get_string(s, "media"))
    stream.media = media;
  if (const char *enc = gst_structure_get_string(s, "encoding-name"))
    stream.encoding = enc;
  std::transform(
      stream.encoding.begin(), stream.encoding.end(), stream.encoding.begin(),
      [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return stream;
}

GstCaps *caps_of_pad(GstPad *pad) {
  GstCaps *caps = gst_pad_get_current_caps(pad);
  return caps ? caps : gst_pad_query_caps(pad, nullptr);
}

// Makes the chain's elements, adds them to the pipeline, links them to each
// other and to target (if any), and starts them. Returns the sink pad of its
// first element (target itself for an empty chain), or nothing with error set.
PadPtr add_chain(GstElement *pipeline, const Chain &chain, GstPad *target,
                 std::string &error) {
  if (chain.empty()) {
    if (!target) error = "nothing to link the stream to";
    return target ? PadPtr(GST_PAD(gst_object_ref(target))) : nullptr;
  }
  std::vector<ElementPtr> made;
  for (const auto &spec : chain) {
    GstElement *e = gst_element_factory_make(spec.factory.c_str(), nullptr);
    if (!e) {
      error = "GStreamer element " + spec.factory + " is missing";
      return nullptr;
    }
    made.emplace_back(GST_ELEMENT(gst_object_ref_sink(e)));
    for (const auto &[name, value] : spec.props)
      gst_util_set_object_arg(G_OBJECT(e), name.c_str(), value.c_str());
  }
  for (const auto &e : made) gst_bin_add(GST_BIN(pipeline), e.get());
  auto unwind = [&] {
    for (const auto &e : made) {
      gst_element_set_locked_state(e.get(), TRUE);
      gst_element_set_state(e.get(), GST_STATE_NULL);
      gst_bin_remove(GST_BIN(pipeline), e.get());
    }
  };
  for (std::size_t i = 0; i + 1 < made.size(); ++i) {
    if (!gst_element_link(made[i].get(), made[i + 1].get())) {
      error = "cannot link " + chain[i].factory + " to " + chain[i + 1].factory;
      unwind();
      return nullptr;
    }
  }
  if (target) {
    PadPtr out(gst_element_get_static_pad(made.back().get(), "src"));
    const GstPadLinkReturn r =
        out ? gst_pad_link(out.get(), target) : GST_PAD_LINK_REFUSED;
    if (GST_PAD_LINK_FAILED(r)) {
      error = "cannot link " + chain.back().factory + " to dvrsink (" +
              gst_pad_link_get_name(r) + ")";
      unwind();
      return nullptr;
    }
  }
  // Downstream first, so that nothing pushes into an element not yet running.
  for (auto it = made.rbegin(); it != made.rend(); ++it)
    gst_element_sync_state_with_parent(it->get());
  return PadPtr(gst_element_get_static_pad(made.front().get(), "sink"));
}

Chain discard_chain() {
  return {{"fakesink", {{"sync", "false"}, {"async", "false"}}}};
}

// Must hold ctx->lock. Builds the audio chain into dvrsink's audio pad.
bool prepare_audio(PipelineContext *ctx, const StreamPlan &plan,
                   const std::string &encoding, std::string &error) {
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(ctx->pipeline), "sink"));
  PadPtr audio_pad(sink ? gst_element_request_pad_simple(sink.get(), "audio")
                        : nullptr);
  if (!audio_pad) {
    error = "dvrsink gave no audio pad";
    return false;
  }
  PadPtr head = add_chain(ctx->pipeline, plan.chain, audio_pad.get(), error);
  if (!head) {
    gst_element_release_request_pad(sink.get(), audio_pad.get());
    return false;
  }
  ctx->audio_head = std::move(head);
  ctx->audio_encoding = encoding;
  return true;
}

gboolean on_select_stream(GstElement *, guint, GstCaps *caps, gpointer data) {
  prepare_rtsp_stream(static_cast<PipelineContext *>(data)->pipeline, caps);
  return TRUE;  // every stream is set up: what is not recorded goes to a fakesink
}

void on_pad_added(GstElement *, GstPad *pad, gpointer data) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  link_rtsp_pad(static_cast<PipelineContext *>(data)->pipeline, pad);
}

GstPadProbeReturn count_buffers(GstPad *, GstPadProbeInfo *, gpointer data) {
  static_cast<PipelineContext *>(data)->video_buffers.fetch_add(
      1, std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

std::string join_path(const std::vector<std::string> &path) {
  std::string out;
  for (const auto &p : path) out += (out.empty() ? "" : " ! ") + p;
  return out;
}

// The factory of an element, or its type for elements made without one.
std::string factory_name(GstElement *e) {
  GstElementFactory *f = gst_element_get_factory(e);
  return f ? GST_OBJECT_NAME(f) : G_OBJECT_TYPE_NAME(e);
}

// Follows pad downstream; returns the path and the name of the pad it ended on.
std::vector<std::string> walk(GstPad *pad, std::string *last_pad) {
  std::vector<std::string> path;
  ElementPtr owner(gst_pad_get_parent_element(pad));
  if (owner) path.push_back(factory_name(owner.get()));
  PadPtr current(GST_PAD(gst_object_ref(pad)));
  for (int depth = 0; depth < 32 && current; ++depth) {
    PadPtr peer(gst_pad_get_peer(current.get()));
    if (!peer) break;
    ElementPtr element(gst_pad_get_parent_element(peer.get()));
    if (!element) break;
    path.push_back(factory_name(element.get()));
    if (last_pad) *last_pad = GST_PAD_NAME(peer.get());
    // dvrsink is ours and a sink: the walk ends there.
    if (path.back() == "dvrsink") break;
    current.reset();
    GstIterator *it = gst_element_iterate_src_pads(element.get());
    GValue item = G_VALUE_INIT;
    bool done = false;
    while (!done) {
      switch (gst_iterator_next(it, &item)) {
        case GST_ITERATOR_OK: {
          auto *src = GST_PAD(g_value_get_object(&item));
          if (!current && gst_pad_is_linked(src))
            current.reset(GST_PAD(gst_object_ref(src)));
          g_value_reset(&item);
          break;
        }
        case GST_ITERATOR_RESYNC:
          gst_iterator_resync(it);
          current.reset();
          break;
        default:
          done = true;
      }
    }
    g_value_unset(&item);
    gst_iterator_free(it);
  }
  return path;
}

}  // namespace

GstElement *build_camera_pipeline(const CameraConfig &cam,
                                  const PipelineOptions &opts,
                                  std::string &error) {
  const std::string description =
      pipeline_description(cam, opts, Secrets::Omit);
  g_autoptr(GError) err = nullptr;
  GstElement *parsed = gst_parse_launch_full(description.c_str(), nullptr,
                                             GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!parsed) {
    error = std::string("cannot build the pipeline: ") +
            (err ? err->message : "unknown error");
    return nullptr;
  }
  GstElement *pipeline = GST_ELEMENT(gst_object_ref_sink(parsed));

  auto *ctx = new PipelineContext;
  ctx->config = cam;
  ctx->config.rtsp.password.clear();
  ctx->opts = opts;
  ctx->pipeline = pipeline;
  g_object_set_data_full(G_OBJECT(pipeline), kContextKey, ctx, [](gpointer p) {
    delete static_cast<PipelineContext *>(p);
  });

  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline), "sink"));
  PadPtr sink_pad(sink ? gst_element_get_static_pad(sink.get(), "sink")
                       : nullptr);
  if (!sink_pad) {
    error = "cannot build the pipeline: no dvrsink";
    gst_object_unref(pipeline);
    return nullptr;
  }
  gst_pad_add_probe(
      sink_pad.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                   GST_PAD_PROBE_TYPE_BUFFER_LIST),
      count_buffers, ctx, nullptr);

  if (cam.source == SourceKind::Rtsp) {
    ElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline), "src"));
    // Kept out of the description so that no pipeline text holds a secret.
    g_object_set(src.get(), "location", cam.rtsp.url.c_str(), nullptr);
    if (!cam.rtsp.password.empty())
      g_object_set(src.get(), "user-pw", cam.rtsp.password.c_str(), nullptr);
    // dvrrtspsrc sets up only what it can record and adds its pads before
    // any data flows: there is no stream to select.
    if (cam.rtsp.ingest == Ingest::Rtspsrc)
      g_signal_connect(src.get(), "select-stream", G_CALLBACK(on_select_stream),
                       ctx);
    g_signal_connect(src.get(), "pad-added", G_CALLBACK(on_pad_added), ctx);
  }
  return pipeline;
}

std::uint64_t video_buffer_count(GstElement *pipeline) {
  auto *ctx = context_of(pipeline);
  return ctx ? ctx->video_buffers.load(std::memory_order_relaxed) : 0;
}

void prepare_rtsp_stream(GstElement *pipeline, GstCaps *caps) {
  auto *ctx = context_of(pipeline);
  if (!ctx) return;
  const RtspStream stream = stream_of_caps(caps);
  const StreamPlan plan =
      plan_rtsp_stream(ctx->config, stream, ctx->opts.aac_encoder);
  if (plan.route != Route::Audio) return;
  // dvrsink's audio pad is asked for before any data flows, as in the
  // gst-launch-1.0 line --check prints; the stream's pad links to it later.
  std::string error;
  bool ok;
  {
    std::lock_guard<std::mutex> lock(ctx->lock);
    if (ctx->audio_head) return;
    ok = prepare_audio(ctx, plan, stream.encoding, error);
  }
  if (!ok)
    post(ctx, kDiscardedStreamMessage, "audio is not recorded: " + error);
}

void link_rtsp_pad(GstElement *pipeline, GstPad *pad) {
  auto *ctx = context_of(pipeline);
  if (!ctx) return;
  GstCaps *caps = caps_of_pad(pad);
  const RtspStream stream = stream_of_caps(caps);
  if (caps) gst_caps_unref(caps);
  StreamPlan plan =
      plan_rtsp_stream(ctx->config, stream, ctx->opts.aac_encoder);

  std::string error;
  PadPtr head;
  {
    std::lock_guard<std::mutex> lock(ctx->lock);
    if (plan.route == Route::Video && ctx->video_linked) {
      plan = {Route::Discard, {}, "a second video stream is not recorded"};
    } else if (plan.route == Route::Video) {
      ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline), "sink"));
      PadPtr sink_pad(gst_element_get_static_pad(sink.get(), "sink"));
      head = add_chain(pipeline, plan.chain, sink_pad.get(), error);
      if (head) {
        ctx->video_linked = true;
        ctx->video_linked_at = g_get_monotonic_time();
      }
    } else if (plan.route == Route::Audio) {
      if (ctx->audio_linked || ctx->audio_ended ||
          (ctx->audio_head && ctx->audio_encoding != stream.encoding)) {
        plan = {Route::Discard, {}, "a second audio stream is not recorded"};
      } else if (ctx->audio_head ||
                 prepare_audio(ctx, plan, stream.encoding, error)) {
        // Usually prepared when rtspsrc announced the stream; else made now.
        head.reset(GST_PAD(gst_object_ref(ctx->audio_head.get())));
        ctx->audio_linked = true;
      }
    }
  }
  if (!error.empty())
    plan = {Route::Unsupported,
            {},
            "cannot record the camera's " + stream.media + ": " + error};
  if (plan.route == Route::Discard || plan.route == Route::Unsupported) {
    std::string discard_error;
    head = add_chain(pipeline, discard_chain(), nullptr, discard_error);
    post(ctx,
         plan.route == Route::Discard ? kDiscardedStreamMessage
                                      : kUnsupportedStreamMessage,
         plan.why);
  }
  if (!head) return;
  const GstPadLinkReturn r = gst_pad_link(pad, head.get());
  if (GST_PAD_LINK_FAILED(r))
    post(ctx, kUnsupportedStreamMessage,
         "cannot link the camera's " + stream.media + " stream (" +
             gst_pad_link_get_name(r) + ")");
}

bool end_missing_audio(GstElement *pipeline, std::int64_t grace_us) {
  auto *ctx = context_of(pipeline);
  if (!ctx) return false;
  PadPtr head;
  {
    std::lock_guard<std::mutex> lock(ctx->lock);
    if (!ctx->audio_head || ctx->audio_linked || ctx->audio_ended ||
        !ctx->video_linked ||
        g_get_monotonic_time() - ctx->video_linked_at < grace_us)
      return false;
    ctx->audio_ended = true;
    head.reset(GST_PAD(gst_object_ref(ctx->audio_head.get())));
  }
  // An ended stream is one dvrsink no longer waits for.
  gst_pad_send_event(head.get(),
                     gst_event_new_stream_start("dvr-missing-audio"));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_send_event(head.get(), gst_event_new_segment(&segment));
  gst_pad_send_event(head.get(), gst_event_new_eos());
  return true;
}

std::vector<std::string> stream_path(GstPad *pad) { return walk(pad, nullptr); }

RecordedPaths recorded_paths(GstElement *pipeline) {
  RecordedPaths out;
  auto consider = [&out](GstPad *pad) {
    std::string last;
    const auto path = walk(pad, &last);
    if (path.empty() || path.back() != "dvrsink") return;
    (last == "sink" ? out.video : out.audio) = join_path(path);
  };
  // dvrrtspsrc's path names no codec: the caps say which it is.
  ElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline), "sink"));
  PadPtr sink_pad(sink ? gst_element_get_static_pad(sink.get(), "sink")
                       : nullptr);
  if (GstCaps *caps =
          sink_pad ? gst_pad_get_current_caps(sink_pad.get()) : nullptr) {
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    if (gst_structure_has_name(s, "video/x-h264")) out.video_codec = "h264";
    if (gst_structure_has_name(s, "video/x-h265")) out.video_codec = "h265";
    gst_caps_unref(caps);
  }
  for (const char *name : {"src", "asrc"}) {
    ElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline), name));
    if (!src) continue;
    GstIterator *it = gst_element_iterate_src_pads(src.get());
    GValue item = G_VALUE_INIT;
    bool done = false;
    while (!done) {
      switch (gst_iterator_next(it, &item)) {
        case GST_ITERATOR_OK:
          consider(GST_PAD(g_value_get_object(&item)));
          g_value_reset(&item);
          break;
        case GST_ITERATOR_RESYNC:
          gst_iterator_resync(it);
          break;
        default:
          done = true;
      }
    }
    g_value_unset(&item);
    gst_iterator_free(it);
  }
  return out;
}

}  // namespace dvr
