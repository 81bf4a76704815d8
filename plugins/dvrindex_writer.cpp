/* dvrindex: its side of the writer protocol (gstdvrindex-writer.h). A segment
 * begins, is committed (renamed, journaled, listed, announced) or abandoned;
 * a disk that fills costs the oldest footage, and the "dvr-storage" message
 * says how the storage stands. */
#include "gstdvrindex-private.h"

#include <glib/gstdio.h>

#include "playlist.h"

/* What a write that failed for lack of space frees at least, for a recording
 * with no segment yet to size its headroom by: a 2 s segment at 4 Mbit/s. */
#define FALLBACK_SEGMENT_BYTES (1024 * 1024)

/* Registers a segment whose first frame has running time start, written to path. */
void
dvr_index_detail::begin_segment_locked (
    GstDvrIndex *self, State &st, gint64 start, const std::string &path)
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
      GST_STIME_ARGS (start), seg.path.c_str (),
      seg.discontinuity ? " (discontinuity)" : "");
  st.pending.push_back (seg);
}

gchar *
gst_dvr_index_begin_segment (GstDvrIndex *self, GstClockTime start)
{
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  State &st = self->priv->state;
  if (!st.index)
    return nullptr;
  std::string path = st.index->temporary_path ();
  begin_segment_locked (self, st, (gint64)start, path);
  return g_strdup (path.c_str ());
}

gboolean
gst_dvr_index_fsync (GstDvrIndex *self)
{
  std::lock_guard<std::mutex> lock (self->priv->state_lock);
  State &st = self->priv->state;
  return st.index ? st.index->options ().fsync : TRUE;
}

static GstMessage *
segment_added_message (
    GstDvrIndex *self, const std::string &folder, const dvr::Segment &s)
{
  GstStructure *fields = segment_structure (GST_DVR_SEGMENT_ADDED_MESSAGE, s);
  std::string location = folder + "/" + s.filename;
  gst_structure_set (
      fields, "location", G_TYPE_STRING, location.c_str (), NULL);
  return gst_message_new_element (GST_OBJECT (self), fields);
}

/* Bytes this recording wants kept free, where the pool reads them without the lock. */
void
dvr_index_detail::update_headroom_locked (
    GstDvrIndexPrivate *priv, const State &st)
{
  /* Nothing to size it by before the first segment: no guess, which on a
   * small disk would free footage for nothing. */
  const guint64 fallback =
      st.segments_written > 0 ? st.bytes_written / st.segments_written : 0;
  priv->member.headroom =
      st.index ? dvr::headroom_bytes (st.index->segments (), fallback) : 0;
}

/* The "dvr-storage" facts: what the disk did to this recording. */
static GstStructure *
storage_structure_locked (const State &st, gint64 free_bytes)
{
  const dvr::SpaceAccount &a = st.space;
  gint64 oldest = -1;
  gdouble retained = 0;
  if (st.index && !st.index->segments ().empty ()) {
    oldest = st.index->segments ().front ().start_us;
    retained = (st.index->segments ().back ().end_us () - oldest) / 1e6;
  }
  std::string pdt = oldest >= 0 ? dvr::format_program_date_time (oldest) : "";
  return gst_structure_new (GST_DVR_STORAGE_MESSAGE, "state", G_TYPE_STRING,
      dvr::storage_fault_name (a.fault), "folder", G_TYPE_STRING,
      st.index ? st.index->options ().folder.c_str () : "", "free-bytes",
      G_TYPE_INT64, free_bytes, "freed-segments", G_TYPE_UINT64,
      (guint64)a.episode_freed_segments, "freed-bytes", G_TYPE_UINT64,
      (guint64)a.episode_freed_bytes, "dropped-segments", G_TYPE_UINT64,
      (guint64)a.episode_dropped_segments, "oldest", G_TYPE_INT64, oldest,
      "oldest-program-date-time", G_TYPE_STRING, pdt.c_str (),
      "retained-seconds", G_TYPE_DOUBLE, retained, "total-freed-segments",
      G_TYPE_UINT64, (guint64)a.freed_segments, "total-dropped-no-space",
      G_TYPE_UINT64, (guint64)a.dropped_no_space, "total-dropped-unwritable",
      G_TYPE_UINT64, (guint64)a.dropped_unwritable, NULL);
}

