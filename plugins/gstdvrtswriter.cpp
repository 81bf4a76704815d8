#include "gstdvrtswriter.h"

#include <gst/video/video.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

#include "aac.h"
#include "access_unit_chunker.h"
#include "adts.h"
#include "dts_interleaver.h"
#include "gstdvrindex-writer.h"
#include "gstdvrtsreader.h"
#include "nal_units.h"
#include "parameter_sets.h"
#include "running_time.h"
#include "segment_file.h"
#include "ts_muxer.h"

GST_DEBUG_CATEGORY_STATIC (dvr_ts_writer_debug);
#define GST_CAT_DEFAULT dvr_ts_writer_debug

/* Segment writes go out in chunks this large: a few syscalls per segment. */
#define SEGMENT_BUFFER_SIZE (1024 * 1024)

/* How far one stream may run ahead of the other, in stream time, before it is
 * written without waiting: interleaving must never let a stalled audio branch
 * hold the video back (nor the reverse). */
#define INTERLEAVE_LIMIT (500 * GST_MSECOND)

/* Timestamps in the transport stream are running time plus this, as mpegtsmux
 * does: B-frames' negative DTS stay positive, and both muxers agree. */
#define CLOCK_BASE (3600 * GST_SECOND)

enum
{
  PROP_0,
  PROP_MAX_SIZE_TIME,
  PROP_SEND_KEYFRAME_REQUESTS,
};

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (
        "video/x-h264, stream-format = (string) { byte-stream, avc, avc3 }, "
        "alignment = (string) au; "
        "video/x-h265, stream-format = (string) { byte-stream, hvc1, hev1 }, "
        "alignment = (string) au; " GST_DVR_TS_UNIT_CAPS));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE (
    "audio_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS (
        "audio/mpeg, mpegversion = (int) 4, stream-format = (string) { raw, adts }"));

namespace {

struct BufferUnref
{
  void operator() (GstBuffer *b) const { gst_buffer_unref (b); }
};
using BufferPtr = std::unique_ptr<GstBuffer, BufferUnref>;

/* What the video caps say about the buffers that arrive under them. */
struct VideoFormat
{
  dvr::VideoCodec codec = dvr::VideoCodec::kH264;
  /* Bytes of each NAL unit's length in avc/hvc1 input; 0 for byte-stream. */
  size_t nal_length_size = 0;
  /* From the caps' avcC/hvcC, without start codes. */
  std::vector<std::vector<uint8_t> > parameter_sets;
  /* A transport stream cut into access units (dvrsink's TS reader): written
   * as it is, after the stream's own PAT and PMT packets from the caps. */
  bool transport_stream = false;
  std::vector<uint8_t> pat_packets, pmt_packets;
};

static dvr::TsStreamType
stream_type (dvr::VideoCodec codec)
{
  return codec == dvr::VideoCodec::kH265 ? dvr::TsStreamType::kH265
                                         : dvr::TsStreamType::kH264;
}

/* A buffer waiting to be interleaved, with its running times. */
struct Pending
{
  BufferPtr buffer;
  gint64 dts;
  gint64 pts;
  gint64 end;
  bool keyframe;
  std::shared_ptr<const VideoFormat>
      format; /* video: the caps it arrived under */
};

/* What the user set. */
struct Settings
{
  guint64 max_size_time = 2 * GST_SECOND;
  bool send_keyframe_requests = false;
};

}  // namespace

struct _GstDvrTsWriter
{
  GstElement parent;
  GstPad *video_pad;
  GstPad *audio_pad;
  struct GstDvrTsWriterPrivate *priv;
};

struct GstDvrTsWriterPrivate
{
  std::mutex settings_lock;
  Settings settings;

  GstDvrIndex *index = nullptr;
  /* Set by dvrindex from its streaming thread, taken by the next keyframe. */
  std::atomic<bool> split_requested{false};

  /* Both streaming threads write under this lock; dvrindex never waits on it
   * (its split request only sets a flag), so calling it from here is safe. */
  std::mutex lock;
  GstSegment video_segment, audio_segment;
  dvr::DtsInterleaver<Pending> queue{(gint64)INTERLEAVE_LIMIT};
  dvr::TsMuxer muxer;
  std::shared_ptr<const VideoFormat> format;      /* being written */
  std::shared_ptr<const VideoFormat> caps_format; /* of the newest caps */
  dvr::AccessUnitChunker chunker;
  /* ADTS header fields for raw AAC, from its AudioSpecificConfig. */
  bool audio_raw = false;
  guint8 adts_profile = 1, adts_rate_index = 4, adts_channels = 2;

