/**
 * SECTION:element-dvrindex
 * @title: dvrindex
 *
 * The index of a sliding-window HLS DVR. A pass-through element on an encoded
 * H.264 or H.265 stream that owns a recording folder: it stamps each segment
 * with the wall-clock time of its first frame, turns timestamp gaps and resets,
 * DISCONT buffers and caps changes into a new segment marked
 * EXT-X-DISCONTINUITY, keeps the crash-safe journal of segments, applies
 * retention (#GstDvrIndex:window and #GstDvrIndex:max-bytes) and writes the
 * live playlist.
 *
 * dvrindex is the index inside #dvrsink, which is what most pipelines want:
 * |[
 * gst-launch-1.0 -e videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=30 ! h264parse ! dvrsink location=/tmp/cam1 window=30
 * ]|
 *
 * On its own, ahead of a foreign writer, it decides the segment boundaries (the
 * first keyframe at or after #GstDvrIndex:segment-duration, less a tenth of
 * it for timestamp jitter, or after a discontinuity), announces each with a downstream force-key-unit event, and
 * lists a file once the writer has moved on to the next one. Tell it the
 * writer's file pattern; hidden `.seg-*.part` names are cleaned up after a crash:
 * |[
 * gst-launch-1.0 -e videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=30 ! h264parse ! dvrindex location=/tmp/cam2 writer-location=/tmp/cam2/.seg-%05d.part ! mpegtsmux ! multifilesink next-file=key-unit-event location=/tmp/cam2/.seg-%05d.part
 * ]|
 *
 * Applications read the index with the action signals `get-segments` (a
 * structure listing every segment) and `render-playlist` (a VOD playlist for a
 * wall-clock range, in UNIX microseconds); #dvrsink has the same signals.
 *
 * For every segment it lists it posts an element message named
 * `dvr-segment-added` with the fields `location` (string, full path),
 * `filename` (string), `sequence` (guint64, the media sequence number),
 * `wall-clock-start` (gint64, UNIX microseconds), `program-date-time` (string,
 * ISO 8601 UTC), `duration` (guint64, nanoseconds), `bytes` (guint64) and
 * `discontinuity` (gboolean).
 *
 * A full disk costs the oldest footage, not the newest: once the filesystem
 * has less free than four of the newest segments' worth, or a write fails for
 * lack of space, the oldest segments go at once (with #GstDvrIndex:storage-group,
 * the oldest of every recording of the group on that filesystem) and the write
 * is tried again. An element message `dvr-storage` says how the disk stands:
 * `state` (ok, full, read-only, folder-missing, io-error, error), `folder`,
 * `free-bytes`, `freed-segments`, `freed-bytes`, `dropped-segments` (this full
 * disk), `oldest` (UNIX microseconds) and `oldest-program-date-time`,
 * `retained-seconds`, and the totals `total-freed-segments`,
 * `total-dropped-no-space`, `total-dropped-unwritable`. It is posted with the
 * first segment, when the disk fills (with a NO_SPACE_LEFT warning carrying
 * the same structure as its details, field "details"), when space is back,
 * and before the error for a folder that cannot be written.
 *
 * A segment's wall clock is an anchor plus the running time elapsed since it,
 * compared with the system clock (or, with #GstDvrIndex:wall-clock camera, the
 * camera's clock while it agrees) at every keyframe. A difference within
 * #GstDvrIndex:clock-tolerance is drift and is followed gently (a label moves
 * at most 1 ms per second of footage); beyond it the clock stepped: the next
 * segment starts from the new time, marked EXT-X-DISCONTINUITY, so that
 * PROGRAM-DATE-TIME jumps only at a discontinuity. Each step is posted as a
 * STREAM/FAILED warning and an element message `dvr-clock-step` with `folder`,
 * `source` ("system" or "camera"), `step` (gint64, microseconds, the new clock
 * less the old), `step-seconds` (gdouble), `before` and `after` (ISO 8601 UTC)
 * and `total` (guint64, steps since the element started). A step of the
 * system clock is written to `clock.steps` in the folder: footage recorded
 * before it ages by time that really passed, so a forward step deletes
 * nothing, also after a restart. Opened with the clock before the build's date
 * or before the newest footage on disk, the element warns (and posts
 * `dvr-clock-implausible` with `folder`, `clock`, `trusted-from` and `reason`,
 * "before-build" or "before-newest-footage") and deletes nothing by age until
 * the clock gets there.
 */