/* Posts what changed in the storage's state: the start of a full disk (a
 * warning with the facts, and the message), or its end. */
static void
post_space_news (
    GstDvrIndex *self, const dvr::StoragePool::Outcome &out, bool committed)
{
  GstStructure *fields = nullptr;
  bool started = false;
  std::string folder;
  {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    State &st = self->priv->state;
    if (!st.index)
      return;
    folder = st.index->options ().folder;
    dvr::SpaceAccount &a = st.space;
    if (a.fault == dvr::StorageFault::kFull && a.unreported) {
      a.unreported = false;
      a.announced = true;
      started = true;
      fields = storage_structure_locked (st, out.free_bytes);
    } else if (!a.announced && committed) {
      /* The first segment says how the storage stands. */
      a.announced = true;
      fields = storage_structure_locked (st, out.free_bytes);
    } else if (a.fault == dvr::StorageFault::kFull && !out.short_of_space &&
               out.free_bytes >= 0 &&
               (guint64)out.free_bytes >= 2 * out.headroom) {
      /* Room for twice the headroom without freeing anything: space is back. */
      a.fault = dvr::StorageFault::kNone;
      fields = storage_structure_locked (st, out.free_bytes);
      a.episode_freed_segments = a.episode_freed_bytes =
          a.episode_dropped_segments = 0;
    } else if (committed && a.fault != dvr::StorageFault::kNone &&
               a.fault != dvr::StorageFault::kFull) {
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
    const gchar *oldest =
        gst_structure_get_string (fields, "oldest-program-date-time");
    GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, NO_SPACE_LEFT,
        ("The disk holding %s is full: freed the oldest %" G_GUINT64_FORMAT
         " segments (%" G_GUINT64_FORMAT
         " bytes), footage now from %s; recording goes on",
            folder.c_str (), segments, bytes,
            oldest && *oldest ? oldest : "nothing kept"),
        ("%" G_GINT64_FORMAT " bytes free, %" G_GUINT64_FORMAT " wanted",
            out.free_bytes, out.headroom),
        ("details", GST_TYPE_STRUCTURE, fields, NULL));
  } else {
    GST_INFO_OBJECT (self, "storage of %s: %s", folder.c_str (),
        gst_structure_get_string (fields, "state"));
  }
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), fields));
}

/* Keeps room for the next segments on a disk that ran short (see
 * storage_pool.h) and says what it cost. No lock may be held. */
static gboolean
keep_headroom (GstDvrIndex *self, bool forced, bool committed)
{
  GstDvrIndexPrivate *priv = self->priv;
  if (!priv->in_pool)
    return FALSE;
  dvr::StoragePool::Outcome out = dvr::StoragePool::process ().keep_headroom (
      &priv->member, g_get_real_time (), forced,
      FALLBACK_SEGMENT_BYTES * dvr::kHeadroomSegments);
  if (out.freed_bytes > 0)
    GST_INFO_OBJECT (self,
        "%" G_GINT64_FORMAT " bytes free, %" G_GUINT64_FORMAT
        " wanted: freed %" G_GSIZE_FORMAT " segments, %" G_GUINT64_FORMAT
        " bytes",
        out.free_bytes, out.headroom, out.freed_segments, out.freed_bytes);
  if (out.for_min_free && out.freed_segments > 0) {
    /* Not a fault: the disk-wide retention did its work. The application
     * (the launcher's log) says what went. */
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("dvr-min-free", "free-bytes", G_TYPE_INT64,
                (gint64)out.free_bytes, "min-free", G_TYPE_UINT64,
                (guint64)out.min_free, "freed-segments", G_TYPE_UINT64,
                (guint64)out.freed_segments, "freed-bytes", G_TYPE_UINT64,
                (guint64)out.freed_bytes, NULL)));
    return TRUE;
  }
  post_space_news (self, out, committed);
  return out.freed_bytes > 0;
}

gboolean
gst_dvr_index_make_room (GstDvrIndex *self)
{
  return keep_headroom (self, true, false);
}

/* Says that the folder cannot be written, and why, in the message
 * applications read: posted before the error that stops the recording. */
