#include "gstdvrtsreader.h"

#include <atomic>
#include <deque>
#include <vector>

#include "ts_scanner.h"
#include "ts_timeline.h"

GST_DEBUG_CATEGORY_STATIC (dvr_ts_reader_debug);
#define GST_CAT_DEFAULT dvr_ts_reader_debug

/* Lost sync is reported at most this often. */
#define WARNING_INTERVAL_US (5 * G_USEC_PER_SEC)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_DVR_TS_INPUT_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (GST_DVR_TS_UNIT_CAPS));

namespace {

struct Input
{
  GstBuffer *buffer;
  guint64 offset;
};

/* What a scan produced, in order: new caps or a unit's buffer. */
struct Output
{
  GstCaps *caps;
  GstBuffer *buffer;
};

}  // namespace

struct _GstDvrTsReader
{
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  struct GstDvrTsReaderPrivate *priv;
};

/* Only the streaming thread touches this, and state changes once it stopped. */
struct GstDvrTsReaderPrivate final : dvr::TsScanListener
{
  explicit GstDvrTsReaderPrivate (GstDvrTsReader *element)
      : self (element), scanner (*this)
  {
    gst_segment_init (&input_segment, GST_FORMAT_UNDEFINED);
  }
  ~GstDvrTsReaderPrivate () { clear (); }

  void on_program (const dvr::TsProgram &program) override;
  void on_access_unit (const dvr::TsAccessUnit &unit) override;
  void clear ();
  GstBuffer *gather (const dvr::TsAccessUnit &unit);
  bool stamp (GstBuffer *buf, const dvr::TsAccessUnit &unit);

  GstDvrTsReader *self;
  dvr::TsScanner scanner;
  std::deque<Input> inputs;
  std::vector<Output> out;
  GstSegment input_segment;
  bool segment_sent = false;
  bool have_program = false;
  bool discont_next = false;
  std::atomic<bool> failed{false};
  /* After lost sync: the frames up to the next keyframe miss what they refer to. */
  bool skip_to_keyframe = false;

  /* The timeline (see ts_timeline.h), after base. */
  dvr::TsTimeline timeline;
  GstClockTime base = 0;
  GstClockTime first_input_time = GST_CLOCK_TIME_NONE;

  guint64 reported_sync_losses = 0;
  gint64 last_warning_us = 0;
};

#define gst_dvr_ts_reader_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrTsReader, gst_dvr_ts_reader, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        dvr_ts_reader_debug, "dvrtsreader", 0, "dvrsink's TS reader"));

void
GstDvrTsReaderPrivate::clear ()
{
  for (Input &in : inputs)
    gst_buffer_unref (in.buffer);
  inputs.clear ();
  for (Output &o : out) {
    if (o.caps)
      gst_caps_unref (o.caps);
    if (o.buffer)
      gst_buffer_unref (o.buffer);
  }
  out.clear ();
}

static GstBuffer *
packets_buffer (const std::vector<uint8_t> &packets)
{
  return gst_buffer_new_memdup (packets.data (), packets.size ());
}

void
GstDvrTsReaderPrivate::on_program (const dvr::TsProgram &program)
{
  GValue array = G_VALUE_INIT, value = G_VALUE_INIT;
  g_value_init (&array, GST_TYPE_ARRAY);
  g_value_init (&value, GST_TYPE_BUFFER);
  for (const auto *packets : {&program.pat_packets, &program.pmt_packets}) {
    GstBuffer *buf = packets_buffer (*packets);
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_HEADER);
    gst_value_take_buffer (&value, buf);
    gst_value_array_append_value (&array, &value);
  }
  g_value_unset (&value);
  GstCaps *caps = gst_caps_from_string (GST_DVR_TS_UNIT_CAPS);
  gst_caps_set_simple (caps, "codec", G_TYPE_STRING,
      program.video_codec == dvr::VideoCodec::kH265 ? "h265" : "h264", NULL);
  gst_caps_set_value (caps, "streamheader", &array);
  g_value_unset (&array);
  GST_INFO_OBJECT (self,
      "program with PMT on PID %u, video on PID %u: %" GST_PTR_FORMAT,
      program.pmt_pid, program.video_pid, caps);
  /* A new program after the first is a new stream for the index. */
  if (have_program)
    discont_next = true;
  have_program = true;
  out.push_back (Output{caps, nullptr});
}