  /* Continuity counters of the PAT and PMT put before each segment of a
   * transport stream input: they run on across segments, as the muxer's do. */
  guint8 pat_counter = 0, pmt_counter = 0;

  std::unique_ptr<dvr::SegmentFile> file;
  gint64 segment_start = 0;
  gint64 segment_end = 0;
  bool keyframe_requested = false;
  bool eos_posted = false;
};

#define gst_dvr_ts_writer_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrTsWriter, gst_dvr_ts_writer, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (dvr_ts_writer_debug, "dvrtswriter", 0,
        "dvrsink's MPEG-TS segment writer"));

/* The split entry point registered with dvrindex: cut at the next keyframe to
 * be written, or at the keyframe just received (dvrindex asks right after
 * pushing the keyframe that must start a segment). */
static void
gst_dvr_ts_writer_split (GstElement *writer)
{
  GST_DVR_TS_WRITER (writer)->priv->split_requested = true;
}

void
gst_dvr_ts_writer_set_index (GstDvrTsWriter *self, GstDvrIndex *index)
{
  self->priv->index = index;
  gst_dvr_index_set_writer (index, GST_ELEMENT (self), gst_dvr_ts_writer_split);
}

static Settings
current_settings (GstDvrTsWriterPrivate *priv)
{
  std::lock_guard<std::mutex> lock (priv->settings_lock);
  return priv->settings;
}

static gint64
to_90khz (gint64 running_time)
{
  return (running_time + (gint64)CLOCK_BASE) * 9 / 100000;
}

static void
close_segment (GstDvrTsWriter *self, gint64 end)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  std::unique_ptr<dvr::SegmentFile> file = std::move (priv->file);
  if (!file)
    return;
  int err = file->finish ();
  if (err != 0)
    gst_dvr_index_abandon_segment (priv->index, file->path ().c_str (), err);
  else
    gst_dvr_index_commit_segment (priv->index, file->path ().c_str (),
        (GstClockTime)MAX (end, 0), file->bytes ());
}

/* The stream's own tables, packet by packet, with counters of the writer's. */
static void
write_stream_tables (GstDvrTsWriterPrivate *priv)
{
  for (auto table :
      {std::make_pair (&priv->format->pat_packets, &priv->pat_counter),
          std::make_pair (&priv->format->pmt_packets, &priv->pmt_counter)}) {
    const std::vector<uint8_t> &packets = *table.first;
    for (size_t at = 0; at + dvr::kTsPacketSize <= packets.size ();
         at += dvr::kTsPacketSize) {
      guint8 *p = priv->file->next_packet ();
      memcpy (p, packets.data () + at, dvr::kTsPacketSize);
      p[3] = (guint8)((p[3] & 0xf0) | (*table.second & 0x0f));
      *table.second = (guint8)((*table.second + 1) & 0x0f);
    }
  }
}

/* An access unit of a transport stream: its packets go out as they came, one
 * copy per piece of memory into the segment's buffer. */
static void
write_transport_stream (GstDvrTsWriterPrivate *priv, GstBuffer *buf)
{
  const guint n = gst_buffer_n_memory (buf);
  for (guint i = 0; i < n; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buf, i);
    GstMapInfo map;
    if (!gst_memory_map (mem, &map, GST_MAP_READ))
      continue;
    priv->file->append (map.data, map.size);
    gst_memory_unmap (mem, &map);
  }
}

static void
open_segment (GstDvrTsWriter *self, gint64 start)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  g_autofree gchar *path =
      gst_dvr_index_begin_segment (priv->index, (GstClockTime)MAX (start, 0));
  if (!path)
    return;
  auto file = std::make_unique<dvr::SegmentFile> (SEGMENT_BUFFER_SIZE);
  const gboolean durable = gst_dvr_index_fsync (priv->index);
  int err = file->open (path, durable);
  /* A disk too full for even a new file: make room and try once more. */
  if (err == ENOSPC && gst_dvr_index_make_room (priv->index))
    err = file->open (path, durable);
  if (err != 0) {
    GST_WARNING_OBJECT (self, "cannot create %s: %s", path, g_strerror (err));
    gst_dvr_index_abandon_segment (
        priv->index, path, err == ENOSPC ? ENOSPC : EIO);
    return;
  }
  GstDvrIndex *index = priv->index;
  file->set_no_space_handler (
      [index] { return gst_dvr_index_make_room (index) != FALSE; });
  priv->file = std::move (file);
  priv->segment_start = priv->segment_end = start;
  priv->keyframe_requested = false;
  if (priv->format && priv->format->transport_stream) {
    write_stream_tables (priv);
    return;
  }
  priv->muxer.set_streams (priv->format ? stream_type (priv->format->codec)
                                        : dvr::TsStreamType::kNone,
      priv->queue.has_audio () ? dvr::TsStreamType::kAacAdts
                               : dvr::TsStreamType::kNone);
  priv->muxer.write_tables (*priv->file);
}