#include "gstdvrindex.h"

#include <gst/video/video.h>
#include <glib/gstdio.h>

#include <cerrno>

#include "gstdvrindex-private.h"
#include "gstdvrtsreader.h"
#include "playlist.h"
#include "running_time.h"

GST_DEBUG_CATEGORY (dvr_index_debug);

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_PLAYLIST_NAME,
  PROP_SEGMENT_DURATION,
  PROP_WINDOW,
  PROP_MAX_BYTES,
  PROP_RETENTION,
  PROP_DELETE_GRACE,
  PROP_ENDLIST,
  PROP_MAX_GAP,
  PROP_WALL_CLOCK,
  PROP_CLOCK_TOLERANCE,
  PROP_FSYNC,
  PROP_STATS,
  PROP_STORAGE_GROUP,
  PROP_MIN_FREE,
  PROP_WRITER_LOCATION,
};

/* Whatever the writer downstream takes (caps queries pass through): mpegtsmux
 * wants byte-stream, dvrsink's own writer also takes length-prefixed units and
 * a transport stream that dvrsink's TS reader cut into access units. */
#define DVR_INDEX_CAPS                                                                           \
  "video/x-h264, stream-format = (string) { byte-stream, avc, avc3 }, alignment = (string) au; " \
  "video/x-h265, stream-format = (string) { byte-stream, hvc1, hev1 }, alignment = (string) au; " GST_DVR_TS_UNIT_CAPS
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (DVR_INDEX_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (DVR_INDEX_CAPS));

#define gst_dvr_index_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrIndex, gst_dvr_index, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        dvr_index_debug, "dvrindex", 0, "sliding-window HLS DVR index"));
GST_ELEMENT_REGISTER_DEFINE (
    dvrindex, "dvrindex", GST_RANK_NONE, GST_TYPE_DVR_INDEX);

static Settings
copy_settings (GstDvrIndex *self)
{
  std::lock_guard<std::mutex> lock (self->priv->settings_lock);
  return self->priv->settings;
}

static void
shift_timestamps (GstBuffer *buf, gint64 offset)
{
  if (GST_BUFFER_PTS_IS_VALID (buf))
    GST_BUFFER_PTS (buf) =
        (GstClockTime)((gint64)GST_BUFFER_PTS (buf) + offset);
  if (GST_BUFFER_DTS_IS_VALID (buf))
    GST_BUFFER_DTS (buf) =
        (GstClockTime)((gint64)GST_BUFFER_DTS (buf) + offset);
}

