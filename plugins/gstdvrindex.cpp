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

#include <glib/gstdio.h>
#include <gst/video/video.h>

#include <cerrno>
#include <fcntl.h>
#include <regex>
#include <unistd.h>
#include <vector>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "defaults.h"
#include "gstdvrindex-writer.h"
#include "gstdvrtsreader.h"
#include "playlist.h"
#include "recording_index.h"
#include "running_time.h"
#include "storage_pool.h"
#include "timeline.h"

GST_DEBUG_CATEGORY_STATIC (dvr_index_debug);
#define GST_CAT_DEFAULT dvr_index_debug

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

#define DEFAULT_LOCATION NULL
#define DEFAULT_PLAYLIST_NAME dvr::kDefaultPlaylistName
#define DEFAULT_FSYNC dvr::kDefaultFsync
#define DEFAULT_SEGMENT_DURATION dvr::kDefaultSegmentDuration
#define DEFAULT_WINDOW dvr::kDefaultWindow
#define DEFAULT_MAX_BYTES dvr::kDefaultMaxBytes
#define DEFAULT_RETENTION dvr::kDefaultRetention
#define DEFAULT_DELETE_GRACE dvr::kDefaultDeleteGrace
#define DEFAULT_ENDLIST dvr::kDefaultEndlist
#define DEFAULT_MAX_GAP dvr::kDefaultMaxGap
#define DEFAULT_WALL_CLOCK GST_DVR_WALL_CLOCK_LOCAL
#define DEFAULT_CLOCK_TOLERANCE dvr::kDefaultClockTolerance
#define DEFAULT_STORAGE_GROUP NULL
#define DEFAULT_MIN_FREE dvr::kDefaultMinFree

/* What a write that failed for lack of space frees at least, for a recording
 * with no segment yet to size its headroom by: a 2 s segment at 4 Mbit/s. */
#define FALLBACK_SEGMENT_BYTES (1024 * 1024)

/* A clock step is at least this far off the timeline, whatever clock-tolerance
 * says: below, timestamp jitter would pass for steps. */
#define MIN_CLOCK_STEP_US (500 * G_USEC_PER_SEC / 1000)

/* The difference between the GStreamer NTP epoch (1900) and UNIX time. */
#define NTP_TO_UNIX_US (G_GINT64_CONSTANT (2208988800) * G_USEC_PER_SEC)


/* Whatever the writer downstream takes (caps queries pass through): mpegtsmux
 * wants byte-stream, dvrsink's own writer also takes length-prefixed units and
 * a transport stream that dvrsink's TS reader cut into access units. */
#define DVR_INDEX_CAPS \
    "video/x-h264, stream-format = (string) { byte-stream, avc, avc3 }, alignment = (string) au; " \
    "video/x-h265, stream-format = (string) { byte-stream, hvc1, hev1 }, alignment = (string) au; " \
    GST_DVR_TS_UNIT_CAPS
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (DVR_INDEX_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (DVR_INDEX_CAPS));

namespace dvr_index_detail {

struct Settings
{
  std::string location;
  std::string playlist_name = DEFAULT_PLAYLIST_NAME;
  guint segment_duration = DEFAULT_SEGMENT_DURATION;
  guint window = DEFAULT_WINDOW;
  guint64 max_bytes = DEFAULT_MAX_BYTES;
  gint64 retention = DEFAULT_RETENTION;
  gint delete_grace = DEFAULT_DELETE_GRACE;
  gboolean endlist = DEFAULT_ENDLIST;
  guint max_gap_ms = DEFAULT_MAX_GAP;
  GstDvrWallClock wall_clock = DEFAULT_WALL_CLOCK;
  guint clock_tolerance_ms = DEFAULT_CLOCK_TOLERANCE;
  gboolean fsync = DEFAULT_FSYNC;
  std::string storage_group;
  guint64 min_free = 0;
  std::string writer_location;
};

struct PendingSegment
{
  std::string path;
  gint64 start_rt;
  gint64 start_wall_us;
  bool discontinuity;
  gint64 end_rt = G_MININT64;   /* standalone: known when the next one begins */
};

struct State
{
  std::unique_ptr<dvr::RecordingIndex> index;
  GstSegment segment;
  GstCaps *caps = nullptr;
  bool caps_changed = false;
  bool have_first = false;
  gint64 offset = 0;            /* added to input running times (ns) */
  gint64 last_in_rt = 0;        /* of the previous buffer, decode order */
  gint64 last_out_end = 0;      /* furthest pts + duration on the output timeline */
  gint64 last_frame_duration = 40 * GST_MSECOND;
  bool split_at_next_keyframe = false;
  bool eos = false;
  bool discontinuity_pending = false;   /* after an abandoned segment */
  /* Standalone (ahead of a foreign writer): dvrindex decides the boundaries. */
  bool standalone = false;
  guint file_index = 0;                 /* the writer's file counter */
  bool camera_clock_refused = false;
  gint64 last_begin_rt = G_MININT64;
  /* Each segment's wall clock: an anchor plus running time (timeline.h). */
  dvr::Timeline timeline { DEFAULT_CLOCK_TOLERANCE * 1000 };
  /* A step of the system clock noted in the index, until the first segment
   * labelled after it is listed (output running time; G_MAXINT64: none). */
  gint64 open_step_rt = G_MAXINT64;
  guint64 clock_steps = 0;
  std::deque<PendingSegment> pending;
  /* stats */
  guint64 segments_written = 0;
  guint64 bytes_written = 0;
  guint64 discontinuities = 0;
  gint64 last_segment_wall_us = 0;
  /* What a full or unwritable disk cost, under the state lock (the storage
   * pool changes it too, holding that lock). */
  dvr::SpaceAccount space;
};

}  // namespace dvr_index_detail

using namespace dvr_index_detail;

struct _GstDvrIndex
{
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  struct GstDvrIndexPrivate *priv;
};

struct GstDvrIndexPrivate
{
  std::mutex settings_lock;
  Settings settings;
  std::mutex state_lock;
  State state;
  GstDvrIndexSplitFunc split_func = nullptr;
  gpointer split_data = nullptr;
  /* This recording in the process's storage pool while its folder is open. */
  dvr::StoragePool::Member member;
  std::atomic < bool > in_pool { false };
};

#define gst_dvr_index_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrIndex, gst_dvr_index, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (dvr_index_debug, "dvrindex", 0,
        "sliding-window HLS DVR index"));
GST_ELEMENT_REGISTER_DEFINE (dvrindex, "dvrindex", GST_RANK_NONE, GST_TYPE_DVR_INDEX);

GType
gst_dvr_wall_clock_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_DVR_WALL_CLOCK_LOCAL, "This machine's clock when the frame arrived", "local"},
    {GST_DVR_WALL_CLOCK_CAMERA, "The camera's clock (RTCP sender reports via "
          "GstReferenceTimestampMeta) while it agrees with the local clock", "camera"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstDvrWallClock", values));
  return type;
}

