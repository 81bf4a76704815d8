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
 * gst-launch-1.0 -e rtspsrc location=rtsp://HOST:554/cam/realmonitor?channel=1&subtype=0 user-id=admin user-pw=SECRET ! rtph264depay ! dvrsink location=/var/lib/dvr/door window=7200
 * ]|
 *
 * Record an MPEG-TS file or stream as it is, without demuxing it (SRT and UDP
 * encoders, `srtsrc uri=srt://:7001 ! dvrsink ...`, `udpsrc port=5000 ! dvrsink ...`,
 * `tsparse` in front, or a file):
 * |[
 * gst-launch-1.0 -e filesrc location=/tmp/in.ts ! dvrsink location=/tmp/cam3 segment-duration=2 window=0
 * ]|
 *
 * dvrsink is a bin: h264parse or h265parse (with config-interval=-1, so every
 * segment starts with the parameter sets a decoder needs, and avc input becomes
 * byte-stream) ! dvrindex ! a segment writer chosen by #GstDvrSink:writer.
 *
 * `writer=lean` (the default): dvrsink's own MPEG-TS writer cuts segments at the
 * first keyframe at or after #GstDvrSink:segment-duration (less a tenth, for
 * timestamp jitter) and writes whole TS packets straight into a large buffer
 * per segment, interleaving audio with video by DTS. It repeats the parameter
 * sets before every keyframe itself and turns avc/hvc1 lengths into start codes
 * as it packetizes, so two kinds of stream skip dvrsink's own parser: one that
 * arrives already parsed (byte-stream access units from h264parse or
 * h265parse), and length-prefixed access units (avc, avc3, hvc1, hev1 with
 * alignment=au) from a depayloader, a demuxer or an encoder, which flag their
 * keyframes. A camera's stream thus goes from rtph264depay into dvrindex as
 * it is.
 *
 * MPEG-TS input (`video/mpegts, systemstream=true, packetsize=188`, or no
 * caps at all, as filesrc and udpsrc give: dvrsink then typefinds it) takes
 * another way, for a fraction of the CPU of demuxing it: dvrsink's TS reader
 * follows the first program's PAT and PMT and its H.264 or H.265 stream, and
 * cuts the transport stream at each video PES start into access units, with
 * the packets of the other streams (AAC, data) between them, deciding
 * keyframes from the first slice of each PES. The lean writer starts each
 * segment at a keyframe with the stream's latest PAT and PMT (its own
 * continuity counters on them, so that segments join), then writes the
 * packets as they came. What it needs from the stream: 188-byte packets (192-
 * and 204-byte ones are an error that says so), no scrambling, and parameter
 * sets before every keyframe (as encoders writing MPEG-TS send them). Lost
 * sync is skipped with a warning and marked as a discontinuity; PTS that go
 * back start a new segment marked as one. The `audio` pad takes nothing beside
 * a transport stream, and writer=mpegtsmux refuses one (not-negotiated, with an
 * error that says to use writer=lean).
 *
 * `writer=mpegtsmux`: splitmuxsink (muxer mpegtsmux, sink giostreamsink), the
 * chain stock hlssink2 is made of; dvrsink hands it one buffered stream per
 * segment.
 *
 * Either way each segment is written under a hidden temporary name, in buffers
 * of 940 KiB (with O_DIRECT where the filesystem allows it), synced to disk,
 * then handed to dvrindex, which renames, journals and lists it, and
 * posts the `dvr-segment-added` element message (see dvrindex). With
 * fsync=false nothing is synced and the page cache takes the writes: a killed
 * process still loses nothing, a power cut the last half minute or so.
 *
 * Audio that stops without a word (a camera's microphone branch stalls, no GAP,
 * no EOS) would make splitmuxsink hold the video back without bound (the lean
 * writer holds it at most half a second). When no
 * audio has arrived for a second while the video goes on, dvrsink fills the
 * hole with silent AAC-LC frames, and at EOS it ends a silent audio stream.
 *
 * The files: this one holds the bin, its properties and the parser choice;
 * dvrsink_splitmux.cpp the splitmuxsink writer (writer=mpegtsmux);
 * dvrsink_audio_watchdog.cpp the silent AAC for stalled audio.
 */
#include "gstdvrsink.h"

#include <cstring>

#include "defaults.h"
#include "dvrsink_private.h"
#include "gstdvrindex-writer.h"
#include "gstdvrtsreader.h"
#include "gstdvrtswriter.h"