static void
post_unwritable (GstDvrIndex *self, dvr::StorageFault fault)
{
  GstStructure *fields;
  {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    State &st = self->priv->state;
    st.space.fault = fault;
    st.space.dropped_unwritable++;
    fields = storage_structure_locked (
        st, st.index ? dvr::filesystem_free_bytes (st.index->options ().folder)
                     : -1);
  }
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), fields));
}

void
dvr_index_detail::post_report (GstDvrIndex *self, CommitReport &r)
{
  const bool listed = r.message != nullptr;
  if (r.message)
    gst_element_post_message (GST_ELEMENT (self), r.message);
  r.message = nullptr;
  if (!r.ok && r.passing) {
    keep_headroom (self, true, false);
    GST_ELEMENT_WARNING (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not record a segment in folder %s; recording goes on",
            r.folder.c_str ()),
        ("%s", r.error.c_str ()));
  } else if (!r.ok) {
    if (r.fault != dvr::StorageFault::kNone) {
      post_unwritable (self, r.fault);
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Could not record into folder %s: %s", r.folder.c_str (),
              dvr::storage_fault_words (r.fault)),
          ("%s", r.error.c_str ()));
    } else {
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Could not record into folder %s", r.folder.c_str ()),
          ("%s", r.error.c_str ()));
    }
  } else if (listed) {
    keep_headroom (self, false, true);
  }
}

/* Lists the oldest pending segment, which ends at running time end_rt. */
CommitReport
dvr_index_detail::commit_front_locked (
    GstDvrIndex *self, State &st, gint64 end_rt, guint64 bytes)
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
gst_dvr_index_commit_segment (
    GstDvrIndex *self, const gchar *path, GstClockTime end, guint64 bytes)
{
  CommitReport r;
  {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    State &st = self->priv->state;
    if (!st.index || st.pending.empty () || st.pending.front ().path != path) {
      GST_WARNING_OBJECT (self, "commit of unknown segment %s ignored", path);
      return FALSE;
    }
    r = commit_front_locked (self, st, (gint64)end, bytes);
  }
  post_report (self, r);
  return r.ok;
}

static void
finish_stream (GstDvrIndex *self)
{
  std::string error;
  bool ok;
  {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    if (!self->priv->state.index)
      return;
    ok = self->priv->state.index->end_stream (&error);
  }
  if (!ok)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not finish the playlist"), ("%s", error.c_str ()));
}

void
gst_dvr_index_set_writer (
    GstDvrIndex *self, GstElement *writer, GstDvrIndexWriterSplitFunc split)
{
  WriterRef &w = self->priv->writer;
  g_weak_ref_set (&w.element, writer);
  w.split = writer ? split : nullptr;
}

void
dvr_index_detail::ask_writer_to_split (GstDvrIndex *self)
{
  WriterRef &w = self->priv->writer;
  const GstDvrIndexWriterSplitFunc split = w.split;
  GstElement *writer = GST_ELEMENT (g_weak_ref_get (&w.element));
  if (!writer)
    return;
  if (split)
    split (writer);
  gst_object_unref (writer);
}

void
gst_dvr_index_abandon_segment (
    GstDvrIndex *self, const gchar *path, int error_number)
{
  std::string folder;
  dvr::StorageFault fault = dvr::fault_of_errno (error_number);
  bool passing = fault == dvr::StorageFault::kFull;
  {
    std::lock_guard<std::mutex> lock (self->priv->state_lock);
    State &st = self->priv->state;
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
      passing = fault == dvr::StorageFault::kFull ||
                (fault == dvr::StorageFault::kIoError &&
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
            folder.c_str (), g_strerror (error_number)),
        ("%s", path));
  } else if (passing) {
    post_unwritable (self, fault);
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not write a segment in folder %s (%s): it was dropped, recording goes on",
            folder.c_str (), dvr::storage_fault_words (fault)),
        ("%s: %s", path, g_strerror (error_number)));
  } else {
    post_unwritable (self, fault);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write a segment in folder %s: %s", folder.c_str (),
            dvr::storage_fault_words (fault)),
        ("%s: %s", path, g_strerror (error_number)));
  }
}

void
gst_dvr_index_finish (GstDvrIndex *self)
{
  finish_stream (self);
}
