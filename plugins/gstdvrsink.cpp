/**
 * SECTION:element-dvrsink
 * @title: dvrsink
 *
 * A sliding-window HLS DVR in one sink. Records an encoded H.264 or H.265 stream
 * (and optionally AAC audio on the `audio` request pad) into MPEG-TS segments in
 * #GstDvrSink:location, with a live playlist `live.m3u8` that always lists the
 * last #GstDvrSink:window seconds, a crash-safe journal, and retention that
 * deletes a segment from disk only a grace period after it left the playlist.
 *
 * Record a test source until Ctrl-C, keeping the last 30 s:
 * |[
 * gst-launch-1.0 -e videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=30 ! h264parse ! dvrsink location=/tmp/cam1 window=30
 * ]|
 *
 * Record an RTSP camera without re-encoding:
 * |[
 * gst-launch-1.0 -e rtspsrc location=rtsp://HOST:554/cam/realmonitor?channel=1&subtype=0 user-id=admin user-pw=SECRET ! rtph264depay ! h264parse ! dvrsink location=/var/lib/dvr/door window=7200
 * ]|
 *
 * dvrsink is a bin: h264parse or h265parse (with config-interval=-1, so every
 * segment starts with the parameter sets a decoder needs, and avc input becomes
 * byte-stream) ! dvrindex ! splitmuxsink (muxer mpegtsmux, sink giostreamsink). splitmuxsink cuts segments at the first keyframe at or after
 * #GstDvrSink:segment-duration; dvrsink hands it one buffered stream per segment
 * under a hidden temporary name, and when splitmuxsink closes the segment it
 * flushes, fsyncs and hands it to dvrindex, which renames, journals and lists
 * it, and posts the `dvr-segment-added` element message (see dvrindex).
 */
#include "gstdvrsink.h"

#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>

#include "gstdvrindex-writer.h"
#include "segment_stream.h"

GST_DEBUG_CATEGORY_STATIC (dvr_sink_debug);
#define GST_CAT_DEFAULT dvr_sink_debug

/* Segment writes go out in chunks this large: a few syscalls per segment. */
#define SEGMENT_BUFFER_SIZE (1024 * 1024)

enum
{
  PROP_0,
  PROP_SEND_KEYFRAME_REQUESTS,
  PROP_FIRST_INDEX_PROP,
  PROP_LAST_INDEX_PROP = PROP_FIRST_INDEX_PROP + GST_DVR_INDEX_N_PROPERTIES - 1,
};

#define DEFAULT_SEND_KEYFRAME_REQUESTS FALSE

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-h264, stream-format = (string) { byte-stream, avc, avc3 }, "
        "alignment = (string) au; "
        "video/x-h265, stream-format = (string) { byte-stream, hvc1, hev1 }, "
        "alignment = (string) au"));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio",
    GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/mpeg, mpegversion = (int) 4, "
        "stream-format = (string) { raw, adts }"));

struct _GstDvrSink
{
  GstBin parent;
  GstPad *sinkpad;
  GstElement *parser;
  GstElement *index;
  GstElement *writer;
  GstElement *file_sink;
  GstPad *audio_pad;
  struct GstDvrSinkPrivate *priv;
};

struct GstDvrSinkPrivate
{
  std::mutex lock;
  /* Open segments, oldest first: splitmuxsink's fragment-closed message names no
   * file when it writes to a stream. */
  std::deque < DvrSegmentStream * >open_segments;
  DvrContinuity continuity;
};

#define gst_dvr_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrSink, gst_dvr_sink, GST_TYPE_BIN,
    GST_DEBUG_CATEGORY_INIT (dvr_sink_debug, "dvrsink", 0, "sliding-window HLS DVR sink"));
GST_ELEMENT_REGISTER_DEFINE (dvrsink, "dvrsink", GST_RANK_NONE, GST_TYPE_DVR_SINK);

