/* A GOutputStream over a file descriptor with a large buffer, for one segment.
 *
 * giostreamsink writes every buffer the muxer pushes (often a single 188-byte TS
 * packet); this stream turns them into a few large write()s. It never fails a
 * write: an I/O error (ENOSPC above all) is remembered and the rest of the
 * segment dropped, so that the pipeline keeps running and dvrsink can abandon
 * just this segment once it closes. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DVR_TYPE_SEGMENT_STREAM (dvr_segment_stream_get_type ())
G_DECLARE_FINAL_TYPE (
    DvrSegmentStream, dvr_segment_stream, DVR, SEGMENT_STREAM, GOutputStream)

/* MPEG-TS continuity counters carried from one segment to the next, so that
 * segments join into one stream as a demuxer reading them in turn expects (each
 * segment's muxer would start every PID at 0 again). */
typedef struct
{
  guint8 next[8192];
  gboolean seen[8192];
} DvrContinuity;

/* Creates path exclusively; NULL with error on failure. durable: synced to
 * disk at finish (see dvr::SegmentFile::open). continuity, if not NULL, is
 * renumbered through and must outlive the stream. */
DvrSegmentStream *dvr_segment_stream_new (const gchar *path, gsize buffer_size,
    gboolean durable, DvrContinuity *continuity, GError **error);
/* Flushes, syncs to disk if durable and closes the file; later writes are dropped. Returns 0, or
 * the first errno seen. */
int dvr_segment_stream_finish (DvrSegmentStream *self);
/* Called when a write finds the disk full; returns TRUE if it made room and
 * the write is worth trying again (see dvr::SegmentFile). */
void dvr_segment_stream_set_no_space_func (
    DvrSegmentStream *self, gboolean (*func) (gpointer data), gpointer data);
guint64 dvr_segment_stream_bytes (DvrSegmentStream *self);
const gchar *dvr_segment_stream_path (DvrSegmentStream *self);

G_END_DECLS
