/* The protocol between dvrindex and a segment writer in the same bin (dvrsink).
 *
 * dvrindex owns the folder: it names every file and lists it. The writer
 * (dvrsink's own MPEG-TS writer, gstdvrtswriter.h, or for writer=mpegtsmux the
 * splitmuxsink that dvrsink drives) decides where segments start. A segment's
 * life reads in one direction, writer to index:
 *  0. The writer registers with the index, gst_dvr_index_set_writer(), while
 *     the index is in NULL or READY, giving its split entry point. An index
 *     with a writer follows the writer's cuts; one without cuts on its own,
 *     ahead of a foreign writer (its writer-location property).
 *  1. When the writer starts a segment whose first buffer has running time
 *     `start`, it calls gst_dvr_index_begin_segment() and writes to the path it
 *     returns (a hidden temporary in the folder).
 *  2. When that segment is complete, written, synced to disk (if
 *     gst_dvr_index_fsync()) and closed, it calls
 *     gst_dvr_index_commit_segment() with its end running time and size; dvrindex
 *     renames, journals and lists it and posts "dvr-segment-added". Segments are
 *     committed in the order they began.
 *  3. If writing failed, gst_dvr_index_abandon_segment() with the error number;
 *     dvrindex removes the temporary, frees space on ENOSPC, and marks the next
 *     segment as a discontinuity. A write that fails for lack of space may
 *     first call gst_dvr_index_make_room() and try again.
 *  4. After EOS, once its last segment is committed, gst_dvr_index_finish().
 * After a discontinuity dvrindex asks the registered writer to cut a segment at
 * the keyframe it just pushed: it calls the writer's split entry point from its
 * streaming thread, right after the push, with none of its own locks held. The
 * entry point only notes the request; the cut itself goes through 1 and 2.
 * All calls are thread-safe; none may be made with the writer's own lock held.
 */
#pragma once

#include "gstdvrindex.h"

G_BEGIN_DECLS

/* A writer's split entry point: cut a segment at the keyframe just received
 * (or the next one to be written). */
typedef void (*GstDvrIndexWriterSplitFunc) (GstElement *writer);

/* Registers the segment writer the index works with (step 0 above); the index
 * holds it weakly. A later call replaces it; a NULL writer leaves the index on
 * its own. */
void gst_dvr_index_set_writer (
    GstDvrIndex *self, GstElement *writer, GstDvrIndexWriterSplitFunc split);
/* Whether the open folder syncs segments to disk (the fsync property): the
 * writer then syncs each file before committing it. */
gboolean gst_dvr_index_fsync (GstDvrIndex *self);
/* Returns a newly allocated path, or NULL (with an element error posted) if the
 * folder is not open. */
gchar *gst_dvr_index_begin_segment (GstDvrIndex *self, GstClockTime start);
gboolean gst_dvr_index_commit_segment (
    GstDvrIndex *self, const gchar *path, GstClockTime end, guint64 bytes);
void gst_dvr_index_abandon_segment (
    GstDvrIndex *self, const gchar *path, int error_number);
/* A write just failed for lack of space: frees the oldest footage (this
 * recording's, or its storage group's) for the next few segments. TRUE if
 * anything was freed, so that the write is worth trying again. */
gboolean gst_dvr_index_make_room (GstDvrIndex *self);
/* The writer finished after EOS and committed its last segment. */
void gst_dvr_index_finish (GstDvrIndex *self);

/* The first keyframe at least this far into a segment ends it: a tenth of the
 * target duration short of it, 200 ms at most. Camera timestamps jitter by tens
 * of milliseconds, and a keyframe interval equal to the segment duration must
 * not double a segment (and the delay before it is listed) whenever a keyframe
 * lands a little early. */
static inline gint64
gst_dvr_index_split_threshold (gint64 segment_duration)
{
  return segment_duration -
         MIN (segment_duration / 10, 200 * (gint64)GST_MSECOND);
}

/* Installs dvrindex's folder and retention properties on another class (dvrsink
 * forwards them), with consecutive ids from first_prop, in this order: location,
 * playlist-name, segment-duration, window, max-bytes, retention, delete-grace, endlist,
 * max-gap, wall-clock, clock-tolerance, fsync, stats, storage-group, min-free. */
#define GST_DVR_INDEX_N_PROPERTIES 15
void gst_dvr_index_install_properties (
    GObjectClass *gobject_class, guint first_prop);

/* The index API for applications, as action signals (dvrsink forwards them). */
GstStructure *gst_dvr_index_get_segments (GstDvrIndex *self);
gchar *gst_dvr_index_render_playlist (
    GstDvrIndex *self, gint64 start_us, gint64 end_us);
void gst_dvr_index_install_signals (
    GType type, GCallback get_segments, GCallback render_playlist, guint *ids);

G_END_DECLS