/* Asks upstream (an encoder in the same pipeline) for a keyframe once the
 * segment is due, as splitmuxsink does with send-keyframe-requests. */
static void
request_keyframe (GstDvrTsWriter *self, gint64 pts)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  if (priv->keyframe_requested || !priv->file)
    return;
  const Settings settings = current_settings (priv);
  if (!settings.send_keyframe_requests ||
      pts - priv->segment_start <
          gst_dvr_index_split_threshold ((gint64)settings.max_size_time))
    return;
  priv->keyframe_requested = true;
  gst_pad_push_event (self->video_pad,
      gst_video_event_new_upstream_force_key_unit ((GstClockTime)pts, TRUE, 0));
}

/* A change of format (codec, NAL length, parameter sets in the caps) takes
 * effect with the first buffer that arrived under it, not when its caps
 * arrive: the buffers still queued belong to the old one. */
static void
switch_format (GstDvrTsWriterPrivate *priv,
    const std::shared_ptr<const VideoFormat> &format)
{
  if (!priv->format || priv->format->codec != format->codec) {
    /* Another codec: a new segment, with a PMT that says so, at its first keyframe. */
    if (priv->format)
      priv->split_requested = true;
    priv->chunker.start (format->codec);
  }
  for (const auto &set : format->parameter_sets)
    priv->chunker.remember (set.data (), set.size ());
  priv->format = format;
}

static void
write_video (GstDvrTsWriter *self, Pending &v)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  if (v.format != priv->format)
    switch_format (priv, v.format);
  /* The last frame at EOS ends its segment rather than start one of a single
   * frame (which dvrindex would take for the stream's last segment). */
  const bool last = priv->queue.ended (dvr::Track::kVideo) &&
                    priv->queue.queued (dvr::Track::kVideo) == 1;
  if (v.keyframe && (!priv->file || !last)) {
    const bool due = v.pts - priv->segment_start >=
                     gst_dvr_index_split_threshold (
                         (gint64)current_settings (priv).max_size_time);
    if (!priv->file || due || priv->split_requested.exchange (false)) {
      close_segment (self, v.pts);
      open_segment (self, v.pts);
    }
  } else {
    request_keyframe (self, v.pts);
  }
  if (!priv->file)
    return;
  if (priv->format->transport_stream) {
    write_transport_stream (priv, v.buffer.get ());
    priv->segment_end = MAX (priv->segment_end, v.end);
    return;
  }
  GstMapInfo map;
  if (!gst_buffer_map (v.buffer.get (), &map, GST_MAP_READ))
    return;
  const std::vector<dvr::TsChunk> *chunks =
      !priv->format->nal_length_size
          ? &priv->chunker.byte_stream (map.data, map.size, v.keyframe)
          : priv->chunker.length_prefixed (
                map.data, map.size, priv->format->nal_length_size, v.keyframe);
  if (!chunks) {
    GST_WARNING_OBJECT (self,
        "dropped a malformed access unit of %" G_GSIZE_FORMAT " bytes",
        map.size);
    gst_buffer_unmap (v.buffer.get (), &map);
    return;
  }
  dvr::TsFrame frame;
  frame.chunks = chunks->data ();
  frame.chunk_count = chunks->size ();
  frame.pts = to_90khz (v.pts);
  frame.dts = to_90khz (v.dts);
  frame.keyframe = v.keyframe;
  priv->muxer.write_video (*priv->file, frame);
  gst_buffer_unmap (v.buffer.get (), &map);
  priv->segment_end = MAX (priv->segment_end, v.end);
}