/* The unit's bytes, the program's tables left out, as a buffer that shares the
 * input's memory (GstBuffer merges the pieces only past its 16 memories). */
GstBuffer *
GstDvrTsReaderPrivate::gather (const dvr::TsAccessUnit &unit)
{
  GstBuffer *chunk = gst_buffer_new ();
  auto add = [&] (guint64 from, guint64 to) {
    for (const Input &in : inputs) {
      const guint64 start = in.offset,
                    end = start + gst_buffer_get_size (in.buffer);
      if (end <= from)
        continue;
      if (start >= to)
        break;
      const guint64 a = MAX (from, start), b = MIN (to, end);
      gst_buffer_copy_into (
          chunk, in.buffer, GST_BUFFER_COPY_MEMORY, a - start, b - a);
    }
  };
  guint64 from = unit.begin;
  for (uint64_t table : unit.table_packets) {
    if (table > from)
      add (from, table);
    from = table + dvr::kTsPacketSize;
  }
  if (unit.end > from)
    add (from, unit.end);
  return chunk;
}

/* Puts the unit on the output timeline; false for a unit with no time to give
 * it (no PTS before any unit had one). */
bool
GstDvrTsReaderPrivate::stamp (GstBuffer *buf, const dvr::TsAccessUnit &unit)
{
  const bool first = !timeline.started ();
  dvr::TsTimeline::Stamp st;
  if (!timeline.stamp (unit.dts, unit.pts, &st))
    return false;
  if (first)
    base = GST_CLOCK_TIME_IS_VALID (first_input_time) ? first_input_time : 0;
  if (st.reset) {
    GST_INFO_OBJECT (self,
        "timestamps jumped by %" G_GINT64_FORMAT " ms: a new timeline",
        st.jump / 90);
    discont_next = true;
  }
  auto to_time = [this] (int64_t t) {
    return base +
           gst_util_uint64_scale ((guint64)MAX (t, 0), GST_SECOND, 90000);
  };
  GST_BUFFER_DTS (buf) = to_time (st.dts);
  GST_BUFFER_PTS (buf) = to_time (st.pts);
  GST_BUFFER_DURATION (buf) =
      gst_util_uint64_scale ((guint64)st.duration, GST_SECOND, 90000);
  return true;
}

void
GstDvrTsReaderPrivate::on_access_unit (const dvr::TsAccessUnit &unit)
{
  if (unit.cut_short || unit.after_lost_sync)
    skip_to_keyframe = true;
  if (unit.cut_short || (skip_to_keyframe && !unit.keyframe)) {
    GST_DEBUG_OBJECT (self, "access unit damaged by lost sync dropped");
    discont_next = true;
    return;
  }
  skip_to_keyframe = false;
  GstBuffer *chunk = gather (unit);
  if (gst_buffer_get_size (chunk) == 0 || !stamp (chunk, unit)) {
    GST_DEBUG_OBJECT (
        self, "access unit without a timestamp before any other dropped");
    gst_buffer_unref (chunk);
    return;
  }
  if (!unit.keyframe)
    GST_BUFFER_FLAG_SET (chunk, GST_BUFFER_FLAG_DELTA_UNIT);
  if (discont_next)
    GST_BUFFER_FLAG_SET (chunk, GST_BUFFER_FLAG_DISCONT);
  discont_next = false;
  out.push_back (Output{nullptr, chunk});
}

static GstFlowReturn
push_output (GstDvrTsReader *self)
{
  GstDvrTsReaderPrivate *priv = self->priv;
  std::vector<Output> out;
  out.swap (priv->out);
  GstFlowReturn ret = GST_FLOW_OK;
  for (Output &o : out) {
    if (o.caps) {
      gst_pad_push_event (self->srcpad, gst_event_new_caps (o.caps));
      gst_caps_unref (o.caps);
      continue;
    }
    if (!priv->segment_sent) {
      GstSegment segment;
      gst_segment_init (&segment, GST_FORMAT_TIME);
      gst_pad_push_event (self->srcpad, gst_event_new_segment (&segment));
      priv->segment_sent = true;
    }
    if (ret == GST_FLOW_OK)
      ret = gst_pad_push (self->srcpad, o.buffer);
    else
      gst_buffer_unref (o.buffer);
  }
  return ret;
}