static gchar *
on_format_location_full (GstElement *, guint fragment_id, GstSample * first_sample,
    GstDvrSink * self)
{
  GstBuffer *buf = gst_sample_get_buffer (first_sample);
  const GstSegment *segment = gst_sample_get_segment (first_sample);
  GstClockTime start = GST_CLOCK_TIME_NONE;
  if (buf && segment) {
    GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) : GST_BUFFER_DTS (buf);
    start = gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts);
  }
  if (!GST_CLOCK_TIME_IS_VALID (start)) {
    GST_WARNING_OBJECT (self, "segment %u starts without a timestamp", fragment_id);
    start = 0;
  }
  g_autofree gchar *path = gst_dvr_index_begin_segment (GST_DVR_INDEX (self->index), start);
  if (!path)
    return nullptr;
  g_autoptr (GError) error = nullptr;
  DvrSegmentStream *stream = dvr_segment_stream_new (path, SEGMENT_BUFFER_SIZE,
      &self->priv->continuity, &error);
  if (!stream) {
    /* giostreamsink would fail with no stream: give it one that discards, and let
     * the index drop the segment when it closes. */
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE, ("Could not create a segment file"),
        ("%s", error->message));
    gst_dvr_index_abandon_segment (GST_DVR_INDEX (self->index), path,
        error->code == G_IO_ERROR_NO_SPACE ? ENOSPC : EIO);
    return nullptr;
  }
  g_object_set (self->file_sink, "stream", stream, NULL);
  {
    std::lock_guard < std::mutex > lock (self->priv->lock);
    self->priv->open_segments.push_back (stream);
  }
  return nullptr;
}

static void
finish_segment (GstDvrSink * self, GstClockTime end)
{
  DvrSegmentStream *stream;
  {
    std::lock_guard < std::mutex > lock (self->priv->lock);
    if (self->priv->open_segments.empty ()) {
      GST_DEBUG_OBJECT (self, "repeated fragment-closed ignored");
      return;
    }
    stream = self->priv->open_segments.front ();
    self->priv->open_segments.pop_front ();
  }
  int err = dvr_segment_stream_finish (stream);
  GstDvrIndex *index = GST_DVR_INDEX (self->index);
  if (err != 0)
    gst_dvr_index_abandon_segment (index, dvr_segment_stream_path (stream), err);
  else
    gst_dvr_index_commit_segment (index, dvr_segment_stream_path (stream), end,
        dvr_segment_stream_bytes (stream));
  g_object_unref (stream);
}

static void
gst_dvr_sink_handle_message (GstBin * bin, GstMessage * message)
{
  GstDvrSink *self = GST_DVR_SINK (bin);
  if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->writer)) {
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT) {
      const GstStructure *s = gst_message_get_structure (message);
      if (gst_structure_has_name (s, "splitmuxsink-fragment-closed")) {
        GstClockTime end = GST_CLOCK_TIME_NONE;
        gst_structure_get_clock_time (s, "running-time", &end);
        finish_segment (self, end);
        gst_message_unref (message);
        return;
      }
      if (gst_structure_has_name (s, "splitmuxsink-fragment-opened")) {
        gst_message_unref (message);
        return;
      }
    } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
      gst_dvr_index_finish (GST_DVR_INDEX (self->index));
    }
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

static void
split_now (gpointer user_data)
{
  GstDvrSink *self = GST_DVR_SINK (user_data);
  g_signal_emit_by_name (self->writer, "split-now");
}

/* The stream goes through a parser of dvrsink's own, chosen by the caps: it
 * turns avc into the byte-stream that mpegtsmux takes, and puts the parameter
 * sets (SPS/PPS, and VPS for H.265) before every keyframe, so that each segment
 * decodes on its own even when the camera sent them only once or only in SDP. */
static gboolean
ensure_parser (GstDvrSink * self, GstCaps * caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *factory = gst_structure_has_name (s, "video/x-h265") ? "h265parse" : "h264parse";
  if (self->parser) {
    GstElementFactory *current = gst_element_get_factory (self->parser);
    if (g_str_equal (GST_OBJECT_NAME (current), factory))
      return TRUE;
    /* The camera switched codec: a new parser for the new stream. */
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), nullptr);
    gst_element_set_locked_state (self->parser, TRUE);
    gst_element_set_state (self->parser, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), self->parser);
    self->parser = nullptr;
  }
  GstElement *parser = gst_element_factory_make (factory, "parse");
  if (!parser) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN, ("The element %s is missing", factory),
        ("install gstreamer1.0-plugins-bad"));
    return FALSE;
  }
  g_object_set (parser, "config-interval", -1, NULL);
  gst_bin_add (GST_BIN (self), parser);
  if (!gst_element_link (parser, self->index)) {
    gst_bin_remove (GST_BIN (self), parser);
    return FALSE;
  }
  gst_element_sync_state_with_parent (parser);
  GstPad *target = gst_element_get_static_pad (parser, "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), target);
  gst_object_unref (target);
  self->parser = parser;
  GST_DEBUG_OBJECT (self, "parsing with %s", factory);
  return TRUE;
}