#include <gst/base/gsttypefindhelper.h>

GST_DEBUG_CATEGORY (dvr_sink_debug);
#define GST_CAT_DEFAULT dvr_sink_debug

#define GST_TYPE_DVR_WRITER (gst_dvr_writer_get_type ())
static GType
gst_dvr_writer_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DVR_WRITER_LEAN,
          "dvrsink's own MPEG-TS writer: cuts at keyframes and writes "
          "188-byte packets straight into the segment's buffer",
          "lean"},
      {GST_DVR_WRITER_MPEGTSMUX,
          "splitmuxsink with mpegtsmux and giostreamsink, "
          "the chain stock hlssink2 is made of",
          "mpegtsmux"},
      {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstDvrSinkWriter", values));
  return type;
}

enum
{
  PROP_0,
  PROP_SEND_KEYFRAME_REQUESTS,
  PROP_WRITER,
  PROP_MUXER,
  PROP_FIRST_INDEX_PROP,
  PROP_LAST_INDEX_PROP = PROP_FIRST_INDEX_PROP + GST_DVR_INDEX_N_PROPERTIES - 1,
};

#define DEFAULT_SEND_KEYFRAME_REQUESTS FALSE
#define DEFAULT_WRITER GST_DVR_WRITER_LEAN
#define DEFAULT_SEGMENT_DURATION (dvr::kDefaultSegmentDuration * GST_SECOND)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (
        "video/x-h264, stream-format = (string) { byte-stream, avc, avc3 }, "
        "alignment = (string) au; "
        "video/x-h265, stream-format = (string) { byte-stream, hvc1, hev1 }, "
        "alignment = (string) au; " GST_DVR_TS_INPUT_CAPS));
static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SINK, GST_PAD_REQUEST,
        GST_STATIC_CAPS ("audio/mpeg, mpegversion = (int) 4, "
                         "stream-format = (string) { raw, adts }"));

#define gst_dvr_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrSink, gst_dvr_sink, GST_TYPE_BIN,
    GST_DEBUG_CATEGORY_INIT (
        dvr_sink_debug, "dvrsink", 0, "sliding-window HLS DVR sink"));
GST_ELEMENT_REGISTER_DEFINE (
    dvrsink, "dvrsink", GST_RANK_NONE, GST_TYPE_DVR_SINK);

DvrSinkSettings
dvr_sink_settings (GstDvrSink *self)
{
  std::lock_guard<std::mutex> lock (self->priv->settings_lock);
  return self->priv->settings;
}

static void
gst_dvr_sink_handle_message (GstBin *bin, GstMessage *message)
{
  GstDvrSink *self = GST_DVR_SINK (bin);
  if (dvr_sink_splitmux_handle_message (self, message)) {
    gst_message_unref (message);
    return;
  }
  if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->writer)) {
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
      gst_dvr_index_finish (GST_DVR_INDEX (self->index));
      if (self->parser && g_str_equal (self->parser_kind, "tsreader") &&
          gst_dvr_ts_reader_failed (GST_DVR_TS_READER (self->parser))) {
        gst_message_unref (message);
        return;
      }
    }
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* The stream goes through a parser of dvrsink's own, chosen by the caps: it
 * turns avc into the byte-stream that mpegtsmux takes, and puts the parameter
 * sets (SPS/PPS, and VPS for H.265) before every keyframe, so that each segment
 * decodes on its own even when the camera sent them only once or only in SDP. */
static bool
parsed_byte_stream (const GstStructure *s)
{
  gboolean parsed = FALSE;
  const gchar *format = gst_structure_get_string (s, "stream-format");
  const gchar *alignment = gst_structure_get_string (s, "alignment");
  return gst_structure_get_boolean (s, "parsed", &parsed) && parsed && format &&
         alignment && g_str_equal (format, "byte-stream") &&
         g_str_equal (alignment, "au");
}

/* Access units with each NAL unit behind its length, as RTP depayloaders,
 * MP4 demuxers and encoders hand them on with their keyframes flagged. */
static bool
length_prefixed_access_units (const GstStructure *s)
{
  const gchar *format = gst_structure_get_string (s, "stream-format");
  const gchar *alignment = gst_structure_get_string (s, "alignment");
  if (!format || !alignment || !g_str_equal (alignment, "au"))
    return false;
  for (const char *f : {"avc", "avc3", "hvc1", "hev1"})
    if (g_str_equal (format, f))
      return true;
  return false;
}

