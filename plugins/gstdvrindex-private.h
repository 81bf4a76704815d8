/* What the files of dvrindex share: the element's private state, its debug
 * category, and the functions one file offers the others.
 *
 *  gstdvrindex.cpp       the element: pads, chain, events, state changes,
 *                        properties, class init
 *  dvrindex_clock.cpp    the wall clock: local and camera clock capture,
 *                        clock-step observation and its messages
 *  dvrindex_writer.cpp   the writer protocol (gstdvrindex-writer.h) and the
 *                        storage messages
 *  dvrindex_foreign.cpp  the standalone mode ahead of a foreign writer
 *  dvrindex_api.cpp      the application API: action signals, stats, properties
 */
#pragma once

#include "gstdvrindex.h"

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "defaults.h"
#include "gstdvrindex-writer.h"
#include "recording_index.h"
#include "storage_pool.h"
#include "timeline.h"

GST_DEBUG_CATEGORY_EXTERN (dvr_index_debug);
#define GST_CAT_DEFAULT dvr_index_debug

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

/* A clock step is at least this far off the timeline, whatever clock-tolerance
 * says: below, timestamp jitter would pass for steps. */
#define MIN_CLOCK_STEP_US (500 * G_USEC_PER_SEC / 1000)

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
  gint64 end_rt = G_MININT64; /* standalone: known when the next one begins */
};

enum class CameraClockState
{
  Unread,
  Agrees,
  Refused,
};

struct State
{
  std::unique_ptr<dvr::RecordingIndex> index;
  GstSegment segment;
  GstCaps *caps = nullptr;
  bool caps_changed = false;
  bool have_first = false;
  gint64 offset = 0;       /* added to input running times (ns) */
  gint64 last_in_rt = 0;   /* of the previous buffer, decode order */
  gint64 last_out_end = 0; /* furthest pts + duration on the output timeline */
  gint64 last_frame_duration = 40 * GST_MSECOND;
  bool split_at_next_keyframe = false;
  bool eos = false;
  bool discontinuity_pending = false; /* after an abandoned segment */
  /* Standalone (ahead of a foreign writer): dvrindex decides the boundaries. */
  bool standalone = false;
  guint file_index = 0; /* the writer's file counter */
  /* The camera's clock as last read: not yet (no sender report has reached
   * a frame), agreeing with the local clock and in use, or refused. Only a
   * clock that was in use can step: one that is off from its first reading is
   * simply wrong, and the recording stays on the local clock. */
  CameraClockState camera_clock = CameraClockState::Unread;
  /* A camera clock just refused without a step, by how much (µs), until the
   * message "dvr-camera-clock-off" says so. */
  std::optional<gint64> camera_off_unsaid;
  gint64 last_begin_rt = G_MININT64;
  /* Each segment's wall clock: an anchor plus running time (timeline.h). */
  dvr::Timeline timeline{DEFAULT_CLOCK_TOLERANCE * 1000};
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

/* The registered writer, held weakly: dvrsink replaces its writer when the
 * writer property changes, and the index never keeps a removed one alive. */
struct WriterRef
{
  WriterRef () { g_weak_ref_init (&element, nullptr); }
  ~WriterRef () { g_weak_ref_clear (&element); }
  GWeakRef element;
  std::atomic<GstDvrIndexWriterSplitFunc> split{nullptr};
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
  /* The writer registered with gst_dvr_index_set_writer(): none, standalone. */
  dvr_index_detail::WriterRef writer;
  /* This recording in the process's storage pool while its folder is open. */
  dvr::StoragePool::Member member;
  std::atomic<bool> in_pool{false};
};

namespace dvr_index_detail {

/* What an observation of the clocks found, for the caller to post once the
 * state lock is released. */
struct ClockNews
{
  std::optional<gint64>
      camera_off_us; /* the camera's clock refused, so far off */
  bool step = false;
  bool camera = false; /* the camera's clock stepped, not this machine's */
  gint64 step_us = 0;
  gint64 before_us = 0; /* the timeline's wall clock at the step */
  gint64 after_us = 0;  /* the clock's reading there */
  guint64 total = 0;
  std::string folder;
};

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

/* dvrindex_clock.cpp */
gboolean capture_wall_clock (GstDvrIndex *self, gint64 in_rt, gint64 *wall_us);
bool camera_wall_clock (GstDvrIndex *self, GstBuffer *buf,
    const Settings &settings, State &st, gint64 local_us, gint64 *wall_us);
ClockNews observe_clock_locked (GstDvrIndex *self, GstBuffer *buf,
    const Settings &settings, State &st, gint64 in_rt, gint64 out_rt);
void post_clock_news (GstDvrIndex *self, const ClockNews &news);
void post_clock_implausible (GstDvrIndex *self,
    const dvr::RecordingIndex *index, const dvr::RecordingOptions &options,
    gint64 now_us);

/* dvrindex_writer.cpp */
void begin_segment_locked (
    GstDvrIndex *self, State &st, gint64 start, const std::string &path);
void update_headroom_locked (GstDvrIndexPrivate *priv, const State &st);
void post_report (GstDvrIndex *self, CommitReport &r);
CommitReport commit_front_locked (
    GstDvrIndex *self, State &st, gint64 end_rt, guint64 bytes);
/* Calls the registered writer's split entry point; no lock may be held. */
void ask_writer_to_split (GstDvrIndex *self);

/* dvrindex_foreign.cpp */
void commit_finished_files_locked (
    GstDvrIndex *self, State &st, std::vector<CommitReport> &out, bool all);
std::string writer_file (const std::string &pattern, guint n);
bool valid_writer_pattern (const std::string &pattern);

/* dvrindex_api.cpp */
GstStructure *segment_structure (const char *name, const dvr::Segment &s);
GstStructure *stats_structure (GstDvrIndex *self);

}  // namespace dvr_index_detail