static GstFlowReturn
gst_dvr_index_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstDvrIndex *self = GST_DVR_INDEX (parent);
  GstDvrIndexPrivate *priv = self->priv;
  const Settings settings = copy_settings (self);
  bool split_after = false;
  GstEvent *force_key_unit = nullptr;
  std::vector<CommitReport> reports;
  ClockNews clock_news;
  (void)pad;

  {
    std::lock_guard<std::mutex> lock (priv->state_lock);
    State &st = priv->state;
    const gint64 pts_rt = dvr_running_time (&st.segment, GST_BUFFER_PTS (buf));
    const gint64 dts_rt =
        GST_BUFFER_DTS_IS_VALID (buf)
            ? dvr_running_time (&st.segment, GST_BUFFER_DTS (buf))
            : pts_rt;
    const bool keyframe =
        !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    const char *reason = nullptr;

    if (dts_rt != G_MININT64) {
      if (!st.have_first) {
        st.have_first = true;
        gint64 wall;
        capture_wall_clock (
            self, pts_rt != G_MININT64 ? pts_rt : dts_rt, &wall);
        camera_wall_clock (self, buf, settings, st, wall, &wall);
        st.offset = 0;
        st.timeline.set_tolerance (MAX (
            (gint64)settings.clock_tolerance_ms * 1000, MIN_CLOCK_STEP_US));
        st.timeline.begin (pts_rt, wall);
      } else if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)) {
        reason = "DISCONT buffer";
      } else if (st.caps_changed) {
        reason = "caps change";
      } else if (dts_rt < st.last_in_rt - (gint64)GST_MSECOND) {
        reason = "timestamps went back";
      } else if (dts_rt - st.last_in_rt >
                 (gint64)settings.max_gap_ms * GST_MSECOND) {
        reason = "timestamp gap";
      }
      st.caps_changed = false;

      if (reason) {
        /* Keep the output timeline continuous: segment durations then never
         * include the gap, and the muxer never sees time go back. */
        gint64 in_start = pts_rt != G_MININT64 ? pts_rt : dts_rt;
        st.offset = st.last_out_end - in_start;
        gint64 wall;
        capture_wall_clock (self, in_start, &wall);
        camera_wall_clock (self, buf, settings, st, wall, &wall);
        st.timeline.begin (st.last_out_end, wall);
        st.split_at_next_keyframe = true;
        st.discontinuities++;
        GST_INFO_OBJECT (self,
            "discontinuity (%s) at running time %" GST_STIME_FORMAT
            ", new segment at the next keyframe",
            reason, GST_STIME_ARGS (in_start));
      } else if (keyframe && pts_rt != G_MININT64) {
        /* NTP may step or slew the system clock under a long recording:
         * checked at every keyframe, where a segment may begin. */
        clock_news = observe_clock_locked (
            self, buf, settings, st, pts_rt, pts_rt + st.offset);
      }
      st.last_in_rt = dts_rt;
      if (pts_rt != G_MININT64) {
        gint64 duration = GST_BUFFER_DURATION_IS_VALID (buf)
                              ? (gint64)GST_BUFFER_DURATION (buf)
                              : st.last_frame_duration;
        if (GST_BUFFER_DURATION_IS_VALID (buf) && duration > 0)
          st.last_frame_duration = duration;
        st.last_out_end = MAX (st.last_out_end, pts_rt + st.offset + duration);
      }
    }
    if (st.offset != 0) {
      buf = gst_buffer_make_writable (buf);
      shift_timestamps (buf, st.offset);
    }
    if (st.standalone && st.index && keyframe && pts_rt != G_MININT64) {
      /* Ahead of a foreign writer, dvrindex cuts: the first keyframe at or
       * after the split threshold, or the first after a discontinuity. */
      const gint64 out_rt = pts_rt + st.offset;
      const bool due =
          !st.pending.empty () &&
          (st.split_at_next_keyframe ||
              out_rt - st.pending.back ().start_rt >=
                  gst_dvr_index_split_threshold (
                      (gint64)settings.segment_duration * GST_SECOND));
      if (st.pending.empty () || due) {
        if (!st.pending.empty ()) {
          st.pending.back ().end_rt = out_rt;
          force_key_unit = gst_video_event_new_downstream_force_key_unit (
              GST_BUFFER_PTS (buf), GST_CLOCK_TIME_NONE, (GstClockTime)out_rt,
              TRUE, st.file_index);
        }
        begin_segment_locked (self, st, out_rt,
            writer_file (settings.writer_location, st.file_index++));
      }
      st.split_at_next_keyframe = false;
      commit_finished_files_locked (self, st, reports, false);
    } else if (st.split_at_next_keyframe && keyframe) {
      split_after = true;
      st.split_at_next_keyframe = false;
    }
  }

  for (CommitReport &r : reports)
    post_report (self, r);
  post_clock_news (self, clock_news);
  if (force_key_unit)
    gst_pad_push_event (self->srcpad, force_key_unit);
  GstFlowReturn ret = gst_pad_push (self->srcpad, buf);
  /* After the push: the writer has then closed the GOP before this keyframe, so
   * the split lands exactly at it. */
  if (split_after)
    ask_writer_to_split (self);
  return ret;
}

static bool
caps_differ_in_kind (const GstCaps *a, const GstCaps *b)
{
  const GstStructure *sa = gst_caps_get_structure (a, 0);
  const GstStructure *sb = gst_caps_get_structure (b, 0);
  if (!gst_structure_has_name (sb, gst_structure_get_name (sa)))
    return true;
  for (const char *field :
      {"width", "height", "stream-format", "profile", "codec"}) {
    const GValue *va = gst_structure_get_value (sa, field);
    const GValue *vb = gst_structure_get_value (sb, field);
    if ((va == nullptr) != (vb == nullptr))
      return true;
    if (va && gst_value_compare (va, vb) != GST_VALUE_EQUAL)
      return true;
  }
  return false;
}

