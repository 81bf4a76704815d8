#include "http/clip_stream.h"

#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "http/file_response.h"
#include "log.h"

namespace dvr {
namespace {

// The client may be this far behind before the muxer waits for it.
constexpr std::size_t kHighWater = 2 * 1024 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;

}  // namespace

// What the streaming threads and the main context share. The main context
// alone touches the message; the streaming threads alone touch the files.
struct ClipShared {
  std::mutex lock;
  std::condition_variable drained;
  std::deque<GBytes *> chunks;
  std::size_t queued = 0;  // in chunks and in the message body, not yet written
  bool eos = false;
  bool failed = false;
  bool cancelled = false;
  bool wake_pending = false;
  ClipStreams::Clip *owner =
      nullptr;  // main context only; null once the clip is gone

  ~ClipShared() {
    for (GBytes *b : chunks) g_bytes_unref(b);
  }
};

// The start of a clip is the keyframe at or before the asked start: video
// from the last keyframe before the cut is held back until the cut is passed,
// then sent on. Audio before the cut and anything after the end is dropped.
struct Trim {
  std::mutex lock;
  ClipCut cut;
  GstClockTime origin =
      GST_CLOCK_TIME_NONE;  // timestamp of the first video frame
  bool video_started = false;
  std::vector<GstBuffer *> held;

  ~Trim() {
    for (GstBuffer *b : held) gst_buffer_unref(b);
  }
};

class ClipStreams::Clip {
 public:
  Clip(ClipStreams *owner, SoupServerMessage *msg, ClipRequest request)
      : owner_(owner),
        msg_(SOUP_SERVER_MESSAGE(g_object_ref(msg))),
        request_(std::move(request)),
        shared_(std::make_shared<ClipShared>()) {
    shared_->owner = this;
    trim_.cut = clip_cut(request_.segments, request_.range);
  }

  ~Clip() {
    {
      std::lock_guard<std::mutex> l(shared_->lock);
      shared_->cancelled = true;
      shared_->owner = nullptr;
    }
    shared_->drained.notify_all();
    if (bus_watch_) g_source_remove(bus_watch_);
    if (pipeline_) {
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      gst_object_unref(pipeline_);
    }
    if (fd_ >= 0) close(fd_);
    g_signal_handlers_disconnect_by_data(msg_, this);
    g_object_unref(msg_);
  }

  bool start() {
    pipeline_ = gst_pipeline_new("clip");
    GstElement *src = gst_element_factory_make("appsrc", nullptr);
    GstElement *demux = gst_element_factory_make("tsdemux", nullptr);
    mux_ = gst_element_factory_make("mp4mux", nullptr);
    GstElement *sink = gst_element_factory_make("appsink", nullptr);
    if (!src || !demux || !mux_ || !sink) {
      for (GstElement *e : {src, demux, mux_, sink})
        if (e) gst_object_unref(gst_object_ref_sink(e));
      mux_ = nullptr;
      log_line(
          "clip: appsrc, tsdemux, mp4mux or appsink is missing (gstreamer1.0-plugins-base/-good/-bad)");
      return false;
    }
    gst_bin_add_many(GST_BIN(pipeline_), src, demux, mux_, sink, nullptr);
    g_autoptr(GstCaps) ts = gst_caps_from_string(
        "video/mpegts, systemstream=(boolean)true, packetsize=(int)188");
    g_object_set(src, "caps", ts, "format", GST_FORMAT_BYTES, "max-bytes",
                 guint64(4 * kReadChunk), nullptr);
    // Fragments: the MP4 can be sent from its first byte on, with no index to
    // seek back to at the end.
    g_object_set(mux_, "fragment-duration", 1000u, "streamable", TRUE, nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, "max-buffers", 4u,
                 nullptr);
    if (!gst_element_link(src, demux) || !gst_element_link(mux_, sink))
      return false;
    g_signal_connect(demux, "pad-added", G_CALLBACK(&Clip::on_pad_added), this);

    GstAppSrcCallbacks src_callbacks = {};
    src_callbacks.need_data = &Clip::on_need_data;
    gst_app_src_set_callbacks(GST_APP_SRC(src), &src_callbacks, this, nullptr);
    GstAppSinkCallbacks sink_callbacks = {};
    sink_callbacks.new_sample = &Clip::on_new_sample;
    sink_callbacks.eos = &Clip::on_eos;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &sink_callbacks, this,
                               nullptr);

    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    bus_watch_ = gst_bus_add_watch(bus, &Clip::on_bus_message, this);