static Settings
copy_settings (GstDvrIndex * self)
{
  std::lock_guard < std::mutex > lock (self->priv->settings_lock);
  return self->priv->settings;
}

/* Wall clock at which the buffer with input running time in_rt was captured:
 * now, less how long ago by the pipeline clock the buffer's running time was.
 * Returns FALSE when the pipeline is not running in real time (files). */
static gboolean
capture_wall_clock (GstDvrIndex * self, gint64 in_rt, gint64 * wall_us)
{
  gint64 now_us = g_get_real_time ();
  *wall_us = now_us;
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return FALSE;
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  GstClockTime clock_now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  if (!GST_CLOCK_TIME_IS_VALID (base) || clock_now < base)
    return FALSE;
  gint64 lag = (gint64) (clock_now - base) - in_rt;
  if (lag < 0 || lag > 30 * GST_SECOND)
    return FALSE;
  *wall_us = now_us - lag / 1000;
  return TRUE;
}

/* The camera's own clock for this buffer, if asked for, present, and within the
 * tolerance of the local clock (camera clocks drift and get stepped). */
static bool
camera_wall_clock (GstDvrIndex * self, GstBuffer * buf, const Settings & settings, State & st,
    gint64 local_us, gint64 * wall_us)
{
  if (settings.wall_clock != GST_DVR_WALL_CLOCK_CAMERA)
    return false;
  static GstCaps *ntp_caps = gst_caps_new_empty_simple ("timestamp/x-ntp");
  GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta (buf, ntp_caps);
  if (!meta)
    return false;
  gint64 camera_us = (gint64) (meta->timestamp / 1000) - NTP_TO_UNIX_US;
  if (ABS (camera_us - local_us) > (gint64) settings.clock_tolerance_ms * 1000) {
    if (!st.camera_clock_refused)
      GST_WARNING_OBJECT (self, "camera clock is %" G_GINT64_FORMAT " ms off the local clock: "
          "using the local clock until it agrees again", (camera_us - local_us) / 1000);
    st.camera_clock_refused = true;
    return false;
  }
  st.camera_clock_refused = false;
  *wall_us = camera_us;
  return true;
}

/* The camera's RTCP clock for this buffer, if it has one (UNIX µs). */
static bool
camera_clock_reading (GstBuffer * buf, gint64 * camera_us)
{
  static GstCaps *ntp_caps = gst_caps_new_empty_simple ("timestamp/x-ntp");
  GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta (buf, ntp_caps);
  if (!meta)
    return false;
  *camera_us = (gint64) (meta->timestamp / 1000) - NTP_TO_UNIX_US;
  return true;
}

/* What an observation of the clocks found, for the caller to post once the
 * state lock is released. */
struct ClockNews
{
  bool step = false;
  bool camera = false;          /* the camera's clock stepped, not this machine's */
  gint64 step_us = 0;
  gint64 before_us = 0;         /* the timeline's wall clock at the step */
  gint64 after_us = 0;          /* the clock's reading there */
  guint64 total = 0;
  std::string folder;
};

/* Compares the recording's timeline with the clock at output running time
 * out_rt: drift is followed, a step re-anchors the timeline and marks the next
 * segment. A step of this machine's clock is noted in the index, so that the
 * footage before it ages by time that really passed; a step of the camera's
 * clock only leaves the camera's clock for the local one. */
static ClockNews
observe_clock_locked (GstDvrIndex * self, GstBuffer * buf, const Settings & settings,
    State & st, gint64 in_rt, gint64 out_rt)
{
  ClockNews news;
  gint64 local;
  if (!capture_wall_clock (self, in_rt, &local) || !st.timeline.anchored ())
    return news;
  const gint64 tolerance = (gint64) settings.clock_tolerance_ms * 1000;
  const gint64 expected = st.timeline.wall_at (out_rt);
  gint64 reference = local;
  gint64 camera;
  if (settings.wall_clock == GST_DVR_WALL_CLOCK_CAMERA && camera_clock_reading (buf, &camera)) {
    if (ABS (camera - local) <= tolerance) {
      reference = camera;
      st.camera_clock_refused = false;
    } else if (!st.camera_clock_refused) {
      st.camera_clock_refused = true;
      GST_WARNING_OBJECT (self, "camera clock is %" G_GINT64_FORMAT " ms off the local clock: "
          "using the local clock until it agrees again", (camera - local) / 1000);
      /* The camera's clock left the timeline while this machine's stayed on
       * it: the camera stepped. (The other way round, this machine's clock
       * stepped, and the observation below finds it.) */
      if (ABS (camera - expected) > st.timeline.tolerance_us () &&
          ABS (local - expected) <= st.timeline.tolerance_us ()) {
        st.timeline.begin (out_rt, expected, camera - expected);
        news.step = true;
        news.camera = true;
        news.step_us = camera - expected;
        news.before_us = expected;
        news.after_us = camera;
      }
    }
  }
  dvr::ClockCheck check = st.timeline.observe (out_rt, reference);
  if (check.step) {
    news.step = true;
    news.camera = false;
    news.step_us = check.step_us;
    news.before_us = expected;
    news.after_us = reference;
    if (st.index)
      st.index->clock_stepped (check.step_us);
    if (st.open_step_rt == G_MAXINT64)
      st.open_step_rt = out_rt;
  }
  if (news.step) {
    news.total = ++st.clock_steps;
    news.folder = st.index ? st.index->options ().folder : settings.location;
  }
  return news;
}

/* Says a clock step: a warning an application can act on, and an element
 * message "dvr-clock-step" with its facts. No lock may be held. */
static void
post_clock_news (GstDvrIndex * self, const ClockNews & news)
{
  if (!news.step)
    return;
  std::string before = dvr::format_program_date_time (news.before_us);
  std::string after = dvr::format_program_date_time (news.after_us);
  GstStructure *fields = gst_structure_new (GST_DVR_CLOCK_STEP_MESSAGE,
      "folder", G_TYPE_STRING, news.folder.c_str (),
      "source", G_TYPE_STRING, news.camera ? "camera" : "system",
      "step", G_TYPE_INT64, news.step_us,
      "step-seconds", G_TYPE_DOUBLE, news.step_us / 1e6,
      "before", G_TYPE_STRING, before.c_str (),
      "after", G_TYPE_STRING, after.c_str (),
      "total", G_TYPE_UINT64, news.total, NULL);
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("The %s clock stepped by %+.3f s (from %s to %s) while recording into %s: the "
          "recording goes on from the new time after a discontinuity%s",
          news.camera ? "camera's" : "system", news.step_us / 1e6, before.c_str (), after.c_str (),
          news.folder.c_str (), news.camera ? ", on the local clock" :
          "; footage recorded before it keeps its real age"),
      ("clock step %" G_GINT64_FORMAT " us", news.step_us),
      ("details", GST_TYPE_STRUCTURE, fields, NULL));
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
          fields));
}