/* A transport stream goes to the lean writer as it is (see the docs above);
 * writer=mpegtsmux would have to demux it first, which is what recording it
 * as it is saves. */
static gboolean
transport_stream_accepted (GstDvrSink *self)
{
  if (dvr_sink_settings (self).writer != GST_DVR_WRITER_LEAN) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("writer=mpegtsmux cannot record an MPEG-TS input: it takes H.264 or H.265 elementary "
         "streams; use writer=lean (the default), which records the transport stream as it is"),
        ("not negotiated: video/mpegts on the sink pad with writer=mpegtsmux"));
    return FALSE;
  }
  if (self->audio_pad) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("dvrsink takes no audio on its audio pad beside an MPEG-TS input: the transport "
         "stream's own audio is recorded with it"),
        ("not negotiated: release the audio pad"));
    return FALSE;
  }
  return TRUE;
}

/* The lean writer repeats the parameter sets itself and turns lengths into
 * start codes as it packetizes, so a stream that an upstream parser already
 * made byte-stream access units (and whose caps it keeps up to date with the
 * SPS), or one of length-prefixed access units, needs no parser: on the camera
 * path (a depayloader's avc) that saves a pass over every byte. A
 * transport stream goes to dvrsink's TS reader instead. */
static gboolean
ensure_parser (GstDvrSink *self, GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const bool ts = gst_structure_has_name (s, "video/mpegts");
  if (ts && !transport_stream_accepted (self))
    return FALSE;
  const char *kind = ts                                           ? "tsreader"
                     : gst_structure_has_name (s, "video/x-h265") ? "h265parse"
                                                                  : "h264parse";
  if (!ts && dvr_sink_settings (self).writer == GST_DVR_WRITER_LEAN &&
      (parsed_byte_stream (s) || length_prefixed_access_units (s)))
    kind = nullptr;
  if (self->parser) {
    if (kind && g_str_equal (self->parser_kind, kind))
      return TRUE;
    /* The camera switched codec or format: a new parser, or none. */
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), nullptr);
    gst_element_set_locked_state (self->parser, TRUE);
    gst_element_set_state (self->parser, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), self->parser);
    self->parser = nullptr;
    self->parser_kind = nullptr;
  } else if (self->direct && !kind) {
    return TRUE;
  }
  if (!kind) {
    GstPad *target = gst_element_get_static_pad (self->index, "sink");
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), target);
    gst_object_unref (target);
    self->direct = TRUE;
    GST_DEBUG_OBJECT (self, "parsed upstream: no parser of its own");
    return TRUE;
  }
  self->direct = FALSE;
  GstElement *parser = ts ? GST_ELEMENT (g_object_new (GST_TYPE_DVR_TS_READER,
                                "name", "tsreader", NULL))
                          : gst_element_factory_make (kind, "parse");
  if (!parser) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("The element %s is missing", kind),
        ("install gstreamer1.0-plugins-bad"));
    return FALSE;
  }
  if (!ts)
    g_object_set (parser, "config-interval", -1, NULL);
  gst_bin_add (GST_BIN (self), parser);
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), nullptr);
  if (!gst_element_link (parser, self->index)) {
    gst_bin_remove (GST_BIN (self), parser);
    return FALSE;
  }
  gst_element_sync_state_with_parent (parser);
  GstPad *target = gst_element_get_static_pad (parser, "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), target);
  gst_object_unref (target);
  self->parser = parser;
  self->parser_kind = kind;
  GST_DEBUG_OBJECT (self, "reading with %s", kind);
  return TRUE;
}

/* filesrc announces no caps: what arrives without them is typefound, and
 * taken if it is a transport stream (the one input a file of it is). The caps
 * go straight to the reader, then the segment held back: caps after a segment
 * would be out of order. */
