/* dvrindex: what applications (and dvrsink, which forwards them) get: the
 * get-segments and render-playlist action signals, the stats structure, and
 * the folder and retention properties. */
#include "gstdvrindex-private.h"

#include "playlist.h"

/* The facts about a segment an application gets, in the message and the index. */
GstStructure *
dvr_index_detail::segment_structure (const char *name, const dvr::Segment &s)
{
  std::string pdt = dvr::format_program_date_time (s.start_us);
  return gst_structure_new (name, "filename", G_TYPE_STRING,
      s.filename.c_str (), "sequence", G_TYPE_UINT64, (guint64)s.sequence,
      "wall-clock-start", G_TYPE_INT64, (gint64)s.start_us, "program-date-time",
      G_TYPE_STRING, pdt.c_str (), "duration", G_TYPE_UINT64,
      (guint64)s.duration_us * 1000, "bytes", G_TYPE_UINT64, (guint64)s.bytes,
      "discontinuity", G_TYPE_BOOLEAN, (gboolean)s.discontinuity, NULL);
}

GstStructure *
gst_dvr_index_get_segments (GstDvrIndex *self)
{
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  const State &st = self->priv->state;
  GValue list = G_VALUE_INIT;
  gst_value_array_init (&list, st.index ? st.index->segments ().size () : 0);
  guint64 media_sequence = 0, discontinuity_sequence = 0;
  if (st.index) {
    for (const dvr::Segment &seg : st.index->segments ()) {
      GValue item = G_VALUE_INIT;
      g_value_init (&item, GST_TYPE_STRUCTURE);
      g_value_take_boxed (&item, segment_structure ("segment", seg));
      gst_value_array_append_and_take_value (&list, &item);
    }
    media_sequence = st.index->segments ().empty ()
                         ? st.index->next_sequence ()
                         : st.index->segments ().front ().sequence;
    discontinuity_sequence = st.index->discontinuity_sequence ();
  }
  GstStructure *result = gst_structure_new ("dvr-segments", "media-sequence",
      G_TYPE_UINT64, media_sequence, "discontinuity-sequence", G_TYPE_UINT64,
      discontinuity_sequence, NULL);
  gst_structure_take_value (result, "segments", &list);
  return result;
}

gchar *
gst_dvr_index_render_playlist (
    GstDvrIndex *self, gint64 start_us, gint64 end_us)
{
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  const State &st = self->priv->state;
  if (!st.index || end_us <= start_us)
    return nullptr;
  std::deque<dvr::Segment> range =
      st.index->segments_between (start_us, end_us);
  if (range.empty ())
    return nullptr;
  dvr::PlaylistHeader header;
  header.target_duration_s =
      dvr::target_duration_for (range, st.index->options ().segment_duration_s);
  header.media_sequence = range.front ().sequence;
  header.endlist = true;
  header.vod = true;
  return g_strdup (dvr::render_playlist (range, header).c_str ());
}

GstStructure *
dvr_index_detail::stats_structure (GstDvrIndex *self)
{
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  const State &st = self->priv->state;
  return gst_structure_new ("dvr-stats", "segments-written", G_TYPE_UINT64,
      st.segments_written, "bytes-written", G_TYPE_UINT64, st.bytes_written,
      "discontinuities", G_TYPE_UINT64, st.discontinuities, "clock-steps",
      G_TYPE_UINT64, st.clock_steps, "segments-listed", G_TYPE_UINT64,
      (guint64)(st.index ? st.index->segments ().size () : 0), "next-sequence",
      G_TYPE_UINT64, (guint64)(st.index ? st.index->next_sequence () : 0),
      "last-segment-wall-clock", G_TYPE_INT64, st.last_segment_wall_us,
      "storage-state", G_TYPE_STRING, dvr::storage_fault_name (st.space.fault),
      "segments-freed-for-space", G_TYPE_UINT64,
      (guint64)st.space.freed_segments, "segments-dropped-no-space",
      G_TYPE_UINT64, (guint64)st.space.dropped_no_space,
      "segments-dropped-unwritable", G_TYPE_UINT64,
      (guint64)st.space.dropped_unwritable, NULL);
}