static void
shift_timestamps (GstBuffer * buf, gint64 offset)
{
  if (GST_BUFFER_PTS_IS_VALID (buf))
    GST_BUFFER_PTS (buf) = (GstClockTime) ((gint64) GST_BUFFER_PTS (buf) + offset);
  if (GST_BUFFER_DTS_IS_VALID (buf))
    GST_BUFFER_DTS (buf) = (GstClockTime) ((gint64) GST_BUFFER_DTS (buf) + offset);
}

/* Registers a segment whose first frame has running time start, written to path. */
static void
begin_segment_locked (GstDvrIndex * self, State & st, gint64 start, const std::string & path)
{
  PendingSegment seg;
  seg.path = path;
  seg.start_rt = start;
  seg.start_wall_us = st.timeline.wall_at (seg.start_rt);
  seg.discontinuity = st.discontinuity_pending;
  st.discontinuity_pending = false;
  /* After a gap, a reset or a clock step: PROGRAM-DATE-TIME jumps only here. */
  if (st.timeline.began_between (st.last_begin_rt, seg.start_rt))
    seg.discontinuity = true;
  st.last_begin_rt = seg.start_rt;
  GST_DEBUG_OBJECT (self, "segment begins at %" GST_STIME_FORMAT " in %s%s",
      GST_STIME_ARGS (start), seg.path.c_str (), seg.discontinuity ? " (discontinuity)" : "");
  st.pending.push_back (seg);
}

gchar *
gst_dvr_index_begin_segment (GstDvrIndex * self, GstClockTime start)
{
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  State & st = self->priv->state;
  if (!st.index)
    return nullptr;
  std::string path = st.index->temporary_path ();
  begin_segment_locked (self, st, (gint64) start, path);
  return g_strdup (path.c_str ());
}

gboolean
gst_dvr_index_fsync (GstDvrIndex * self)
{
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  State & st = self->priv->state;
  return st.index ? st.index->options ().fsync : TRUE;
}

/* The facts about a segment an application gets, in the message and the index. */
static GstStructure *
segment_structure (const char *name, const dvr::Segment & s)
{
  std::string pdt = dvr::format_program_date_time (s.start_us);
  return gst_structure_new (name,
      "filename", G_TYPE_STRING, s.filename.c_str (),
      "sequence", G_TYPE_UINT64, (guint64) s.sequence,
      "wall-clock-start", G_TYPE_INT64, (gint64) s.start_us,
      "program-date-time", G_TYPE_STRING, pdt.c_str (),
      "duration", G_TYPE_UINT64, (guint64) s.duration_us * 1000,
      "bytes", G_TYPE_UINT64, (guint64) s.bytes,
      "discontinuity", G_TYPE_BOOLEAN, (gboolean) s.discontinuity, NULL);
}

static GstMessage *
segment_added_message (GstDvrIndex * self, const std::string & folder, const dvr::Segment & s)
{
  GstStructure *fields = segment_structure (GST_DVR_SEGMENT_ADDED_MESSAGE, s);
  std::string location = folder + "/" + s.filename;
  gst_structure_set (fields, "location", G_TYPE_STRING, location.c_str (), NULL);
  return gst_message_new_element (GST_OBJECT (self), fields);
}

/* Bytes this recording wants kept free, where the pool reads them without the lock. */
static void
update_headroom_locked (GstDvrIndexPrivate * priv, const State & st)
{
  /* Nothing to size it by before the first segment: no guess, which on a
   * small disk would free footage for nothing. */
  const guint64 fallback = st.segments_written > 0 ? st.bytes_written / st.segments_written : 0;
  priv->member.headroom = st.index ? dvr::headroom_bytes (st.index->segments (), fallback) : 0;
}

/* The "dvr-storage" facts: what the disk did to this recording. */
static GstStructure *
storage_structure_locked (const State & st, gint64 free_bytes)
{
  const dvr::SpaceAccount & a = st.space;
  gint64 oldest = -1;
  gdouble retained = 0;
  if (st.index && !st.index->segments ().empty ()) {
    oldest = st.index->segments ().front ().start_us;
    retained = (st.index->segments ().back ().end_us () - oldest) / 1e6;
  }
  std::string pdt = oldest >= 0 ? dvr::format_program_date_time (oldest) : "";
  return gst_structure_new (GST_DVR_STORAGE_MESSAGE,
      "state", G_TYPE_STRING, dvr::storage_fault_name (a.fault),
      "folder", G_TYPE_STRING, st.index ? st.index->options ().folder.c_str () : "",
      "free-bytes", G_TYPE_INT64, free_bytes,
      "freed-segments", G_TYPE_UINT64, (guint64) a.episode_freed_segments,
      "freed-bytes", G_TYPE_UINT64, (guint64) a.episode_freed_bytes,
      "dropped-segments", G_TYPE_UINT64, (guint64) a.episode_dropped_segments,
      "oldest", G_TYPE_INT64, oldest,
      "oldest-program-date-time", G_TYPE_STRING, pdt.c_str (),
      "retained-seconds", G_TYPE_DOUBLE, retained,
      "total-freed-segments", G_TYPE_UINT64, (guint64) a.freed_segments,
      "total-dropped-no-space", G_TYPE_UINT64, (guint64) a.dropped_no_space,
      "total-dropped-unwritable", G_TYPE_UINT64, (guint64) a.dropped_unwritable, NULL);
}

/* Posts what changed in the storage's state: the start of a full disk (a
 * warning with the facts, and the message), or its end. */