static void
write_audio (GstDvrTsWriter *self, Pending &a)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  /* Audio before the first keyframe has no segment to go to. */
  if (!priv->file)
    return;
  GstMapInfo map;
  if (!gst_buffer_map (a.buffer.get (), &map, GST_MAP_READ))
    return;
  guint8 adts[dvr::kAdtsHeaderSize];
  dvr::TsChunk chunks[2];
  size_t count = 0;
  if (priv->audio_raw) {
    dvr::write_adts_header (adts, priv->adts_profile, priv->adts_rate_index,
        priv->adts_channels, map.size + sizeof adts);
    chunks[count++] = {adts, sizeof adts};
  }
  chunks[count++] = {map.data, map.size};
  dvr::TsFrame frame;
  frame.chunks = chunks;
  frame.chunk_count = count;
  frame.pts = frame.dts = to_90khz (a.pts);
  priv->muxer.write_audio (*priv->file, frame);
  gst_buffer_unmap (a.buffer.get (), &map);
}

/* Writes what can be written in DTS order (see dts_interleaver.h). */
static void
drain (GstDvrTsWriter *self)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  dvr::Track track;
  while (priv->queue.next (&track)) {
    if (track == dvr::Track::kVideo)
      write_video (self, priv->queue.front (track));
    else
      write_audio (self, priv->queue.front (track));
    priv->queue.pop (track);
  }
}

/* After both streams ended: the last segment is complete. */
static void
finish_if_done (GstDvrTsWriter *self)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  if (priv->eos_posted || !priv->queue.ended (dvr::Track::kVideo) ||
      priv->queue.audio_expected ())
    return;
  drain (self);
  close_segment (self, priv->segment_end);
  priv->eos_posted = true;
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_eos (GST_OBJECT (self)));
}

static GstFlowReturn
chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstDvrTsWriter *self = GST_DVR_TS_WRITER (parent);
  GstDvrTsWriterPrivate *priv = self->priv;
  const bool is_video = pad == self->video_pad;
  std::lock_guard<std::mutex> lock (priv->lock);
  const GstSegment *segment =
      is_video ? &priv->video_segment : &priv->audio_segment;
  Pending p;
  p.pts = dvr_running_time (segment, GST_BUFFER_PTS (buf));
  p.dts = dvr_running_time (segment, GST_BUFFER_DTS (buf));
  if (p.dts == G_MININT64)
    p.dts = p.pts;
  if (p.pts == G_MININT64)
    p.pts = p.dts;
  if (p.dts == G_MININT64) {
    GST_DEBUG_OBJECT (pad, "buffer without a timestamp dropped");
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  p.end = p.pts + (GST_BUFFER_DURATION_IS_VALID (buf)
                          ? (gint64)GST_BUFFER_DURATION (buf)
                          : 0);
  p.keyframe =
      is_video && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (is_video) {
    if (!priv->caps_format) {
      gst_buffer_unref (buf);
      return GST_FLOW_NOT_NEGOTIATED;
    }
    p.format = priv->caps_format;
  }
  p.buffer.reset (buf);
  const gint64 dts = p.dts;
  priv->queue.push (
      is_video ? dvr::Track::kVideo : dvr::Track::kAudio, dts, std::move (p));
  drain (self);
  return GST_FLOW_OK;
}

/* dvrsink's TS reader names the codec and hands the tables on in streamheader. */
static void
set_transport_stream_caps (const GstStructure *s, VideoFormat *format)
{
  format->transport_stream = true;
  const gchar *codec = gst_structure_get_string (s, "codec");
  format->codec = codec && g_str_equal (codec, "h265") ? dvr::VideoCodec::kH265
                                                       : dvr::VideoCodec::kH264;
  const GValue *headers = gst_structure_get_value (s, "streamheader");
  if (!headers || !GST_VALUE_HOLDS_ARRAY (headers) ||
      gst_value_array_get_size (headers) != 2)
    return;
  std::vector<uint8_t> *tables[] = {&format->pat_packets, &format->pmt_packets};
  for (guint i = 0; i < 2; i++) {
    const GValue *v = gst_value_array_get_value (headers, i);
    if (!G_VALUE_HOLDS (v, GST_TYPE_BUFFER))
      continue;
    GstBuffer *buf = gst_value_get_buffer (v);
    tables[i]->resize (gst_buffer_get_size (buf));
    gst_buffer_extract (buf, 0, tables[i]->data (), tables[i]->size ());
  }
}