void
gst_dvr_index_install_signals (
    GType type, GCallback get_segments, GCallback render_playlist, guint *ids)
{
  /**
   * GstDvrIndex::get-segments:
   * Returns: a "dvr-segments" structure: media-sequence, discontinuity-sequence, and
   * segments, an array of "segment" structures (filename, sequence,
   * wall-clock-start, program-date-time, duration, bytes, discontinuity), oldest first.
   */
  ids[0] = g_signal_new_class_handler ("get-segments", type,
      (GSignalFlags)(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), get_segments, NULL,
      NULL, NULL, GST_TYPE_STRUCTURE, 0);
  /**
   * GstDvrIndex::render-playlist:
   * @start: wall clock, UNIX microseconds
   * @end: wall clock, UNIX microseconds
   * Returns: a VOD playlist (EXT-X-ENDLIST, PROGRAM-DATE-TIME) of the segments on disk, archive included,
   * overlapping [start, end), or NULL if there are none.
   */
  ids[1] = g_signal_new_class_handler ("render-playlist", type,
      (GSignalFlags)(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), render_playlist,
      NULL, NULL, NULL, G_TYPE_STRING, 2, G_TYPE_INT64, G_TYPE_INT64);
}

void
gst_dvr_index_install_properties (GObjectClass *gobject_class, guint first_prop)
{
  const GParamFlags rw =
      (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                    GST_PARAM_MUTABLE_READY);
  guint id = first_prop;
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_string ("location", "Folder",
          "Recording folder: segments, journal and playlist (created if missing)",
          DEFAULT_LOCATION, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_string ("playlist-name", "Playlist name",
          "File name of the live playlist in the folder", DEFAULT_PLAYLIST_NAME,
          rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("segment-duration", "Segment duration",
          "Target segment duration in seconds; segments are cut at the first keyframe "
          "at or after it, less a tenth (200 ms at most) for timestamp jitter",
          1, 3600, DEFAULT_SEGMENT_DURATION, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("window", "Window",
          "Seconds the live playlist lists: how far the live view can rewind, by wall clock "
          "(0 lists everything)",
          0, G_MAXUINT, DEFAULT_WINDOW, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint64 ("max-bytes", "Maximum bytes",
          "Cap in bytes on the footage on disk, oldest leaves first (0 = no cap)",
          0, G_MAXUINT64, DEFAULT_MAX_BYTES, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_int64 ("retention", "Retention",
          "Seconds footage stays on disk, reached by time once it left the window "
          "(0 keeps everything, -1 = the window)",
          -1, G_MAXINT64, DEFAULT_RETENTION, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_int ("delete-grace", "Delete grace period",
          "Seconds a segment stays on disk after leaving the playlist "
          "(-1 = 3 target durations)",
          -1, G_MAXINT, DEFAULT_DELETE_GRACE, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_boolean ("endlist", "End list",
          "Write EXT-X-ENDLIST when the stream ends (turn off for players that must "
          "keep reloading while recording may resume)",
          DEFAULT_ENDLIST, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("max-gap", "Maximum gap",
          "A jump in timestamps longer than this many milliseconds starts a new "
          "segment marked as a discontinuity",
          1, G_MAXUINT, DEFAULT_MAX_GAP, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_enum ("wall-clock", "Wall clock",
          "Source of EXT-X-PROGRAM-DATE-TIME: this machine's clock at arrival (less the "
          "pipeline latency), or the camera's RTCP clock while it agrees within clock-tolerance",
          GST_TYPE_DVR_WALL_CLOCK, DEFAULT_WALL_CLOCK, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("clock-tolerance", "Clock tolerance",
          "Milliseconds the camera's clock may differ from the local clock and still be used; "
          "also how far the system clock may differ from the recording's timeline (anchor plus "
          "elapsed running time) as drift, which is followed gently: beyond it, a clock step, "
          "marked with a discontinuity (at least 500 ms)",
          0, G_MAXUINT, DEFAULT_CLOCK_TOLERANCE, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_boolean ("fsync", "Sync to disk",
          "Sync each segment and its journal record to disk before the segment is listed. "
          "Off leaves writing back to the kernel, as ffmpeg and hlssink2 do: less CPU and "
          "disk work, but a power cut may lose the last half minute or so (segments whose "
          "files did not reach the disk leave the playlist on the next start)",
          DEFAULT_FSYNC, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_boxed ("stats", "Statistics",
          "segments-written, bytes-written, discontinuities, clock-steps, segments-listed, "
          "next-sequence, last-segment-wall-clock (UNIX microseconds), storage-state (ok, full, "
          "read-only, folder-missing, io-error), segments-freed-for-space, "
          "segments-dropped-no-space, segments-dropped-unwritable",
          GST_TYPE_STRUCTURE,
          (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_string ("storage-group", "Storage group",
          "Recordings of this process with the same group name on the same filesystem make "
          "room for each other when it fills: the oldest footage of any of them goes first. "
          "Unset: this recording frees only its own footage",
          DEFAULT_STORAGE_GROUP, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint64 ("min-free", "Minimum free bytes",
          "Bytes to keep free on the recording's filesystem: below it the oldest footage goes "
          "(across the storage-group, each live window last), as retention does; 0 = none",
          0, G_MAXUINT64, DEFAULT_MIN_FREE, rw));
}