/* Drops the input bytes no unit still to come can hold. */
static void
release_inputs (GstDvrTsReaderPrivate *priv)
{
  const guint64 keep = priv->scanner.retained_from ();
  while (!priv->inputs.empty ()) {
    Input &in = priv->inputs.front ();
    if (in.offset + gst_buffer_get_size (in.buffer) > keep)
      break;
    gst_buffer_unref (in.buffer);
    priv->inputs.pop_front ();
  }
}

static void
post_scan_error (GstDvrTsReader *self)
{
  const dvr::TsScanner &scanner = self->priv->scanner;
  const gchar *text = scanner.error_text ().c_str ();
  switch (scanner.error ()) {
  case dvr::TsScanError::kScrambled:
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT,
        ("Cannot record this MPEG-TS stream: %s", text),
        ("at byte %" G_GUINT64_FORMAT, scanner.bytes_scanned ()));
    break;
  case dvr::TsScanError::kNoVideo:
    GST_ELEMENT_ERROR (self, STREAM, CODEC_NOT_FOUND,
        ("Cannot record this MPEG-TS stream: %s", text), (NULL));
    break;
  case dvr::TsScanError::kNoProgram:
    GST_ELEMENT_ERROR (self, STREAM, DEMUX,
        ("Cannot record this MPEG-TS stream: %s", text),
        ("after %" G_GUINT64_FORMAT " bytes", scanner.bytes_scanned ()));
    break;
  default:
    GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
        ("Cannot record this stream: %s", text),
        ("after %" G_GUINT64_FORMAT " bytes", scanner.bytes_scanned ()));
    break;
  }
}

/* What was recorded up to a fatal error is kept: the last segment is ended as
 * at EOS before the error is posted. */
static GstFlowReturn
fail (GstDvrTsReader *self)
{
  /* The writer ends its segment at this EOS; dvrsink keeps the EOS that
   * follows from the application, which hears the error instead. Posted
   * first, the error could stop the writer before the segment is written. */
  self->priv->failed = true;
  push_output (self);
  gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  post_scan_error (self);
  return GST_FLOW_ERROR;
}

gboolean
gst_dvr_ts_reader_failed (GstDvrTsReader *self)
{
  return self->priv->failed;
}

static void
warn_about_lost_sync (GstDvrTsReader *self, bool now)
{
  GstDvrTsReaderPrivate *priv = self->priv;
  const dvr::TsScanner &scanner = priv->scanner;
  if (scanner.sync_losses () == priv->reported_sync_losses)
    return;
  const gint64 t = g_get_monotonic_time ();
  if (!now && priv->last_warning_us != 0 &&
      t - priv->last_warning_us < WARNING_INTERVAL_US)
    return;
  priv->last_warning_us = t;
  priv->reported_sync_losses = scanner.sync_losses ();
  GST_ELEMENT_WARNING (self, STREAM, DEMUX,
      ("The MPEG-TS stream lost sync %" G_GUINT64_FORMAT
       " times; %" G_GUINT64_FORMAT " bytes that were no packets were skipped",
          scanner.sync_losses (), scanner.skipped_bytes ()),
      ("each loss starts a new segment marked as a discontinuity"));
}