static void
set_video_caps (GstDvrTsWriter *self, GstCaps *caps)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  auto format = std::make_shared<VideoFormat> ();
  priv->caps_format = format;
  if (gst_structure_has_name (s, "video/mpegts")) {
    set_transport_stream_caps (s, format.get ());
    return;
  }
  const bool h265 = gst_structure_has_name (s, "video/x-h265");
  format->codec = h265 ? dvr::VideoCodec::kH265 : dvr::VideoCodec::kH264;
  const gchar *stream_format = gst_structure_get_string (s, "stream-format");
  if (!stream_format || g_str_equal (stream_format, "byte-stream"))
    return;
  /* avc and hvc1 keep their parameter sets in the caps (avc3 and hev1 may
   * too); without a record the lengths are 4 bytes, as both formats default. */
  format->nal_length_size = 4;
  const GValue *v = gst_structure_get_value (s, "codec_data");
  GstMapInfo map;
  if (!v || !G_VALUE_HOLDS (v, GST_TYPE_BUFFER) ||
      !gst_buffer_map (gst_value_get_buffer (v), &map, GST_MAP_READ))
    return;
  dvr::DecoderConfig config;
  if (dvr::parse_decoder_config (format->codec, map.data, map.size, &config)) {
    format->nal_length_size = config.length_size;
    format->parameter_sets = std::move (config.parameter_sets);
  } else {
    GST_WARNING_OBJECT (self,
        "cannot read the decoder configuration in the caps %" GST_PTR_FORMAT,
        caps);
  }
  gst_buffer_unmap (gst_value_get_buffer (v), &map);
}

static void
set_audio_caps (GstDvrTsWriterPrivate *priv, GstCaps *caps)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  const gchar *format = gst_structure_get_string (s, "stream-format");
  priv->audio_raw = format && g_str_equal (format, "raw");
  priv->queue.set_audio (true);
  const GValue *v = gst_structure_get_value (s, "codec_data");
  GstMapInfo map;
  if (priv->audio_raw && v && G_VALUE_HOLDS (v, GST_TYPE_BUFFER) &&
      gst_buffer_map (gst_value_get_buffer (v), &map, GST_MAP_READ)) {
    dvr::AacConfig config;
    if (dvr::parse_audio_specific_config (map.data, map.size, &config)) {
      priv->adts_profile = (guint8)dvr::adts_profile (config.object_type);
      priv->adts_rate_index = (guint8)config.rate_index;
      priv->adts_channels = (guint8)config.channels;
    }
    gst_buffer_unmap (gst_value_get_buffer (v), &map);
  }
}

static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstDvrTsWriter *self = GST_DVR_TS_WRITER (parent);
  GstDvrTsWriterPrivate *priv = self->priv;
  const bool is_video = pad == self->video_pad;
  {
    std::lock_guard<std::mutex> lock (priv->lock);
    const dvr::Track track = is_video ? dvr::Track::kVideo : dvr::Track::kAudio;
    switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      if (is_video)
        set_video_caps (self, caps);
      else
        set_audio_caps (priv, caps);
      break;
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment *segment;
      gst_event_parse_segment (event, &segment);
      gst_segment_copy_into (
          segment, is_video ? &priv->video_segment : &priv->audio_segment);
      break;
    }
    case GST_EVENT_EOS:
      priv->queue.end (track);
      drain (self);
      finish_if_done (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      priv->queue.flush (track);
      priv->eos_posted = false;
      break;
    default:
      break;
    }
  }
  /* Serialized events end here; only the upstream-bound ones go anywhere. */
  gst_event_unref (event);
  return TRUE;
}