static gboolean
announce_found_caps (GstDvrSink *self, GstBuffer *buf)
{
  GstTypeFindProbability probability = GST_TYPE_FIND_NONE;
  g_autoptr (GstCaps) caps =
      gst_type_find_helper_for_buffer (GST_OBJECT (self), buf, &probability);
  if (!caps || !gst_structure_has_name (
                   gst_caps_get_structure (caps, 0), "video/mpegts")) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("dvrsink got data without caps that is not an MPEG-TS stream"),
        ("found %" GST_PTR_FORMAT
         "; put a demuxer and parser (or a capsfilter) in front",
            caps));
    return FALSE;
  }
  GST_INFO_OBJECT (
      self, "no caps from upstream; typefound %" GST_PTR_FORMAT, caps);
  if (!ensure_parser (self, caps))
    return FALSE;
  g_autoptr (GstPad) internal =
      GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (self->sinkpad)));
  if (!gst_pad_push_event (internal, gst_event_new_caps (caps)))
    return FALSE;
  if (self->priv->held_segment) {
    gst_pad_push_event (internal, self->priv->held_segment);
    self->priv->held_segment = nullptr;
  }
  self->priv->typefound = true;
  return TRUE;
}

/* Whether the stream has caps, found from its first data (first, which may be
 * NULL) if upstream gave none. */
static gboolean
have_caps (GstDvrSink *self, GstPad *pad, GstBuffer *first)
{
  return self->priv->typefound || gst_pad_has_current_caps (pad) ||
         (first && announce_found_caps (self, first));
}

static GstFlowReturn
gst_dvr_sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  if (!have_caps (GST_DVR_SINK (parent), pad, buf)) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return gst_proxy_pad_chain_default (pad, parent, buf);
}

static GstFlowReturn
gst_dvr_sink_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstBuffer *first = gst_buffer_list_length (list) > 0
                         ? gst_buffer_list_get (list, 0)
                         : nullptr;
  if (!have_caps (GST_DVR_SINK (parent), pad, first)) {
    gst_buffer_list_unref (list);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  return gst_proxy_pad_chain_list_default (pad, parent, list);
}