static void
post_space_news (GstDvrIndex * self, const dvr::StoragePool::Outcome & out, bool committed)
{
  GstStructure *fields = nullptr;
  bool started = false;
  std::string folder;
  {
    std::lock_guard < std::mutex > lock (self->priv->state_lock);
    State & st = self->priv->state;
    if (!st.index)
      return;
    folder = st.index->options ().folder;
    dvr::SpaceAccount & a = st.space;
    if (a.fault == dvr::StorageFault::kFull && a.unreported) {
      a.unreported = false;
      a.announced = true;
      started = true;
      fields = storage_structure_locked (st, out.free_bytes);
    } else if (!a.announced && committed) {
      /* The first segment says how the storage stands. */
      a.announced = true;
      fields = storage_structure_locked (st, out.free_bytes);
    } else if (a.fault == dvr::StorageFault::kFull && !out.short_of_space && out.free_bytes >= 0
        && (guint64) out.free_bytes >= 2 * out.headroom) {
      /* Room for twice the headroom without freeing anything: space is back. */
      a.fault = dvr::StorageFault::kNone;
      fields = storage_structure_locked (st, out.free_bytes);
      a.episode_freed_segments = a.episode_freed_bytes = a.episode_dropped_segments = 0;
    } else if (committed && a.fault != dvr::StorageFault::kNone && a.fault != dvr::StorageFault::kFull) {
      /* Written again after an I/O error. */
      a.fault = dvr::StorageFault::kNone;
      fields = storage_structure_locked (st, out.free_bytes);
    }
  }
  if (!fields)
    return;
  if (started) {
    guint64 segments = 0, bytes = 0;
    gst_structure_get_uint64 (fields, "freed-segments", &segments);
    gst_structure_get_uint64 (fields, "freed-bytes", &bytes);
    const gchar *oldest = gst_structure_get_string (fields, "oldest-program-date-time");
    GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, NO_SPACE_LEFT,
        ("The disk holding %s is full: freed the oldest %" G_GUINT64_FORMAT " segments (%"
            G_GUINT64_FORMAT " bytes), footage now from %s; recording goes on", folder.c_str (),
            segments, bytes, oldest && *oldest ? oldest : "nothing kept"),
        ("%" G_GINT64_FORMAT " bytes free, %" G_GUINT64_FORMAT " wanted", out.free_bytes,
            out.headroom), ("details", GST_TYPE_STRUCTURE, fields, NULL));
  } else {
    GST_INFO_OBJECT (self, "storage of %s: %s", folder.c_str (),
        gst_structure_get_string (fields, "state"));
  }
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
          fields));
}

/* Keeps room for the next segments on a disk that ran short (see
 * storage_pool.h) and says what it cost. No lock may be held. */
static gboolean
keep_headroom (GstDvrIndex * self, bool forced, bool committed)
{
  GstDvrIndexPrivate *priv = self->priv;
  if (!priv->in_pool)
    return FALSE;
  dvr::StoragePool::Outcome out = dvr::StoragePool::process ().keep_headroom (&priv->member,
      g_get_real_time (), forced, FALLBACK_SEGMENT_BYTES * dvr::kHeadroomSegments);
  if (out.freed_bytes > 0)
    GST_INFO_OBJECT (self, "%" G_GINT64_FORMAT " bytes free, %" G_GUINT64_FORMAT
        " wanted: freed %" G_GSIZE_FORMAT " segments, %" G_GUINT64_FORMAT " bytes",
        out.free_bytes, out.headroom, out.freed_segments, out.freed_bytes);
  if (out.for_min_free && out.freed_segments > 0) {
    /* Not a fault: the disk-wide retention did its work. The application
     * (the launcher's log) says what went. */
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("dvr-min-free",
                "free-bytes", G_TYPE_INT64, (gint64) out.free_bytes,
                "min-free", G_TYPE_UINT64, (guint64) out.min_free,
                "freed-segments", G_TYPE_UINT64, (guint64) out.freed_segments,
                "freed-bytes", G_TYPE_UINT64, (guint64) out.freed_bytes, NULL)));
    return TRUE;
  }
  post_space_news (self, out, committed);
  return out.freed_bytes > 0;
}

gboolean
gst_dvr_index_make_room (GstDvrIndex * self)
{
  return keep_headroom (self, true, false);
}

/* Says that the folder cannot be written, and why, in the message
 * applications read: posted before the error that stops the recording. */
static void
post_unwritable (GstDvrIndex * self, dvr::StorageFault fault)
{
  GstStructure *fields;
  {
    std::lock_guard < std::mutex > lock (self->priv->state_lock);
    State & st = self->priv->state;
    st.space.fault = fault;
    st.space.dropped_unwritable++;
    fields = storage_structure_locked (st, st.index ?
        dvr::filesystem_free_bytes (st.index->options ().folder) : -1);
  }
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
          fields));
}

/* What a commit has to tell the application, posted once the lock is released. */
struct CommitReport
{
  GstMessage *message = nullptr;
  bool ok = true;
  bool passing = false;
  guint64 freed = 0;
  dvr::StorageFault fault = dvr::StorageFault::kNone;
  std::string folder, error;
};

static void
post_report (GstDvrIndex * self, CommitReport & r)
{
  const bool listed = r.message != nullptr;
  if (r.message)
    gst_element_post_message (GST_ELEMENT (self), r.message);
  r.message = nullptr;
  if (!r.ok && r.passing) {
    keep_headroom (self, true, false);
    GST_ELEMENT_WARNING (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not record a segment in folder %s; recording goes on", r.folder.c_str ()),
        ("%s", r.error.c_str ()));
  } else if (!r.ok) {
    if (r.fault != dvr::StorageFault::kNone) {
      post_unwritable (self, r.fault);
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Could not record into folder %s: %s", r.folder.c_str (),
              dvr::storage_fault_words (r.fault)), ("%s", r.error.c_str ()));
    } else {
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Could not record into folder %s", r.folder.c_str ()), ("%s", r.error.c_str ()));
    }
  } else if (listed) {
    keep_headroom (self, false, true);
  }
}

/* Lists the oldest pending segment, which ends at running time end_rt. */
static CommitReport
commit_front_locked (GstDvrIndex * self, State & st, gint64 end_rt, guint64 bytes)
{
  CommitReport r;
  PendingSegment seg = st.pending.front ();
  st.pending.pop_front ();
  /* At EOS the writer reports the last frame's start, not its end. */
  if (st.eos && end_rt + st.last_frame_duration >= st.last_out_end)
    end_rt = st.last_out_end;
  gint64 duration_us = MAX (end_rt - seg.start_rt, 0) / 1000;
  dvr::Segment added;
  r.folder = st.index->options ().folder;
  if (seg.start_rt >= st.open_step_rt) {
    /* The first segment labelled after a step of the system clock: the
     * footage before it is to age by time that passed, across a restart too. */
    std::string step_error;
    if (!st.index->close_clock_steps (&step_error))
      GST_WARNING_OBJECT (self, "%s", step_error.c_str ());
    st.open_step_rt = G_MAXINT64;
  }
  r.ok = st.index->add_segment (seg.path, seg.start_wall_us, duration_us, bytes,
      seg.discontinuity, g_get_real_time (), &added, &r.error);
  if (!added.filename.empty ()) {
    st.segments_written++;
    st.bytes_written += bytes;
    st.last_segment_wall_us = added.start_us;
    r.message = segment_added_message (self, r.folder, added);
  }
  if (!r.ok && st.index->folder_writable ()) {
    /* Most likely a full disk: the caller makes room; mark the hole, and keep
     * recording. */
    r.passing = true;
    /* Listed, and only its playlist could not be written: nothing lost. */
    if (added.filename.empty ()) {
      st.space.dropped_no_space++;
      st.space.episode_dropped_segments++;
      st.discontinuity_pending = true;
    }
  } else if (!r.ok) {
    r.fault = dvr::diagnose_write_error (r.folder, EIO);
  }
  update_headroom_locked (self->priv, st);
  return r;
}

