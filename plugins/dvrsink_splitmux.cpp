/* writer=mpegtsmux: splitmuxsink with mpegtsmux and giostreamsink, the chain
 * stock hlssink2 is made of. dvrsink hands it one buffered stream per segment
 * (format-location-full) and hands each to dvrindex when splitmuxsink says the
 * fragment closed. */
#include <cerrno>

#include "dvrsink_private.h"
#include "gstdvrindex-writer.h"

#define GST_CAT_DEFAULT dvr_sink_debug

/* Segment writes go out in chunks this large: a few syscalls per segment. */
#define SEGMENT_BUFFER_SIZE (1024 * 1024)

static gboolean
make_room (gpointer index)
{
  return gst_dvr_index_make_room (GST_DVR_INDEX (index));
}

static gchar *
on_format_location_full (
    GstElement *, guint fragment_id, GstSample *first_sample, GstDvrSink *self)
{
  GstBuffer *buf = gst_sample_get_buffer (first_sample);
  const GstSegment *segment = gst_sample_get_segment (first_sample);
  GstClockTime start = GST_CLOCK_TIME_NONE;
  if (buf && segment) {
    GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf)
                                                    : GST_BUFFER_DTS (buf);
    start = gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts);
  }
  if (!GST_CLOCK_TIME_IS_VALID (start)) {
    GST_WARNING_OBJECT (
        self, "segment %u starts without a timestamp", fragment_id);
    start = 0;
  }
  g_autofree gchar *path =
      gst_dvr_index_begin_segment (GST_DVR_INDEX (self->index), start);
  if (!path)
    return nullptr;
  DvrSinkSplitmux &splitmux = self->priv->splitmux;
  g_autoptr (GError) error = nullptr;
  DvrSegmentStream *stream = dvr_segment_stream_new (path, SEGMENT_BUFFER_SIZE,
      gst_dvr_index_fsync (GST_DVR_INDEX (self->index)), &splitmux.continuity,
      &error);
  if (!stream) {
    /* giostreamsink would fail with no stream: give it one that discards, and
     * let the index drop the segment when it closes. */
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
        ("Could not create a segment file"), ("%s", error->message));
    gst_dvr_index_abandon_segment (GST_DVR_INDEX (self->index), path,
        error->code == G_IO_ERROR_NO_SPACE ? ENOSPC : EIO);
    return nullptr;
  }
  dvr_segment_stream_set_no_space_func (stream, make_room, self->index);
  g_object_set (self->file_sink, "stream", stream, NULL);
  {
    std::lock_guard<std::mutex> lock (splitmux.lock);
    splitmux.open_segments.push_back (stream);
  }
  return nullptr;
}

static void
finish_segment (GstDvrSink *self, GstClockTime end)
{
  DvrSinkSplitmux &splitmux = self->priv->splitmux;
  DvrSegmentStream *stream;
  {
    std::lock_guard<std::mutex> lock (splitmux.lock);
    if (splitmux.open_segments.empty ()) {
      GST_DEBUG_OBJECT (self, "repeated fragment-closed ignored");
      return;
    }
    stream = splitmux.open_segments.front ();
    splitmux.open_segments.pop_front ();
  }
  int err = dvr_segment_stream_finish (stream);
  GstDvrIndex *index = GST_DVR_INDEX (self->index);
  if (err != 0)
    gst_dvr_index_abandon_segment (
        index, dvr_segment_stream_path (stream), err);
  else
    gst_dvr_index_commit_segment (index, dvr_segment_stream_path (stream), end,
        dvr_segment_stream_bytes (stream));
  g_object_unref (stream);
}

gboolean
dvr_sink_splitmux_handle_message (GstDvrSink *self, GstMessage *message)
{
  DvrSinkSplitmux &splitmux = self->priv->splitmux;
  if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->writer) &&
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT) {
    const GstStructure *s = gst_message_get_structure (message);
    if (gst_structure_has_name (s, "splitmuxsink-fragment-closed")) {
      GstClockTime end = GST_CLOCK_TIME_NONE;
      gst_structure_get_clock_time (s, "running-time", &end);
      finish_segment (self, end);
      return TRUE;
    }
    if (gst_structure_has_name (s, "splitmuxsink-fragment-opened")) {
      std::lock_guard<std::mutex> lock (splitmux.lock);
      splitmux.codec_change = false;
      return TRUE;
    }
    return FALSE;
  }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && self->writer &&
      GST_MESSAGE_SRC (message) != GST_OBJECT (self->writer) &&
      gst_object_has_as_ancestor (
          GST_MESSAGE_SRC (message), GST_OBJECT (self->writer))) {
    {
      std::lock_guard<std::mutex> lock (splitmux.lock);
      if (!splitmux.codec_change)
        return FALSE;
    }
    /* The muxer refusing the new codec: splitmuxsink recovers by starting the
     * next segment with a fresh one, so this is not the end of the recording.
     */
    g_autoptr (GError) err = nullptr;
    gst_message_parse_error (message, &err, nullptr);
    GST_INFO_OBJECT (self, "new codec, new muxer: %s", err->message);
    return TRUE;
  }
  return FALSE;
}

void
dvr_sink_splitmux_codec_changes (GstDvrSink *self)
{
  std::lock_guard<std::mutex> lock (self->priv->splitmux.lock);
  self->priv->splitmux.codec_change = true;
}

void
dvr_sink_splitmux_discard_open_segments (GstDvrSink *self)
{
  std::deque<DvrSegmentStream *> left;
  {
    std::lock_guard<std::mutex> lock (self->priv->splitmux.lock);
    left.swap (self->priv->splitmux.open_segments);
  }
  for (DvrSegmentStream *stream : left) {
    dvr_segment_stream_finish (stream);
    g_object_unref (stream);
  }
}

GstElement *
dvr_sink_make_child (GstDvrSink *self, const char *factory, const char *name)
{
  GstElement *e = gst_element_factory_make (factory, name);
  if (!e)
    g_critical (
        "dvrsink: the element '%s' is missing; install the GStreamer plugin "
        "that has it",
        factory);
  else
    gst_bin_add (GST_BIN (self), e);
  return e;
}

/* splitmuxsink's split entry point, registered with dvrindex. */
static void
splitmuxsink_split (GstElement *writer)
{
  g_signal_emit_by_name (writer, "split-now");
}

gboolean
dvr_sink_build_splitmux (GstDvrSink *self)
{
  GstElement *writer = self->writer =
      dvr_sink_make_child (self, "splitmuxsink", "writer");
  GstElement *muxer = gst_element_factory_make ("mpegtsmux", nullptr);
  self->file_sink = gst_element_factory_make ("giostreamsink", nullptr);
  if (!writer || !muxer || !self->file_sink) {
    g_critical (
        "dvrsink: cannot build its chain; mpegtsmux (gst-plugins-bad) and "
        "giostreamsink (gst-plugins-base) are needed");
    return FALSE;
  }
  /* No async finalize: segments close in order in one thread, so the FIFO of
   * open streams matches fragment-closed messages one to one. */
  g_object_set (writer, "muxer", muxer, "sink", self->file_sink, NULL);
  gst_dvr_index_set_writer (
      GST_DVR_INDEX (self->index), writer, splitmuxsink_split);
  g_signal_connect (writer, "format-location-full",
      G_CALLBACK (on_format_location_full), self);
  gst_element_link (self->index, writer);
  return TRUE;
}