    g_signal_connect(msg_, "wrote-body-data",
                     G_CALLBACK(&Clip::on_wrote_body_data), this);
    g_signal_connect(msg_, "finished", G_CALLBACK(&Clip::on_finished), this);
    soup_message_headers_set_encoding(
        soup_server_message_get_response_headers(msg_), SOUP_ENCODING_CHUNKED);
    soup_message_body_set_accumulate(
        soup_server_message_get_response_body(msg_), FALSE);
    soup_server_message_set_status(msg_, SOUP_STATUS_OK, nullptr);
    // Nothing to send yet: the headers go out with the first chunk.
    soup_server_message_pause(msg_);
    return gst_element_set_state(pipeline_, GST_STATE_PLAYING) !=
           GST_STATE_CHANGE_FAILURE;
  }

  // Runs on the main context: moves what the pipeline made into the message.
  void pump() {
    std::deque<GBytes *> chunks;
    bool eos, failed;
    {
      std::lock_guard<std::mutex> l(shared_->lock);
      shared_->wake_pending = false;
      chunks.swap(shared_->chunks);
      eos = shared_->eos;
      failed = shared_->failed;
    }
    if (done_) {
      for (GBytes *b : chunks) g_bytes_unref(b);
      return;
    }
    SoupMessageBody *body = soup_server_message_get_response_body(msg_);
    for (GBytes *b : chunks) {
      soup_message_body_append_bytes(body, b);
      g_bytes_unref(b);
      sent_any_ = true;
    }
    if (failed && !sent_any_) {
      done_ = true;
      SoupMessageHeaders *headers =
          soup_server_message_get_response_headers(msg_);
      soup_message_headers_remove(headers, "Content-Disposition");
      soup_message_headers_set_encoding(headers, SOUP_ENCODING_CONTENT_LENGTH);
      respond_with_status(msg_, SOUP_STATUS_INTERNAL_SERVER_ERROR);
    } else if (failed || eos) {
      // After the first byte a failure can only cut the file short.
      done_ = true;
      soup_message_body_complete(body);
    }
    if (!chunks.empty() || done_) soup_server_message_unpause(msg_);
  }

 private:
  static void wake(const std::shared_ptr<ClipShared> &shared) {
    // Called with shared->lock held.
    if (shared->wake_pending || shared->cancelled) return;
    shared->wake_pending = true;
    g_main_context_invoke_full(
        nullptr, G_PRIORITY_DEFAULT,
        [](gpointer data) -> gboolean {
          auto *s = static_cast<std::shared_ptr<ClipShared> *>(data);
          if ((*s)->owner) (*s)->owner->pump();
          return G_SOURCE_REMOVE;
        },
        new std::shared_ptr<ClipShared>(shared),
        [](gpointer data) {
          delete static_cast<std::shared_ptr<ClipShared> *>(data);
        });
  }

  static void on_need_data(GstAppSrc *src, guint, gpointer data) {
    auto *self = static_cast<Clip *>(data);
    for (;;) {
      if (self->fd_ < 0) {
        if (self->next_file_ >= self->request_.segments.size()) {
          gst_app_src_end_of_stream(src);
          return;
        }
        const std::string path =
            self->request_.folder + "/" +
            self->request_.segments[self->next_file_++].filename;
        self->fd_ =
            open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        // Retention may have deleted the oldest segment meanwhile: go on without it.
        continue;
      }
      GstBuffer *buf = gst_buffer_new_allocate(nullptr, kReadChunk, nullptr);
      GstMapInfo map;
      gst_buffer_map(buf, &map, GST_MAP_WRITE);
      ssize_t n;
      do n = read(self->fd_, map.data, map.size);
      while (n < 0 && errno == EINTR);
      gst_buffer_unmap(buf, &map);
      if (n <= 0) {
        gst_buffer_unref(buf);
        close(self->fd_);
        self->fd_ = -1;
        continue;
      }
      gst_buffer_set_size(buf, n);
      gst_app_src_push_buffer(src, buf);
      return;
    }
  }