gboolean
gst_dvr_index_commit_segment (GstDvrIndex * self, const gchar * path, GstClockTime end,
    guint64 bytes)
{
  CommitReport r;
  {
    std::lock_guard < std::mutex > lock (self->priv->state_lock);
    State & st = self->priv->state;
    if (!st.index || st.pending.empty () || st.pending.front ().path != path) {
      GST_WARNING_OBJECT (self, "commit of unknown segment %s ignored", path);
      return FALSE;
    }
    r = commit_front_locked (self, st, (gint64) end, bytes);
  }
  post_report (self, r);
  return r.ok;
}

/* A foreign writer's file is complete; make it durable (if asked) and learn its size. */
static bool
sync_foreign_file (const std::string & path, bool durable, guint64 * bytes)
{
  int fd = g_open (path.c_str (), O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    return false;
  GStatBuf st;
  bool ok = fstat (fd, &st) == 0 && (!durable || fsync (fd) == 0);
  *bytes = ok ? (guint64) st.st_size : 0;
  close (fd);
  return ok;
}

/* Standalone: lists every finished segment whose successor's file exists,
 * since the writer opens the next file only after closing the previous one. */
static void
commit_finished_files_locked (GstDvrIndex * self, State & st, std::vector < CommitReport > &out,
    bool all)
{
  while (!st.pending.empty () && st.pending.front ().end_rt != G_MININT64) {
    if (!all && (st.pending.size () < 2 || !g_file_test (st.pending[1].path.c_str (),
                G_FILE_TEST_EXISTS)))
      break;
    guint64 bytes = 0;
    if (!sync_foreign_file (st.pending.front ().path, st.index->options ().fsync, &bytes)) {
      CommitReport r;
      r.ok = false;
      r.folder = st.index->options ().folder;
      r.error = "the writer left no file " + st.pending.front ().path;
      st.pending.pop_front ();
      st.discontinuity_pending = true;
      out.push_back (r);
      continue;
    }
    out.push_back (commit_front_locked (self, st, st.pending.front ().end_rt, bytes));
  }
}

/* The writer's file name for its file number n: writer-location holds one %d. */
static std::string
writer_file (const std::string & pattern, guint n)
{
  size_t pos = pattern.find ('%');
  size_t end = pattern.find ('d', pos);
  std::string width = pattern.substr (pos + 1, end - pos - 1);
  std::string number = std::to_string (n);
  size_t w = width.empty ()? 0 : (size_t) std::stoul (width);
  if (number.size () < w)
    number.insert (0, w - number.size (), '0');
  return pattern.substr (0, pos) + number + pattern.substr (end + 1);
}

static bool
valid_writer_pattern (const std::string & pattern)
{
  static const std::regex one_number ("^[^%]*%0?[0-9]?d[^%]*$");
  return std::regex_match (pattern, one_number);
}

static GstFlowReturn
gst_dvr_index_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstDvrIndex *self = GST_DVR_INDEX (parent);
  GstDvrIndexPrivate *priv = self->priv;
  const Settings settings = copy_settings (self);
  bool split_after = false;
  GstEvent *force_key_unit = nullptr;
  std::vector < CommitReport > reports;
  ClockNews clock_news;
  (void) pad;

  {
    std::lock_guard < std::mutex > lock (priv->state_lock);
    State & st = priv->state;
    const gint64 pts_rt = dvr_running_time (&st.segment, GST_BUFFER_PTS (buf));
    const gint64 dts_rt = GST_BUFFER_DTS_IS_VALID (buf) ?
        dvr_running_time (&st.segment, GST_BUFFER_DTS (buf)) : pts_rt;
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
    const char *reason = nullptr;

    if (dts_rt != G_MININT64) {
      if (!st.have_first) {
        st.have_first = true;
        gint64 wall;
        capture_wall_clock (self, pts_rt != G_MININT64 ? pts_rt : dts_rt, &wall);
        camera_wall_clock (self, buf, settings, st, wall, &wall);
        st.offset = 0;
        st.timeline.set_tolerance (MAX ((gint64) settings.clock_tolerance_ms * 1000,
                MIN_CLOCK_STEP_US));
        st.timeline.begin (pts_rt, wall);
      } else if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT)) {
        reason = "DISCONT buffer";
      } else if (st.caps_changed) {
        reason = "caps change";
      } else if (dts_rt < st.last_in_rt - (gint64) GST_MSECOND) {
        reason = "timestamps went back";
      } else if (dts_rt - st.last_in_rt > (gint64) settings.max_gap_ms * GST_MSECOND) {
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
        GST_INFO_OBJECT (self, "discontinuity (%s) at running time %"
            GST_STIME_FORMAT ", new segment at the next keyframe", reason,
            GST_STIME_ARGS (in_start));
      } else if (keyframe && pts_rt != G_MININT64) {
        /* NTP may step or slew the system clock under a long recording:
         * checked at every keyframe, where a segment may begin. */
        clock_news = observe_clock_locked (self, buf, settings, st, pts_rt, pts_rt + st.offset);
      }
      st.last_in_rt = dts_rt;
      if (pts_rt != G_MININT64) {
        gint64 duration = GST_BUFFER_DURATION_IS_VALID (buf) ?
            (gint64) GST_BUFFER_DURATION (buf) : st.last_frame_duration;
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
      const bool due = !st.pending.empty () && (st.split_at_next_keyframe ||
          out_rt - st.pending.back ().start_rt >=
          gst_dvr_index_split_threshold ((gint64) settings.segment_duration * GST_SECOND));
      if (st.pending.empty () || due) {
        if (!st.pending.empty ()) {
          st.pending.back ().end_rt = out_rt;
          force_key_unit = gst_video_event_new_downstream_force_key_unit (GST_BUFFER_PTS (buf),
              GST_CLOCK_TIME_NONE, (GstClockTime) out_rt, TRUE, st.file_index);
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

  for (CommitReport & r:reports)
    post_report (self, r);
  post_clock_news (self, clock_news);
  if (force_key_unit)
    gst_pad_push_event (self->srcpad, force_key_unit);
  GstFlowReturn ret = gst_pad_push (self->srcpad, buf);
  /* After the push: the writer has then closed the GOP before this keyframe, so
   * the split lands exactly at it. */
  if (split_after && priv->split_func)
    priv->split_func (priv->split_data);
  return ret;
}

static bool
caps_differ_in_kind (const GstCaps * a, const GstCaps * b)
{
  const GstStructure *sa = gst_caps_get_structure (a, 0);
  const GstStructure *sb = gst_caps_get_structure (b, 0);
  if (!gst_structure_has_name (sb, gst_structure_get_name (sa)))
    return true;
  for (const char *field : { "width", "height", "stream-format", "profile", "codec" }) {
    const GValue *va = gst_structure_get_value (sa, field);
    const GValue *vb = gst_structure_get_value (sb, field);
    if ((va == nullptr) != (vb == nullptr))
      return true;
    if (va && gst_value_compare (va, vb) != GST_VALUE_EQUAL)
      return true;
  }
  return false;
}

static void
finish_stream (GstDvrIndex * self)
{
  std::string error;
  bool ok;
  {
    std::lock_guard < std::mutex > lock (self->priv->state_lock);
    if (!self->priv->state.index)
      return;
    ok = self->priv->state.index->end_stream (&error);
  }
  if (!ok)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("Could not finish the playlist"),
        ("%s", error.c_str ()));
}

static gboolean
gst_dvr_index_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstDvrIndex *self = GST_DVR_INDEX (parent);
  State & st = self->priv->state;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;
      gst_event_parse_segment (event, &segment);
      std::lock_guard < std::mutex > lock (self->priv->state_lock);
      gst_segment_copy_into (segment, &st.segment);
      break;
    }
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      std::lock_guard < std::mutex > lock (self->priv->state_lock);
      if (st.caps && caps_differ_in_kind (st.caps, caps))
        st.caps_changed = true;
      gst_caps_replace (&st.caps, caps);
      break;
    }
    case GST_EVENT_EOS:{
      std::lock_guard < std::mutex > lock (self->priv->state_lock);
      st.eos = true;
      break;
    }
    case GST_EVENT_FLUSH_STOP:{
      std::lock_guard < std::mutex > lock (self->priv->state_lock);
      st.eos = false;
      break;
    }
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