static gboolean
gst_dvr_index_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstDvrIndex *self = GST_DVR_INDEX (parent);
  State &st = self->priv->state;
  switch (GST_EVENT_TYPE (event)) {
  case GST_EVENT_SEGMENT: {
    const GstSegment *segment;
    gst_event_parse_segment (event, &segment);
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    gst_segment_copy_into (segment, &st.segment);
    break;
  }
  case GST_EVENT_CAPS: {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    if (st.caps && caps_differ_in_kind (st.caps, caps))
      st.caps_changed = true;
    gst_caps_replace (&st.caps, caps);
    break;
  }
  case GST_EVENT_EOS: {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    st.eos = true;
    break;
  }
  case GST_EVENT_FLUSH_STOP: {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    st.eos = false;
    break;
  }
  default:
    break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
open_folder (GstDvrIndex *self)
{
  const Settings settings = copy_settings (self);
  if (settings.location.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No folder set in the \"location\" property"), (NULL));
    return FALSE;
  }
  dvr::RecordingOptions options;
  options.folder = settings.location;
  while (options.folder.size () > 1 && options.folder.back () == '/')
    options.folder.pop_back ();
  options.playlist_name = settings.playlist_name;
  options.segment_duration_s = settings.segment_duration;
  options.retention.window_s = settings.window;
  options.retention.max_bytes = settings.max_bytes;
  options.retention.retention_s = settings.retention;
  {
    std::string why;
    if (!dvr::check_retention (options.retention, &why)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("The \"window\" is longer than the \"retention\" for folder %s",
              settings.location.c_str ()),
          ("%s", why.c_str ()));
      return FALSE;
    }
  }
  options.grace_us = settings.delete_grace < 0
                         ? -1
                         : (gint64)settings.delete_grace * G_USEC_PER_SEC;
  options.endlist = settings.endlist;
  options.fsync = settings.fsync;
  const bool standalone = self->priv->writer.split == nullptr;
  if (standalone) {
    g_autofree gchar *writer_dir =
        g_path_get_dirname (settings.writer_location.c_str ());
    if (settings.writer_location.empty () ||
        !valid_writer_pattern (settings.writer_location)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("dvrindex without dvrsink needs \"writer-location\": the writer's file pattern "
           "with one %%d, e.g. %s/.seg-%%05d.part",
              options.folder.c_str ()),
          ("writer-location is \"%s\"", settings.writer_location.c_str ()));
      return FALSE;
    }
    if (options.folder != writer_dir) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("The writer must write into the recording folder %s",
              options.folder.c_str ()),
          ("writer-location is \"%s\"", settings.writer_location.c_str ()));
      return FALSE;
    }
  }
  options.clock_tolerance_us =
      MAX ((gint64)settings.clock_tolerance_ms * 1000, MIN_CLOCK_STEP_US);
  options.earliest_plausible_us = dvr::build_time_us ();
  std::string error;
  const gint64 now_us = g_get_real_time ();
  auto index = dvr::RecordingIndex::open (options, now_us, &error);
  if (!index) {
    const dvr::StorageFault fault =
        dvr::diagnose_write_error (options.folder, errno);
    GstStructure *fields = gst_structure_new (GST_DVR_STORAGE_MESSAGE, "state",
        G_TYPE_STRING, dvr::storage_fault_name (fault), "folder", G_TYPE_STRING,
        options.folder.c_str (), NULL);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), fields));
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open recording folder %s: %s", options.folder.c_str (),
            dvr::storage_fault_words (fault)),
        ("%s", error.c_str ()));
    return FALSE;
  }
  if (!index->set_aside_journal ().empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The journal in %s is not one this version can read: kept as %s, a new one begun",
            options.folder.c_str (), index->set_aside_journal ().c_str ()),
        (NULL));
  else if (index->rejected_journal_lines () > 0)
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Skipped %" G_GSIZE_FORMAT " damaged lines of the journal in %s",
            index->rejected_journal_lines (), options.folder.c_str ()),
        (NULL));
  if (!index->unaccounted_segments ().empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Kept %" G_GSIZE_FORMAT
         " segment files in %s that the journal does not list "
         "(%s to %s): they are not in the playlist and the recorder never deletes them",
            index->unaccounted_segments ().size (), options.folder.c_str (),
            index->unaccounted_segments ().front ().c_str (),
            index->unaccounted_segments ().back ().c_str ()),
        (NULL));
  if (!index->missing_segments ().empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("%" G_GSIZE_FORMAT
         " segment files that the journal lists are missing from %s "
         "(%s to %s): they left the playlist, which marks a gap where they were",
            index->missing_segments ().size (), options.folder.c_str (),
            index->missing_segments ().front ().c_str (),
            index->missing_segments ().back ().c_str ()),
        (NULL));
  if (!index->clock_trusted ())
    post_clock_implausible (self, index.get (), options, now_us);
  GST_INFO_OBJECT (self,
      "opened %s: %" G_GSIZE_FORMAT
      " segments listed, next sequence %" G_GUINT64_FORMAT,
      options.folder.c_str (), index->segments ().size (),
      (guint64)index->next_sequence ());
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  State &st = self->priv->state;
  st = State ();
  gst_segment_init (&st.segment, GST_FORMAT_TIME);
  st.index = std::move (index);
  st.standalone = standalone;
  dvr::StoragePool::Member &m = self->priv->member;
  m.lock = &self->priv->state_lock;
  m.index = st.index.get ();
  m.account = &st.space;
  m.group = settings.storage_group;
  m.live_window_us = (gint64)settings.window * G_USEC_PER_SEC;
  m.min_free_bytes = settings.min_free;
  update_headroom_locked (self->priv, st);
  return TRUE;
}