static gboolean
gst_dvr_sink_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstDvrSink *self = GST_DVR_SINK (parent);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    if (!ensure_parser (self, caps)) {
      gst_event_unref (event);
      return FALSE;
    }
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_dvr_sink_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstDvrSink *self = GST_DVR_SINK (parent);
  if (!self->parser) {
    /* Before the first caps there is no parser yet: answer for the one to come. */
    if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
      GstCaps *filter, *templ = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_caps (query, &filter);
      GstCaps *result = filter ?
          gst_caps_intersect_full (filter, templ, GST_CAPS_INTERSECT_FIRST) : gst_caps_ref (templ);
      gst_query_set_caps_result (query, result);
      gst_caps_unref (result);
      gst_caps_unref (templ);
      return TRUE;
    }
    if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
      GstCaps *caps, *templ = gst_pad_get_pad_template_caps (pad);
      gst_query_parse_accept_caps (query, &caps);
      gst_query_set_accept_caps_result (query, gst_caps_can_intersect (caps, templ));
      gst_caps_unref (templ);
      return TRUE;
    }
  }
  return gst_pad_query_default (pad, parent, query);
}

static GstPad *
gst_dvr_sink_request_new_pad (GstElement * element, GstPadTemplate * templ, const gchar *,
    const GstCaps *)
{
  GstDvrSink *self = GST_DVR_SINK (element);
  if (self->audio_pad) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("dvrsink records one audio stream"), (NULL));
    return nullptr;
  }
  GstPad *target = gst_element_request_pad_simple (self->writer, "audio_%u");
  if (!target)
    return nullptr;
  GstPad *pad = gst_ghost_pad_new_from_template ("audio", target, templ);
  gst_object_unref (target);
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  self->audio_pad = pad;
  return pad;
}

static void
gst_dvr_sink_release_pad (GstElement * element, GstPad * pad)
{
  GstDvrSink *self = GST_DVR_SINK (element);
  if (pad != self->audio_pad)
    return;
  GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));
  if (target) {
    gst_element_release_request_pad (self->writer, target);
    gst_object_unref (target);
  }
  gst_element_remove_pad (element, pad);
  self->audio_pad = nullptr;
}

static void
discard_open_segments (GstDvrSink * self)
{
  std::deque < DvrSegmentStream * >left;
  {
    std::lock_guard < std::mutex > lock (self->priv->lock);
    left.swap (self->priv->open_segments);
  }
  /* Stopped without EOS: the index removes their temporaries when it closes. */
  for (DvrSegmentStream * stream:left) {
    dvr_segment_stream_finish (stream);
    g_object_unref (stream);
  }
}

static GstStateChangeReturn
gst_dvr_sink_change_state (GstElement * element, GstStateChange transition)
{
  GstDvrSink *self = GST_DVR_SINK (element);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    discard_open_segments (self);
  return ret;
}