static gboolean
gst_dvr_sink_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstDvrSink *self = GST_DVR_SINK (parent);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    g_autoptr (GstCaps) current = gst_pad_get_current_caps (pad);
    if (dvr_sink_settings (self).writer == GST_DVR_WRITER_MPEGTSMUX &&
        current &&
        !gst_structure_has_name (gst_caps_get_structure (caps, 0),
            gst_structure_get_name (gst_caps_get_structure (current, 0))))
      dvr_sink_splitmux_codec_changes (self);
    if (!ensure_parser (self, caps)) {
      gst_event_unref (event);
      return FALSE;
    }
    gboolean ok = gst_pad_event_default (pad, parent, event);
    if (self->priv->held_segment) {
      gst_pad_event_default (pad, parent, self->priv->held_segment);
      self->priv->held_segment = nullptr;
    }
    return ok;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && !self->parser &&
      !self->direct) {
    /* Nothing came (an empty file): the index and the writer still end, so
     * that the bin posts its EOS. */
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The stream ended before any data came"), (NULL));
    GstPad *target = gst_element_get_static_pad (self->index, "sink");
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), target);
    gst_object_unref (target);
    self->direct = TRUE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT &&
      !gst_pad_has_current_caps (pad) && !self->priv->typefound) {
    gst_event_replace (&self->priv->held_segment, event);
    gst_event_unref (event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_dvr_sink_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  /* Whatever parser it has now, dvrsink takes every format: before the first
   * caps there is none yet, and a camera that switches codec or format gets
   * another one (see ensure_parser), so the parser's own caps are no limit. */
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    GstCaps *filter, *templ = gst_pad_get_pad_template_caps (pad);
    gst_query_parse_caps (query, &filter);
    GstCaps *result = filter ? gst_caps_intersect_full (
                                   filter, templ, GST_CAPS_INTERSECT_FIRST)
                             : gst_caps_ref (templ);
    gst_query_set_caps_result (query, result);
    gst_caps_unref (result);
    gst_caps_unref (templ);
    return TRUE;
  }
  if (GST_QUERY_TYPE (query) == GST_QUERY_ACCEPT_CAPS) {
    GstCaps *caps, *templ = gst_pad_get_pad_template_caps (pad);
    gst_query_parse_accept_caps (query, &caps);
    gst_query_set_accept_caps_result (
        query, gst_caps_can_intersect (caps, templ));
    gst_caps_unref (templ);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static GstPad *
gst_dvr_sink_request_new_pad (
    GstElement *element, GstPadTemplate *templ, const gchar *, const GstCaps *)
{
  GstDvrSink *self = GST_DVR_SINK (element);
  if (self->audio_pad) {
    GST_ELEMENT_WARNING (
        self, STREAM, FAILED, ("dvrsink records one audio stream"), (NULL));
    return nullptr;
  }
  GstPad *target = gst_element_request_pad_simple (self->writer, "audio_%u");
  if (!target)
    return nullptr;
  GstPad *pad = gst_ghost_pad_new_from_template ("audio", target, templ);
  gst_object_unref (target);
  dvr_sink_watch_audio_pad (self, pad);
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  self->audio_pad = pad;
  return pad;
}

static void
gst_dvr_sink_release_pad (GstElement *element, GstPad *pad)
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

static GstStateChangeReturn
gst_dvr_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstDvrSink *self = GST_DVR_SINK (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    dvr_sink_audio_watchdog_start (self);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    dvr_sink_audio_watchdog_stop (self);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    dvr_sink_splitmux_discard_open_segments (self);
    gst_event_replace (&self->priv->held_segment, nullptr);
    self->priv->typefound = false;
  }
  return ret;
}

/* (Re)builds the chain after dvrindex for the chosen writer; in NULL or READY. */
static void
build_writer (GstDvrSink *self)
{
  GstPad *old_audio = nullptr;
  if (self->writer) {
    if (self->audio_pad) {
      old_audio = gst_ghost_pad_get_target (GST_GHOST_PAD (self->audio_pad));
      gst_ghost_pad_set_target (GST_GHOST_PAD (self->audio_pad), nullptr);
      if (old_audio) {
        gst_element_release_request_pad (self->writer, old_audio);
        gst_object_unref (old_audio);
      }
    }
    gst_element_set_state (self->writer, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), self->writer);
    self->writer = nullptr;
    self->file_sink = nullptr;
  }
  const DvrSinkSettings settings = dvr_sink_settings (self);
  if (settings.writer == GST_DVR_WRITER_LEAN) {
    self->writer = GST_ELEMENT (
        g_object_new (GST_TYPE_DVR_TS_WRITER, "name", "writer", NULL));
    gst_dvr_ts_writer_set_index (
        GST_DVR_TS_WRITER (self->writer), GST_DVR_INDEX (self->index));
    gst_bin_add (GST_BIN (self), self->writer);
    gst_element_link_pads (self->index, "src", self->writer, "video");
  } else if (!dvr_sink_build_splitmux (self)) {
    return;
  }
  g_object_set (self->writer, "max-size-time", settings.segment_duration,
      "send-keyframe-requests", (gboolean)settings.send_keyframe_requests,
      NULL);
  if (self->audio_pad) {
    GstPad *target = gst_element_request_pad_simple (self->writer, "audio_%u");
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->audio_pad), target);
    if (target)
      gst_object_unref (target);
  }
}