static void
join_pool (GstDvrIndex *self)
{
  dvr::StoragePool::process ().join (&self->priv->member);
  self->priv->in_pool = true;
}

static void
close_folder (GstDvrIndex *self)
{
  std::vector<CommitReport> reports;
  std::string error;
  bool ended = true;
  {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    State &st = self->priv->state;
    if (st.standalone && st.eos && st.index && !st.pending.empty ()) {
      /* The writer is already stopped (sinks change state first): its files
       * are complete. */
      st.pending.back ().end_rt = st.last_out_end;
      commit_finished_files_locked (self, st, reports, true);
      ended = st.index->end_stream (&error);
    }
  }
  for (CommitReport &r : reports)
    post_report (self, r);
  if (!ended)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not finish the playlist"), ("%s", error.c_str ()));

  /* Out of the pool before the index goes: another recording's reclaim may
   * be reading it. */
  self->priv->in_pool = false;
  dvr::StoragePool::process ().leave (&self->priv->member);
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  State &st = self->priv->state;
  self->priv->member.index = nullptr;
  /* Segments cut short by a stop without EOS are never listed. */
  for (const PendingSegment &seg : st.pending)
    g_unlink (seg.path.c_str ());
  st.pending.clear ();
  st.index.reset ();
  gst_caps_replace (&st.caps, nullptr);
}