static void
gst_dvr_sink_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstDvrSink *self = GST_DVR_SINK (object);
  if (prop_id == PROP_SEND_KEYFRAME_REQUESTS) {
    g_object_set_property (G_OBJECT (self->writer), "send-keyframe-requests", value);
    return;
  }
  if (prop_id >= PROP_FIRST_INDEX_PROP && prop_id <= PROP_LAST_INDEX_PROP) {
    g_object_set_property (G_OBJECT (self->index), pspec->name, value);
    if (g_str_equal (pspec->name, "segment-duration"))
      g_object_set (self->writer, "max-size-time",
          (guint64) g_value_get_uint (value) * GST_SECOND, NULL);
    return;
  }
  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_dvr_sink_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstDvrSink *self = GST_DVR_SINK (object);
  if (prop_id == PROP_SEND_KEYFRAME_REQUESTS) {
    g_object_get_property (G_OBJECT (self->writer), "send-keyframe-requests", value);
    return;
  }
  if (prop_id >= PROP_FIRST_INDEX_PROP && prop_id <= PROP_LAST_INDEX_PROP) {
    g_object_get_property (G_OBJECT (self->index), pspec->name, value);
    return;
  }
  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_dvr_sink_finalize (GObject * object)
{
  GstDvrSink *self = GST_DVR_SINK (object);
  discard_open_segments (self);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static guint sink_signals[2];

static GstStructure *
gst_dvr_sink_get_segments (GstDvrSink * self)
{
  return gst_dvr_index_get_segments (GST_DVR_INDEX (self->index));
}

static gchar *
gst_dvr_sink_render_playlist (GstDvrSink * self, gint64 start_us, gint64 end_us)
{
  return gst_dvr_index_render_playlist (GST_DVR_INDEX (self->index), start_us, end_us);
}

static void
gst_dvr_sink_class_init (GstDvrSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  gobject_class->set_property = gst_dvr_sink_set_property;
  gobject_class->get_property = gst_dvr_sink_get_property;
  gobject_class->finalize = gst_dvr_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_SEND_KEYFRAME_REQUESTS,
      g_param_spec_boolean ("send-keyframe-requests", "Send keyframe requests",
          "Ask upstream for a keyframe at each segment boundary: on for an encoder "
          "in the same pipeline, off for cameras (it would become RTCP FIR/PLI)",
          DEFAULT_SEND_KEYFRAME_REQUESTS,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  gst_dvr_index_install_properties (gobject_class, PROP_FIRST_INDEX_PROP);
  gst_dvr_index_install_signals (G_OBJECT_CLASS_TYPE (klass),
      G_CALLBACK (gst_dvr_sink_get_segments), G_CALLBACK (gst_dvr_sink_render_playlist),
      sink_signals);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_dvr_sink_change_state);
  element_class->request_new_pad = GST_DEBUG_FUNCPTR (gst_dvr_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_dvr_sink_release_pad);
  bin_class->handle_message = GST_DEBUG_FUNCPTR (gst_dvr_sink_handle_message);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class, "DVR sink",
      "Sink/Video", "Records a sliding-window HLS DVR: MPEG-TS segments, journal and live playlist",
      "Stream DVR developers");
}

static GstElement *
make_child (GstDvrSink * self, const char *factory, const char *name)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (!e)
    g_critical ("dvrsink: the element '%s' is missing; install the GStreamer plugin that has it",
        factory);
  else
    gst_bin_add (GST_BIN (self), e);
  return e;
}

static void
gst_dvr_sink_init (GstDvrSink * self)
{
  self->priv = new GstDvrSinkPrivate ();
  memset (&self->priv->continuity, 0, sizeof self->priv->continuity);
  self->index = make_child (self, "dvrindex", "index");
  self->writer = make_child (self, "splitmuxsink", "writer");
  GstElement *muxer = gst_element_factory_make ("mpegtsmux", nullptr);
  self->file_sink = gst_element_factory_make ("giostreamsink", nullptr);
  if (!self->index || !self->writer || !muxer || !self->file_sink) {
    g_critical ("dvrsink: cannot build its chain; mpegtsmux (gst-plugins-bad) and "
        "giostreamsink (gst-plugins-base) are needed");
    return;
  }
  /* No async finalize: segments close in order in one thread, so the FIFO of
   * open streams matches fragment-closed messages one to one. */
  g_object_set (self->writer, "muxer", muxer, "sink", self->file_sink,
      "max-size-time", (guint64) 2 * GST_SECOND,
      "send-keyframe-requests", DEFAULT_SEND_KEYFRAME_REQUESTS, NULL);
  g_signal_connect (self->writer, "format-location-full",
      G_CALLBACK (on_format_location_full), self);
  gst_dvr_index_set_split_func (GST_DVR_INDEX (self->index), split_now, self);
  gst_element_link (self->index, self->writer);

  GstPadTemplate *templ = gst_static_pad_template_get (&sink_template);
  self->sinkpad = gst_ghost_pad_new_no_target_from_template ("sink", templ);
  gst_object_unref (templ);
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_sink_sink_event));
  gst_pad_set_query_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_sink_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}