void
gst_dvr_index_set_split_func (GstDvrIndex * self, GstDvrIndexSplitFunc func, gpointer user_data)
{
  self->priv->split_func = func;
  self->priv->split_data = user_data;
}

void
gst_dvr_index_abandon_segment (GstDvrIndex * self, const gchar * path, int error_number)
{
  std::string folder;
  dvr::StorageFault fault = dvr::fault_of_errno (error_number);
  bool passing = fault == dvr::StorageFault::kFull;
  {
    std::lock_guard < std::mutex > lock (self->priv->state_lock);
    State & st = self->priv->state;
    if (!st.pending.empty () && st.pending.front ().path == path)
      st.pending.pop_front ();
    g_unlink (path);
    st.discontinuity_pending = true;
    if (st.index) {
      folder = st.index->options ().folder;
      if (!passing)
        fault = dvr::diagnose_write_error (folder, error_number);
      /* An I/O error in a folder still there to write to may pass; a folder
       * gone or read-only, or access refused, does not. */
      passing = fault == dvr::StorageFault::kFull || (fault == dvr::StorageFault::kIoError &&
          st.index->folder_writable ());
      if (fault == dvr::StorageFault::kFull) {
        st.space.dropped_no_space++;
        st.space.episode_dropped_segments++;
      }
    }
  }
  if (fault == dvr::StorageFault::kFull) {
    /* Room for this segment's successors, so that it is the only one lost. */
    keep_headroom (self, true, false);
    GST_ELEMENT_WARNING (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not write a segment in folder %s (%s): it was dropped, recording goes on",
            folder.c_str (), g_strerror (error_number)), ("%s", path));
  } else if (passing) {
    post_unwritable (self, fault);
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not write a segment in folder %s (%s): it was dropped, recording goes on",
            folder.c_str (), dvr::storage_fault_words (fault)), ("%s: %s", path,
            g_strerror (error_number)));
  } else {
    post_unwritable (self, fault);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write a segment in folder %s: %s", folder.c_str (),
            dvr::storage_fault_words (fault)), ("%s: %s", path, g_strerror (error_number)));
  }
}

void
gst_dvr_index_finish (GstDvrIndex * self)
{
  finish_stream (self);
}

static gboolean
open_folder (GstDvrIndex * self)
{
  const Settings settings = copy_settings (self);
  if (settings.location.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No folder set in the \"location\" property"),
        (NULL));
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
          ("The \"window\" is longer than the \"retention\" for folder %s", settings.location.c_str ()),
          ("%s", why.c_str ()));
      return FALSE;
    }
  }
  options.grace_us = settings.delete_grace < 0 ? -1 : (gint64) settings.delete_grace * G_USEC_PER_SEC;
  options.endlist = settings.endlist;
  options.fsync = settings.fsync;
  const bool standalone = self->priv->split_func == nullptr;
  if (standalone) {
    g_autofree gchar *writer_dir = g_path_get_dirname (settings.writer_location.c_str ());
    if (settings.writer_location.empty () || !valid_writer_pattern (settings.writer_location)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("dvrindex without dvrsink needs \"writer-location\": the writer's file pattern "
              "with one %%d, e.g. %s/.seg-%%05d.part", options.folder.c_str ()),
          ("writer-location is \"%s\"", settings.writer_location.c_str ()));
      return FALSE;
    }
    if (options.folder != writer_dir) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("The writer must write into the recording folder %s", options.folder.c_str ()),
          ("writer-location is \"%s\"", settings.writer_location.c_str ()));
      return FALSE;
    }
  }
  options.clock_tolerance_us = MAX ((gint64) settings.clock_tolerance_ms * 1000, MIN_CLOCK_STEP_US);
  options.earliest_plausible_us = dvr::build_time_us ();
  std::string error;
  const gint64 now_us = g_get_real_time ();
  auto index = dvr::RecordingIndex::open (options, now_us, &error);
  if (!index) {
    const dvr::StorageFault fault = dvr::diagnose_write_error (options.folder, errno);
    GstStructure *fields = gst_structure_new (GST_DVR_STORAGE_MESSAGE,
        "state", G_TYPE_STRING, dvr::storage_fault_name (fault),
        "folder", G_TYPE_STRING, options.folder.c_str (), NULL);
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
            fields));
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open recording folder %s: %s", options.folder.c_str (),
            dvr::storage_fault_words (fault)), ("%s", error.c_str ()));
    return FALSE;
  }
  if (!index->set_aside_journal ().empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The journal in %s is not one this version can read: kept as %s, a new one begun",
            options.folder.c_str (), index->set_aside_journal ().c_str ()), (NULL));
  else if (index->rejected_journal_lines () > 0)
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Skipped %" G_GSIZE_FORMAT " damaged lines of the journal in %s",
            index->rejected_journal_lines (), options.folder.c_str ()), (NULL));
  if (!index->unaccounted_segments ().empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Kept %" G_GSIZE_FORMAT " segment files in %s that the journal does not list "
            "(%s to %s): they are not in the playlist and the recorder never deletes them",
            index->unaccounted_segments ().size (), options.folder.c_str (),
            index->unaccounted_segments ().front ().c_str (),
            index->unaccounted_segments ().back ().c_str ()), (NULL));
  if (!index->missing_segments ().empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("%" G_GSIZE_FORMAT " segment files that the journal lists are missing from %s "
            "(%s to %s): they left the playlist, which marks a gap where they were",
            index->missing_segments ().size (), options.folder.c_str (),
            index->missing_segments ().front ().c_str (),
            index->missing_segments ().back ().c_str ()), (NULL));
  if (!index->clock_trusted ()) {
    std::string now = dvr::format_program_date_time (now_us);
    std::string from = dvr::format_program_date_time (index->trusted_from_us ());
    const bool before_footage = index->newest_on_open_us () != G_MININT64 &&
        now_us < index->newest_on_open_us () - options.clock_tolerance_us;
    GstStructure *fields = gst_structure_new (GST_DVR_CLOCK_IMPLAUSIBLE_MESSAGE,
        "folder", G_TYPE_STRING, options.folder.c_str (),
        "clock", G_TYPE_STRING, now.c_str (),
        "trusted-from", G_TYPE_STRING, from.c_str (),
        "reason", G_TYPE_STRING, before_footage ? "before-newest-footage" : "before-build", NULL);
    GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, SETTINGS,
        ("The system clock (%s) is before %s, so it cannot be right: nothing in %s is "
            "deleted by age until the clock reaches %s. Set the clock (NTP) before recording "
            "starts", now.c_str (), before_footage ? "the newest footage on disk" :
            "the date this recorder was built", options.folder.c_str (), from.c_str ()),
        ("clock %" G_GINT64_FORMAT " us, trusted from %" G_GINT64_FORMAT " us", now_us,
            index->trusted_from_us ()), ("details", GST_TYPE_STRUCTURE, fields, NULL));
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
            fields));
  }
  GST_INFO_OBJECT (self, "opened %s: %" G_GSIZE_FORMAT " segments listed, next sequence %"
      G_GUINT64_FORMAT, options.folder.c_str (), index->segments ().size (),
      (guint64) index->next_sequence ());
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  State & st = self->priv->state;
  st = State ();
  gst_segment_init (&st.segment, GST_FORMAT_TIME);
  st.index = std::move (index);
  st.standalone = standalone;
  dvr::StoragePool::Member & m = self->priv->member;
  m.lock = &self->priv->state_lock;
  m.index = st.index.get ();
  m.account = &st.space;
  m.group = settings.storage_group;
  m.live_window_us = (gint64) settings.window * G_USEC_PER_SEC;
  m.min_free_bytes = settings.min_free;
  update_headroom_locked (self->priv, st);
  return TRUE;
}