static gboolean
sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    /* Written as it comes, without waiting for a clock: no latency of its own. */
    gst_query_set_latency (query, FALSE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static gboolean
gst_dvr_ts_writer_query (GstElement *element, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    return gst_pad_peer_query (GST_DVR_TS_WRITER (element)->video_pad, query);
  return GST_ELEMENT_CLASS (parent_class)->query (element, query);
}

static void
reset (GstDvrTsWriter *self)
{
  GstDvrTsWriterPrivate *priv = self->priv;
  std::lock_guard<std::mutex> lock (priv->lock);
  priv->queue.reset ();
  gst_segment_init (&priv->video_segment, GST_FORMAT_TIME);
  gst_segment_init (&priv->audio_segment, GST_FORMAT_TIME);
  priv->split_requested = false;
  priv->eos_posted = false;
  /* Stopped without EOS: the index removes the temporary when it closes. */
  if (priv->file)
    priv->file->finish ();
  priv->file.reset ();
}

static GstStateChangeReturn
gst_dvr_ts_writer_change_state (GstElement *element, GstStateChange transition)
{
  GstDvrTsWriter *self = GST_DVR_TS_WRITER (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    reset (self);
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    reset (self);
  return ret;
}

static GstPad *
gst_dvr_ts_writer_request_new_pad (
    GstElement *element, GstPadTemplate *templ, const gchar *, const GstCaps *)
{
  GstDvrTsWriter *self = GST_DVR_TS_WRITER (element);
  if (self->audio_pad)
    return nullptr;
  GstPad *pad = gst_pad_new_from_template (templ, "audio_0");
  gst_pad_set_chain_function (pad, GST_DEBUG_FUNCPTR (chain));
  gst_pad_set_event_function (pad, GST_DEBUG_FUNCPTR (sink_event));
  gst_pad_set_query_function (pad, GST_DEBUG_FUNCPTR (sink_query));
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  self->audio_pad = pad;
  return pad;
}

static void
gst_dvr_ts_writer_release_pad (GstElement *element, GstPad *pad)
{
  GstDvrTsWriter *self = GST_DVR_TS_WRITER (element);
  if (pad != self->audio_pad)
    return;
  {
    std::lock_guard<std::mutex> lock (self->priv->lock);
    self->priv->queue.set_audio (false);
  }
  self->audio_pad = nullptr;
  gst_element_remove_pad (element, pad);
}

static void
gst_dvr_ts_writer_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstDvrTsWriterPrivate *priv = GST_DVR_TS_WRITER (object)->priv;
  std::lock_guard<std::mutex> lock (priv->settings_lock);
  if (prop_id == PROP_MAX_SIZE_TIME)
    priv->settings.max_size_time = g_value_get_uint64 (value);
  else if (prop_id == PROP_SEND_KEYFRAME_REQUESTS)
    priv->settings.send_keyframe_requests = g_value_get_boolean (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_dvr_ts_writer_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstDvrTsWriterPrivate *priv = GST_DVR_TS_WRITER (object)->priv;
  std::lock_guard<std::mutex> lock (priv->settings_lock);
  if (prop_id == PROP_MAX_SIZE_TIME)
    g_value_set_uint64 (value, priv->settings.max_size_time);
  else if (prop_id == PROP_SEND_KEYFRAME_REQUESTS)
    g_value_set_boolean (value, priv->settings.send_keyframe_requests);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
gst_dvr_ts_writer_finalize (GObject *object)
{
  GstDvrTsWriter *self = GST_DVR_TS_WRITER (object);
  if (self->priv->file)
    self->priv->file->finish ();
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_dvr_ts_writer_class_init (GstDvrTsWriterClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  gobject_class->set_property = gst_dvr_ts_writer_set_property;
  gobject_class->get_property = gst_dvr_ts_writer_get_property;
  gobject_class->finalize = gst_dvr_ts_writer_finalize;
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE_TIME,
      g_param_spec_uint64 ("max-size-time", "Segment duration",
          "Cut at the first keyframe at or after this many nanoseconds", 0,
          G_MAXUINT64, 2 * GST_SECOND,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (gobject_class, PROP_SEND_KEYFRAME_REQUESTS,
      g_param_spec_boolean ("send-keyframe-requests", "Send keyframe requests",
          "Ask upstream for a keyframe when a segment is due", FALSE,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_dvr_ts_writer_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_dvr_ts_writer_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_dvr_ts_writer_release_pad);
  element_class->query = GST_DEBUG_FUNCPTR (gst_dvr_ts_writer_query);
  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class,
      "DVR MPEG-TS segment writer", "Sink/Video",
      "dvrsink's own MPEG-TS segment writer", "Stream DVR developers");
}

static void
gst_dvr_ts_writer_init (GstDvrTsWriter *self)
{
  self->priv = new GstDvrTsWriterPrivate ();
  gst_segment_init (&self->priv->video_segment, GST_FORMAT_TIME);
  gst_segment_init (&self->priv->audio_segment, GST_FORMAT_TIME);
  self->video_pad = gst_pad_new_from_static_template (&video_template, "video");
  gst_pad_set_chain_function (self->video_pad, GST_DEBUG_FUNCPTR (chain));
  gst_pad_set_event_function (self->video_pad, GST_DEBUG_FUNCPTR (sink_event));
  gst_pad_set_query_function (self->video_pad, GST_DEBUG_FUNCPTR (sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->video_pad);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}