  static void on_pad_added(GstElement *, GstPad *pad, gpointer data) {
    auto *self = static_cast<Clip *>(data);
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    const GstStructure *s = caps ? gst_caps_get_structure(caps, 0) : nullptr;
    const char *type = s ? gst_structure_get_name(s) : "";
    const char *parser = nullptr;
    const char *mux_pad = nullptr;
    if (g_str_equal(type, "video/x-h264"))
      parser = "h264parse", mux_pad = "video_%u";
    else if (g_str_equal(type, "video/x-h265"))
      parser = "h265parse", mux_pad = "video_%u";
    else if (g_str_equal(type, "audio/mpeg"))
      parser = "aacparse", mux_pad = "audio_%u";
    const bool video = mux_pad && mux_pad[0] == 'v';

    GstBin *bin = GST_BIN(self->pipeline_);
    GstElement *queue = gst_element_factory_make("queue", nullptr);
    GstElement *parse =
        parser ? gst_element_factory_make(parser, nullptr) : nullptr;
    GstPad *target = nullptr;
    std::lock_guard<std::mutex> l(self->pads_lock_);
    // One video and one audio stream: a clip shows what the player shows.
    if (parse && !(video ? self->has_video_ : self->has_audio_)) {
      target = gst_element_request_pad_simple(self->mux_, mux_pad);
    }
    if (!target) {
      if (parse) gst_object_unref(gst_object_ref_sink(parse));
      parse = gst_element_factory_make("fakesink", nullptr);
      g_object_set(parse, "async", FALSE, "sync", FALSE, nullptr);
    }
    gst_bin_add_many(bin, queue, parse, nullptr);
    gst_element_link(queue, parse);
    if (target) {
      g_autoptr(GstPad) out = gst_element_get_static_pad(parse, "src");
      gst_pad_link(out, target);
      gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_BUFFER,
                        video ? &Clip::on_video : &Clip::on_audio, self,
                        nullptr);
      gst_object_unref(target);
      (video ? self->has_video_ : self->has_audio_) = true;
    }
    gst_element_sync_state_with_parent(parse);
    gst_element_sync_state_with_parent(queue);
    g_autoptr(GstPad) in = gst_element_get_static_pad(queue, "sink");
    gst_pad_link(pad, in);
  }

  static GstPadProbeReturn on_video(GstPad *pad, GstPadProbeInfo *info,
                                    gpointer data) {
    auto *self = static_cast<Clip *>(data);
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    const GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf)
                                                         : GST_BUFFER_DTS(buf);
    Trim &t = self->trim_;
    std::vector<GstBuffer *> release;
    {
      std::lock_guard<std::mutex> l(t.lock);
      if (t.origin == GST_CLOCK_TIME_NONE && GST_CLOCK_TIME_IS_VALID(ts))
        t.origin = ts;
      const GstClockTime pos =
          GST_CLOCK_TIME_IS_VALID(ts) && ts >= t.origin ? ts - t.origin : 0;
      if (pos >= t.cut.end_ns) return GST_PAD_PROBE_DROP;
      if (!t.video_started) {
        if (pos < t.cut.start_ns) {
          const bool keyframe =
              !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
          if (keyframe) {
            for (GstBuffer *b : t.held) gst_buffer_unref(b);
            t.held.clear();
          }
          if (keyframe || !t.held.empty())
            t.held.push_back(gst_buffer_ref(buf));
          return GST_PAD_PROBE_DROP;
        }
        t.video_started = true;
        release.swap(t.held);
      }
    }
    if (!release.empty()) {
      g_autoptr(GstPad) peer = gst_pad_get_peer(pad);
      for (GstBuffer *b : release) {
        if (peer)
          gst_pad_chain(peer, b);
        else
          gst_buffer_unref(b);
      }
    }
    return GST_PAD_PROBE_OK;
  }

  static GstPadProbeReturn on_audio(GstPad *, GstPadProbeInfo *info,
                                    gpointer data) {
    auto *self = static_cast<Clip *>(data);
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    Trim &t = self->trim_;
    std::lock_guard<std::mutex> l(t.lock);
    // Audio has no keyframes; before the video's first frame it has no place.
    if (t.origin == GST_CLOCK_TIME_NONE || !GST_BUFFER_PTS_IS_VALID(buf) ||
        GST_BUFFER_PTS(buf) < t.origin)
      return GST_PAD_PROBE_DROP;
    const GstClockTime pos = GST_BUFFER_PTS(buf) - t.origin;
    return pos < t.cut.start_ns || pos >= t.cut.end_ns ? GST_PAD_PROBE_DROP
                                                       : GST_PAD_PROBE_OK;
  }

  static GstFlowReturn on_new_sample(GstAppSink *sink, gpointer data) {
    auto *self = static_cast<Clip *>(data);
    g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
    GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : nullptr;
    if (!buf) return GST_FLOW_OK;
    GstMapInfo map;
    if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return GST_FLOW_ERROR;
    GBytes *bytes = g_bytes_new(map.data, map.size);
    gst_buffer_unmap(buf, &map);
    const auto &shared = self->shared_;
    std::unique_lock<std::mutex> l(shared->lock);
    shared->drained.wait(
        l, [&] { return shared->cancelled || shared->queued < kHighWater; });
    if (shared->cancelled) {
      g_bytes_unref(bytes);
      return GST_FLOW_FLUSHING;
    }
    shared->queued += g_bytes_get_size(bytes);
    shared->chunks.push_back(bytes);
    wake(shared);
    return GST_FLOW_OK;
  }

  static void on_eos(GstAppSink *, gpointer data) {
    auto *self = static_cast<Clip *>(data);
    std::lock_guard<std::mutex> l(self->shared_->lock);
    self->shared_->eos = true;
    wake(self->shared_);
  }

  static gboolean on_bus_message(GstBus *, GstMessage *message, gpointer data) {
    auto *self = static_cast<Clip *>(data);
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
      g_autoptr(GError) err = nullptr;
      gst_message_parse_error(message, &err, nullptr);
      log_line(std::string("clip: ") + (err ? err->message : "pipeline error"));
      {
        std::lock_guard<std::mutex> l(self->shared_->lock);
        self->shared_->failed = true;
      }
      self->pump();
      self->bus_watch_ = 0;
      return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
  }

  static void on_wrote_body_data(SoupServerMessage *, guint size,
                                 gpointer data) {
    auto *self = static_cast<Clip *>(data);
    {
      std::lock_guard<std::mutex> l(self->shared_->lock);
      self->shared_->queued -=
          std::min<std::size_t>(self->shared_->queued, size);
    }
    self->shared_->drained.notify_all();
  }

  // Sent, failed or the client went away: the pipeline stops either way.
  static void on_finished(SoupServerMessage *, gpointer data) {
    auto *self = static_cast<Clip *>(data);
    self->done_ = true;
    {
      std::lock_guard<std::mutex> l(self->shared_->lock);
      self->shared_->cancelled = true;
    }
    self->shared_->drained.notify_all();
    self->owner_->remove(self);
  }

  ClipStreams *owner_;
  SoupServerMessage *msg_;
  ClipRequest request_;
  std::shared_ptr<ClipShared> shared_;
  Trim trim_;
  GstElement *pipeline_ = nullptr;
  GstElement *mux_ = nullptr;  // owned by the pipeline
  guint bus_watch_ = 0;
  bool sent_any_ = false;
  bool done_ = false;
  // appsrc's thread only
  std::size_t next_file_ = 0;
  int fd_ = -1;
  // the demuxer's thread only
  std::mutex pads_lock_;
  bool has_video_ = false;
  bool has_audio_ = false;
};