static void
gst_dvr_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstDvrSink *self = GST_DVR_SINK (object);
  GstDvrSinkPrivate *priv = self->priv;
  /* The children take the new value after the lock is let go. */
  if (prop_id == PROP_SEND_KEYFRAME_REQUESTS) {
    {
      std::lock_guard<std::mutex> lock (priv->settings_lock);
      priv->settings.send_keyframe_requests = g_value_get_boolean (value);
    }
    if (self->writer)
      g_object_set_property (
          G_OBJECT (self->writer), "send-keyframe-requests", value);
    return;
  }
  if (prop_id == PROP_WRITER || prop_id == PROP_MUXER) {
    GstDvrWriter writer = (GstDvrWriter)g_value_get_enum (value);
    bool changed;
    {
      std::lock_guard<std::mutex> lock (priv->settings_lock);
      changed = writer != priv->settings.writer;
      priv->settings.writer = writer;
    }
    if (changed)
      build_writer (self);
    return;
  }
  if (prop_id >= PROP_FIRST_INDEX_PROP && prop_id <= PROP_LAST_INDEX_PROP) {
    g_object_set_property (G_OBJECT (self->index), pspec->name, value);
    if (g_str_equal (pspec->name, "segment-duration")) {
      const guint64 duration = (guint64)g_value_get_uint (value) * GST_SECOND;
      {
        std::lock_guard<std::mutex> lock (priv->settings_lock);
        priv->settings.segment_duration = duration;
      }
      if (self->writer)
        g_object_set (self->writer, "max-size-time", duration, NULL);
    }
    return;
  }
  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_dvr_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstDvrSink *self = GST_DVR_SINK (object);
  if (prop_id == PROP_SEND_KEYFRAME_REQUESTS) {
    g_value_set_boolean (
        value, dvr_sink_settings (self).send_keyframe_requests);
    return;
  }
  if (prop_id == PROP_WRITER || prop_id == PROP_MUXER) {
    g_value_set_enum (value, dvr_sink_settings (self).writer);
    return;
  }
  if (prop_id >= PROP_FIRST_INDEX_PROP && prop_id <= PROP_LAST_INDEX_PROP) {
    g_object_get_property (G_OBJECT (self->index), pspec->name, value);
    return;
  }
  G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_dvr_sink_finalize (GObject *object)
{
  GstDvrSink *self = GST_DVR_SINK (object);
  dvr_sink_audio_watchdog_stop (self);
  dvr_sink_splitmux_discard_open_segments (self);
  gst_event_replace (&self->priv->held_segment, nullptr);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static guint sink_signals[2];

static GstStructure *
gst_dvr_sink_get_segments (GstDvrSink *self)
{
  return gst_dvr_index_get_segments (GST_DVR_INDEX (self->index));
}

static gchar *
gst_dvr_sink_render_playlist (GstDvrSink *self, gint64 start_us, gint64 end_us)
{
  return gst_dvr_index_render_playlist (
      GST_DVR_INDEX (self->index), start_us, end_us);
}

static void
gst_dvr_sink_class_init (GstDvrSinkClass *klass)
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
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                        GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_WRITER,
      g_param_spec_enum ("writer", "Writer",
          "What writes the MPEG-TS segments: lean (dvrsink's own writer, a fraction of the "
          "CPU; the only one that takes MPEG-TS input) or mpegtsmux (splitmuxsink with "
          "mpegtsmux, as stock hlssink2)",
          GST_TYPE_DVR_WRITER, DEFAULT_WRITER,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                        GST_PARAM_MUTABLE_READY)));
  /* The writer's first name, kept so that pipelines written with it still
   * parse. */
  g_object_class_install_property (gobject_class, PROP_MUXER,
      g_param_spec_enum ("muxer", "Muxer",
          "Deprecated: the old name of the writer property",
          GST_TYPE_DVR_WRITER, DEFAULT_WRITER,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                        G_PARAM_DEPRECATED | GST_PARAM_MUTABLE_READY)));
  gst_dvr_index_install_properties (gobject_class, PROP_FIRST_INDEX_PROP);
  gst_dvr_index_install_signals (G_OBJECT_CLASS_TYPE (klass),
      G_CALLBACK (gst_dvr_sink_get_segments),
      G_CALLBACK (gst_dvr_sink_render_playlist), sink_signals);

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_dvr_sink_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_dvr_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_dvr_sink_release_pad);
  bin_class->handle_message = GST_DEBUG_FUNCPTR (gst_dvr_sink_handle_message);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class, "DVR sink",
      "Sink/Video",
      "Records H.264 or H.265 (with optional AAC), or an MPEG-TS stream as it is, "
      "into a sliding-window HLS DVR: MPEG-TS segments, journal and live playlist",
      "Stream DVR developers");
}

static void
gst_dvr_sink_init (GstDvrSink *self)
{
  self->priv = new GstDvrSinkPrivate ();
  memset (&self->priv->splitmux.continuity, 0,
      sizeof self->priv->splitmux.continuity);
  self->priv->settings.writer = DEFAULT_WRITER;
  self->priv->settings.send_keyframe_requests = DEFAULT_SEND_KEYFRAME_REQUESTS;
  self->priv->settings.segment_duration = DEFAULT_SEGMENT_DURATION;
  dvr_sink_audio_watchdog_init (self);
  self->index = dvr_sink_make_child (self, "dvrindex", "index");
  if (!self->index)
    return;
  build_writer (self);
  GstPad *video = gst_element_get_static_pad (self->index, "src");
  dvr_sink_watch_video_pad (self, video);
  gst_object_unref (video);

  GstPadTemplate *templ = gst_static_pad_template_get (&sink_template);
  self->sinkpad = gst_ghost_pad_new_no_target_from_template ("sink", templ);
  gst_object_unref (templ);
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_sink_sink_event));
  gst_pad_set_query_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_sink_sink_query));
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_sink_chain));
  gst_pad_set_chain_list_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_sink_chain_list));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}