static GstStateChangeReturn
gst_dvr_index_change_state (GstElement *element, GstStateChange transition)
{
  GstDvrIndex *self = GST_DVR_INDEX (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    if (!open_folder (self))
      return GST_STATE_CHANGE_FAILURE;
    join_pool (self);
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    close_folder (self);
  return ret;
}

enum
{
  SIGNAL_GET_SEGMENTS,
  SIGNAL_RENDER_PLAYLIST,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
gst_dvr_index_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstDvrIndex *self = GST_DVR_INDEX (object);
  std::lock_guard<std::mutex> lock (self->priv->settings_lock);
  Settings &s = self->priv->settings;
  switch (prop_id) {
  case PROP_LOCATION:
    s.location = g_value_get_string (value) ? g_value_get_string (value) : "";
    break;
  case PROP_PLAYLIST_NAME: {
    const gchar *name = g_value_get_string (value);
    if (name && dvr::is_safe_filename (name) &&
        g_str_has_suffix (name, ".m3u8"))
      s.playlist_name = name;
    else
      g_warning (
          "dvrindex: playlist-name must be a plain file name ending in .m3u8");
    break;
  }
  case PROP_SEGMENT_DURATION:
    s.segment_duration = g_value_get_uint (value);
    break;
  case PROP_WINDOW:
    s.window = g_value_get_uint (value);
    break;
  case PROP_MAX_BYTES:
    s.max_bytes = g_value_get_uint64 (value);
    break;
  case PROP_RETENTION:
    s.retention = g_value_get_int64 (value);
    break;
  case PROP_DELETE_GRACE:
    s.delete_grace = g_value_get_int (value);
    break;
  case PROP_ENDLIST:
    s.endlist = g_value_get_boolean (value);
    break;
  case PROP_MAX_GAP:
    s.max_gap_ms = g_value_get_uint (value);
    break;
  case PROP_WALL_CLOCK:
    s.wall_clock = (GstDvrWallClock)g_value_get_enum (value);
    break;
  case PROP_CLOCK_TOLERANCE:
    s.clock_tolerance_ms = g_value_get_uint (value);
    break;
  case PROP_FSYNC:
    s.fsync = g_value_get_boolean (value);
    break;
  case PROP_WRITER_LOCATION:
    s.writer_location =
        g_value_get_string (value) ? g_value_get_string (value) : "";
    break;
  case PROP_STORAGE_GROUP:
    s.storage_group =
        g_value_get_string (value) ? g_value_get_string (value) : "";
    break;
  case PROP_MIN_FREE:
    s.min_free = g_value_get_uint64 (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

static void
gst_dvr_index_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstDvrIndex *self = GST_DVR_INDEX (object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, stats_structure (self));
    return;
  }
  std::lock_guard<std::mutex> lock (self->priv->settings_lock);
  const Settings &s = self->priv->settings;
  switch (prop_id) {
  case PROP_LOCATION:
    g_value_set_string (
        value, s.location.empty () ? nullptr : s.location.c_str ());
    break;
  case PROP_PLAYLIST_NAME:
    g_value_set_string (value, s.playlist_name.c_str ());
    break;
  case PROP_SEGMENT_DURATION:
    g_value_set_uint (value, s.segment_duration);
    break;
  case PROP_WINDOW:
    g_value_set_uint (value, s.window);
    break;
  case PROP_MAX_BYTES:
    g_value_set_uint64 (value, s.max_bytes);
    break;
  case PROP_RETENTION:
    g_value_set_int64 (value, s.retention);
    break;
  case PROP_DELETE_GRACE:
    g_value_set_int (value, s.delete_grace);
    break;
  case PROP_ENDLIST:
    g_value_set_boolean (value, s.endlist);
    break;
  case PROP_MAX_GAP:
    g_value_set_uint (value, s.max_gap_ms);
    break;
  case PROP_WALL_CLOCK:
    g_value_set_enum (value, s.wall_clock);
    break;
  case PROP_CLOCK_TOLERANCE:
    g_value_set_uint (value, s.clock_tolerance_ms);
    break;
  case PROP_FSYNC:
    g_value_set_boolean (value, s.fsync);
    break;
  case PROP_WRITER_LOCATION:
    g_value_set_string (value,
        s.writer_location.empty () ? nullptr : s.writer_location.c_str ());
    break;
  case PROP_STORAGE_GROUP:
    g_value_set_string (
        value, s.storage_group.empty () ? nullptr : s.storage_group.c_str ());
    break;
  case PROP_MIN_FREE:
    g_value_set_uint64 (value, s.min_free);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    break;
  }
}

static void
gst_dvr_index_finalize (GObject *object)
{
  GstDvrIndex *self = GST_DVR_INDEX (object);
  /* Never left behind in the pool, even by an application that drops the
   * element without setting it to NULL first. */
  dvr::StoragePool::process ().leave (&self->priv->member);
  gst_caps_replace (&self->priv->state.caps, nullptr);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_dvr_index_class_init (GstDvrIndexClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_dvr_index_set_property;
  gobject_class->get_property = gst_dvr_index_get_property;
  gobject_class->finalize = gst_dvr_index_finalize;
  gst_dvr_index_install_properties (gobject_class, PROP_LOCATION);
  gst_dvr_index_install_signals (G_OBJECT_CLASS_TYPE (klass),
      G_CALLBACK (gst_dvr_index_get_segments),
      G_CALLBACK (gst_dvr_index_render_playlist), signals);
  g_object_class_install_property (gobject_class, PROP_WRITER_LOCATION,
      g_param_spec_string ("writer-location", "Writer location",
          "Without dvrsink: the file pattern of the writer downstream (as given to "
          "multifilesink, one %d), in the recording folder, e.g. DIR/.seg-%05d.part",
          NULL,
          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                        GST_PARAM_MUTABLE_READY)));

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_dvr_index_change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DVR index",
      "Filter/Video",
      "Stamps, indexes and lists the segments of a sliding-window HLS DVR",
      "Stream DVR developers");
}

static void
gst_dvr_index_init (GstDvrIndex *self)
{
  self->priv = new GstDvrIndexPrivate ();
  gst_segment_init (&self->priv->state.segment, GST_FORMAT_TIME);
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_index_chain));
  gst_pad_set_event_function (
      self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_index_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