static void
join_pool (GstDvrIndex * self)
{
  dvr::StoragePool::process ().join (&self->priv->member);
  self->priv->in_pool = true;
}

static void
close_folder (GstDvrIndex * self)
{
  std::vector < CommitReport > reports;
  std::string error;
  bool ended = true;
  {
    std::lock_guard < std::mutex > lock (self->priv->state_lock);
    State & st = self->priv->state;
    if (st.standalone && st.eos && st.index && !st.pending.empty ()) {
      /* The writer is already stopped (sinks change state first): its files
       * are complete. */
      st.pending.back ().end_rt = st.last_out_end;
      commit_finished_files_locked (self, st, reports, true);
      ended = st.index->end_stream (&error);
    }
  }
  for (CommitReport & r:reports)
    post_report (self, r);
  if (!ended)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("Could not finish the playlist"),
        ("%s", error.c_str ()));

  /* Out of the pool before the index goes: another recording's reclaim may
   * be reading it. */
  self->priv->in_pool = false;
  dvr::StoragePool::process ().leave (&self->priv->member);
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  State & st = self->priv->state;
  self->priv->member.index = nullptr;
  /* Segments cut short by a stop without EOS are never listed. */
  for (const PendingSegment & seg:st.pending)
    g_unlink (seg.path.c_str ());
  st.pending.clear ();
  st.index.reset ();
  gst_caps_replace (&st.caps, nullptr);
}