ClipStreams::ClipStreams(unsigned max_running) : max_running_(max_running) {}

ClipStreams::~ClipStreams() {
  if (reap_idle_) g_source_remove(reap_idle_);
  clips_.clear();
}

void ClipStreams::start(SoupServerMessage *msg, ClipRequest request) {
  clips_.push_back(std::make_unique<Clip>(this, msg, std::move(request)));
  if (!clips_.back()->start()) {
    clips_.pop_back();
    soup_message_headers_remove(soup_server_message_get_response_headers(msg),
                                "Content-Disposition");
    soup_message_headers_set_encoding(
        soup_server_message_get_response_headers(msg),
        SOUP_ENCODING_CONTENT_LENGTH);
    soup_server_message_unpause(msg);
    respond_with_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
  }
}

void ClipStreams::remove(Clip *clip) {
  // Not from inside the clip's own signal handler: from an idle callback.
  done_.push_back(clip);
  if (!reap_idle_) reap_idle_ = g_idle_add(&ClipStreams::on_reap, this);
}

gboolean ClipStreams::on_reap(gpointer data) {
  auto *self = static_cast<ClipStreams *>(data);
  self->reap_idle_ = 0;
  for (Clip *done : self->done_)
    self->clips_.erase(
        std::remove_if(self->clips_.begin(), self->clips_.end(),
                       [done](const auto &c) { return c.get() == done; }),
        self->clips_.end());
  self->done_.clear();
  return G_SOURCE_REMOVE;
}

}  // namespace dvr