static GstFlowReturn
chain (GstPad *, GstObject *parent, GstBuffer *buf)
{
  GstDvrTsReader *self = GST_DVR_TS_READER (parent);
  GstDvrTsReaderPrivate *priv = self->priv;
  if (!priv->timeline.started () &&
      !GST_CLOCK_TIME_IS_VALID (priv->first_input_time) &&
      priv->input_segment.format == GST_FORMAT_TIME) {
    /* Live input (udpsrc, srtsrc) is timestamped on arrival: the timeline
     * starts there, so that dvrindex sees how late each unit is. */
    const GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buf);
    if (GST_CLOCK_TIME_IS_VALID (ts))
      priv->first_input_time = gst_segment_to_running_time (
          &priv->input_segment, GST_FORMAT_TIME, ts);
  }
  const guint64 offset = priv->scanner.bytes_scanned ();
  priv->inputs.push_back (Input{buf, offset});
  GstMapInfo map;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (
        self, RESOURCE, READ, ("Could not read an input buffer"), (NULL));
    return GST_FLOW_ERROR;
  }
  const bool ok = priv->scanner.scan (map.data, map.size);
  gst_buffer_unmap (buf, &map);
  if (!ok)
    return fail (self);
  warn_about_lost_sync (self, false);
  GST_LOG_OBJECT (self, "%u continuity errors so far",
      (guint)priv->scanner.continuity_errors ());
  GstFlowReturn ret = push_output (self);
  release_inputs (priv);
  return ret;
}

/* Forgets the stream: with the streaming thread stopped or inside this element. */
static void
start_over (GstDvrTsReader *self)
{
  GstDvrTsReaderPrivate *fresh = new GstDvrTsReaderPrivate (self);
  delete self->priv;
  self->priv = fresh;
}

static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstDvrTsReader *self = GST_DVR_TS_READER (parent);
  GstDvrTsReaderPrivate *priv = self->priv;
  switch (GST_EVENT_TYPE (event)) {
  case GST_EVENT_CAPS: {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    gint size = 188;
    gst_structure_get_int (
        gst_caps_get_structure (caps, 0), "packetsize", &size);
    gst_event_unref (event);
    if (size != 188) {
      GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
          ("Cannot record this stream: %d-byte packets (%s); dvrsink records 188-byte MPEG-TS: "
           "remux it first (ffmpeg -c copy -f mpegts)",
              size,
              size == 192
                  ? "M2TS/BDAV, a 4-byte timecode before every packet"
                  : "16 bytes of Reed-Solomon parity after every packet"),
          (NULL));
      return FALSE;
    }
    /* The output's caps come from the stream's tables. */
    return TRUE;
  }
  case GST_EVENT_SEGMENT: {
    const GstSegment *segment;
    gst_event_parse_segment (event, &segment);
    gst_segment_copy_into (segment, &priv->input_segment);
    gst_event_unref (event);
    return TRUE;
  }
  case GST_EVENT_EOS: {
    priv->scanner.finish ();
    if (priv->scanner.error () != dvr::TsScanError::kNone) {
      priv->failed = true;
      post_scan_error (self);
    } else {
      warn_about_lost_sync (self, true);
      if (priv->scanner.truncated_bytes () > 0)
        GST_ELEMENT_WARNING (self, STREAM, DEMUX,
            ("The MPEG-TS stream ended inside a packet: its last %u bytes were dropped",
                (guint)priv->scanner.truncated_bytes ()),
            (NULL));
    }
    push_output (self);
    priv->clear ();
    break;
  }
  case GST_EVENT_FLUSH_STOP:
    /* After a seek the stream starts over: tables, timeline and all. */
    start_over (self);
    self->priv->discont_next = true;
    break;
  default:
    break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
change_state (GstElement *element, GstStateChange transition)
{
  GstDvrTsReader *self = GST_DVR_TS_READER (element);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    start_over (self);
  return ret;
}

static void
gst_dvr_ts_reader_finalize (GObject *object)
{
  delete GST_DVR_TS_READER (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_dvr_ts_reader_class_init (GstDvrTsReaderClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  gobject_class->finalize = gst_dvr_ts_reader_finalize;
  element_class->change_state = GST_DEBUG_FUNCPTR (change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DVR TS reader",
      "Codec/Parser",
      "Cuts an MPEG-TS stream into access units for dvrsink's writer",
      "Stream DVR developers");
}

static void
gst_dvr_ts_reader_init (GstDvrTsReader *self)
{
  self->priv = new GstDvrTsReaderPrivate (self);
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (sink_event));
  /* tsparse and others may leave packetsize out. */
  GST_PAD_SET_ACCEPT_INTERSECT (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