static GstStateChangeReturn
gst_dvr_index_change_state (GstElement * element, GstStateChange transition)
{
  GstDvrIndex *self = GST_DVR_INDEX (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    if (!open_folder (self))
      return GST_STATE_CHANGE_FAILURE;
    join_pool (self);
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
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

GstStructure *
gst_dvr_index_get_segments (GstDvrIndex * self)
{
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  const State & st = self->priv->state;
  GValue list = G_VALUE_INIT;
  gst_value_array_init (&list, st.index ? st.index->segments ().size () : 0);
  guint64 media_sequence = 0, discontinuity_sequence = 0;
  if (st.index) {
    for (const dvr::Segment & seg:st.index->segments ()) {
      GValue item = G_VALUE_INIT;
      g_value_init (&item, GST_TYPE_STRUCTURE);
      g_value_take_boxed (&item, segment_structure ("segment", seg));
      gst_value_array_append_and_take_value (&list, &item);
    }
    media_sequence = st.index->segments ().empty ()? st.index->next_sequence () :
        st.index->segments ().front ().sequence;
    discontinuity_sequence = st.index->discontinuity_sequence ();
  }
  GstStructure *result = gst_structure_new ("dvr-segments",
      "media-sequence", G_TYPE_UINT64, media_sequence,
      "discontinuity-sequence", G_TYPE_UINT64, discontinuity_sequence, NULL);
  gst_structure_take_value (result, "segments", &list);
  return result;
}

gchar *
gst_dvr_index_render_playlist (GstDvrIndex * self, gint64 start_us, gint64 end_us)
{
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  const State & st = self->priv->state;
  if (!st.index || end_us <= start_us)
    return nullptr;
  std::deque < dvr::Segment > range = st.index->segments_between (start_us, end_us);
  if (range.empty ())
    return nullptr;
  dvr::PlaylistHeader header;
  header.target_duration_s = dvr::target_duration_for (range,
      st.index->options ().segment_duration_s);
  header.media_sequence = range.front ().sequence;
  header.endlist = true;
  header.vod = true;
  return g_strdup (dvr::render_playlist (range, header).c_str ());
}

static GstStructure *
stats_structure (GstDvrIndex * self)
{
  std::lock_guard < std::mutex > lock (self->priv->state_lock);
  const State & st = self->priv->state;
  return gst_structure_new ("dvr-stats",
      "segments-written", G_TYPE_UINT64, st.segments_written,
      "bytes-written", G_TYPE_UINT64, st.bytes_written,
      "discontinuities", G_TYPE_UINT64, st.discontinuities,
      "clock-steps", G_TYPE_UINT64, st.clock_steps,
      "segments-listed", G_TYPE_UINT64, (guint64) (st.index ? st.index->segments ().size () : 0),
      "next-sequence", G_TYPE_UINT64, (guint64) (st.index ? st.index->next_sequence () : 0),
      "last-segment-wall-clock", G_TYPE_INT64, st.last_segment_wall_us,
      "storage-state", G_TYPE_STRING, dvr::storage_fault_name (st.space.fault),
      "segments-freed-for-space", G_TYPE_UINT64, (guint64) st.space.freed_segments,
      "segments-dropped-no-space", G_TYPE_UINT64, (guint64) st.space.dropped_no_space,
      "segments-dropped-unwritable", G_TYPE_UINT64, (guint64) st.space.dropped_unwritable, NULL);
}

static void
gst_dvr_index_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstDvrIndex *self = GST_DVR_INDEX (object);
  std::lock_guard < std::mutex > lock (self->priv->settings_lock);
  Settings & s = self->priv->settings;
  switch (prop_id) {
    case PROP_LOCATION:
      s.location = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_PLAYLIST_NAME:{
      const gchar *name = g_value_get_string (value);
      if (name && dvr::is_safe_filename (name) && g_str_has_suffix (name, ".m3u8"))
        s.playlist_name = name;
      else
        g_warning ("dvrindex: playlist-name must be a plain file name ending in .m3u8");
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
      s.wall_clock = (GstDvrWallClock) g_value_get_enum (value);
      break;
    case PROP_CLOCK_TOLERANCE:
      s.clock_tolerance_ms = g_value_get_uint (value);
      break;
    case PROP_FSYNC:
      s.fsync = g_value_get_boolean (value);
      break;
    case PROP_WRITER_LOCATION:
      s.writer_location = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_STORAGE_GROUP:
      s.storage_group = g_value_get_string (value) ? g_value_get_string (value) : "";
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
gst_dvr_index_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  GstDvrIndex *self = GST_DVR_INDEX (object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, stats_structure (self));
    return;
  }
  std::lock_guard < std::mutex > lock (self->priv->settings_lock);
  const Settings & s = self->priv->settings;
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, s.location.empty ()? nullptr : s.location.c_str ());
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
      g_value_set_string (value, s.writer_location.empty ()? nullptr : s.writer_location.c_str ());
      break;
    case PROP_STORAGE_GROUP:
      g_value_set_string (value, s.storage_group.empty ()? nullptr : s.storage_group.c_str ());
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
gst_dvr_index_finalize (GObject * object)
{
  GstDvrIndex *self = GST_DVR_INDEX (object);
  /* Never left behind in the pool, even by an application that drops the
   * element without setting it to NULL first. */
  dvr::StoragePool::process ().leave (&self->priv->member);
  gst_caps_replace (&self->priv->state.caps, nullptr);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

void
gst_dvr_index_install_signals (GType type, GCallback get_segments, GCallback render_playlist,
    guint * ids)
{
  /**
   * GstDvrIndex::get-segments:
   * Returns: a "dvr-segments" structure: media-sequence, discontinuity-sequence, and
   * segments, an array of "segment" structures (filename, sequence,
   * wall-clock-start, program-date-time, duration, bytes, discontinuity), oldest first.
   */
  ids[0] = g_signal_new_class_handler ("get-segments", type,
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), get_segments, NULL, NULL, NULL,
      GST_TYPE_STRUCTURE, 0);
  /**
   * GstDvrIndex::render-playlist:
   * @start: wall clock, UNIX microseconds
   * @end: wall clock, UNIX microseconds
   * Returns: a VOD playlist (EXT-X-ENDLIST, PROGRAM-DATE-TIME) of the segments on disk, archive included,
   * overlapping [start, end), or NULL if there are none.
   */
  ids[1] = g_signal_new_class_handler ("render-playlist", type,
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), render_playlist, NULL, NULL, NULL,
      G_TYPE_STRING, 2, G_TYPE_INT64, G_TYPE_INT64);
}

void
gst_dvr_index_install_properties (GObjectClass * gobject_class, guint first_prop)
{
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY);
  guint id = first_prop;
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_string ("location", "Folder",
          "Recording folder: segments, journal and playlist (created if missing)",
          DEFAULT_LOCATION, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_string ("playlist-name", "Playlist name",
          "File name of the live playlist in the folder", DEFAULT_PLAYLIST_NAME, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("segment-duration", "Segment duration",
          "Target segment duration in seconds; segments are cut at the first keyframe "
          "at or after it, less a tenth (200 ms at most) for timestamp jitter", 1, 3600, DEFAULT_SEGMENT_DURATION, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("window", "Window",
          "Seconds the live playlist lists: how far the live view can rewind, by wall clock "
          "(0 lists everything)", 0, G_MAXUINT, DEFAULT_WINDOW, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint64 ("max-bytes", "Maximum bytes",
          "Cap in bytes on the footage on disk, oldest leaves first (0 = no cap)", 0,
          G_MAXUINT64, DEFAULT_MAX_BYTES, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_int64 ("retention", "Retention",
          "Seconds footage stays on disk, reached by time once it left the window "
          "(0 keeps everything, -1 = the window)", -1, G_MAXINT64, DEFAULT_RETENTION, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_int ("delete-grace", "Delete grace period",
          "Seconds a segment stays on disk after leaving the playlist "
          "(-1 = 3 target durations)", -1, G_MAXINT, DEFAULT_DELETE_GRACE, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_boolean ("endlist", "End list",
          "Write EXT-X-ENDLIST when the stream ends (turn off for players that must "
          "keep reloading while recording may resume)", DEFAULT_ENDLIST, rw));
  g_object_class_install_property (gobject_class, id++,
      g_param_spec_uint ("max-gap", "Maximum gap",
          "A jump in timestamps longer than this many milliseconds starts a new "
          "segment marked as a discontinuity", 1, G_MAXUINT, DEFAULT_MAX_GAP, rw));
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
          GST_TYPE_STRUCTURE, (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
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

static void
gst_dvr_index_class_init (GstDvrIndexClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_dvr_index_set_property;
  gobject_class->get_property = gst_dvr_index_get_property;
  gobject_class->finalize = gst_dvr_index_finalize;
  gst_dvr_index_install_properties (gobject_class, PROP_LOCATION);
  gst_dvr_index_install_signals (G_OBJECT_CLASS_TYPE (klass),
      G_CALLBACK (gst_dvr_index_get_segments), G_CALLBACK (gst_dvr_index_render_playlist),
      signals);
  g_object_class_install_property (gobject_class, PROP_WRITER_LOCATION,
      g_param_spec_string ("writer-location", "Writer location",
          "Without dvrsink: the file pattern of the writer downstream (as given to "
          "multifilesink, one %d), in the recording folder, e.g. DIR/.seg-%05d.part",
          NULL, (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_dvr_index_change_state);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DVR index",
      "Filter/Video", "Stamps, indexes and lists the segments of a sliding-window HLS DVR",
      "Stream DVR developers");
}

static void
gst_dvr_index_init (GstDvrIndex * self)
{
  self->priv = new GstDvrIndexPrivate ();
  gst_segment_init (&self->priv->state.segment, GST_FORMAT_TIME);
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_index_chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_dvr_index_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
