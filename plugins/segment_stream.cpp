#include "segment_stream.h"

#include <cerrno>

#include "segment_file.h"

struct _DvrSegmentStream
{
  GOutputStream parent;
  struct SegmentStreamState *state;
};

struct SegmentStreamState
{
  explicit SegmentStreamState (gsize buffer_size) : file (buffer_size) {}
  dvr::SegmentFile file;
  DvrContinuity *continuity = nullptr;
  size_t next_packet = 0; /* buffer index of the next TS header to renumber */
};

/* Renumbers every whole TS header now in the buffer. The buffer holds a whole
 * number of packets when full, so a header never straddles a write-out. */
static void
renumber_packets (SegmentStreamState *st)
{
  if (!st->continuity)
    return;
  while (st->next_packet + 4 <= st->file.used ()) {
    guint8 *p = st->file.data () + st->next_packet;
    if (p[0] != 0x47) {
      /* Not packet-aligned TS: leave the rest of this segment alone. */
      st->continuity = nullptr;
      return;
    }
    const guint pid = ((p[1] & 0x1f) << 8) | p[2];
    DvrContinuity *c = st->continuity;
    if (pid != 0x1fff) {
      if (!c->seen[pid]) {
        c->seen[pid] = TRUE;
        c->next[pid] = p[3] & 0x0f;
      }
      if (p[3] & 0x10) { /* has payload: the counter goes up */
        p[3] = (p[3] & 0xf0) | c->next[pid];
        c->next[pid] = (c->next[pid] + 1) & 0x0f;
      } else { /* no payload: repeats the last value */
        p[3] = (p[3] & 0xf0) | ((c->next[pid] + 15) & 0x0f);
      }
    }
    st->next_packet += dvr::kTsPacketSize;
  }
}

G_DEFINE_TYPE (DvrSegmentStream, dvr_segment_stream, G_TYPE_OUTPUT_STREAM);

static void
write_out (SegmentStreamState *st)
{
  st->next_packet = st->next_packet >= st->file.used ()
                        ? st->next_packet - st->file.used ()
                        : 0;
  st->file.flush ();
}

static gssize
dvr_segment_stream_write_fn (GOutputStream *stream, const void *data,
    gsize count, GCancellable *, GError **)
{
  SegmentStreamState *st = DVR_SEGMENT_STREAM (stream)->state;
  if (!st->file.is_open ())
    return (gssize)count;
  const char *in = static_cast<const char *> (data);
  gsize left = count;
  while (left > 0) {
    if (st->file.used () == st->file.capacity ())
      write_out (st);
    size_t n = MIN (st->file.capacity () - st->file.used (), left);
    st->file.append (in, n);
    in += n;
    left -= n;
    renumber_packets (st);
  }
  return (gssize)count;
}

static gboolean
dvr_segment_stream_flush (GOutputStream *stream, GCancellable *, GError **)
{
  SegmentStreamState *st = DVR_SEGMENT_STREAM (stream)->state;
  if (st->file.is_open ())
    write_out (st);
  return TRUE;
}

static gboolean
dvr_segment_stream_close_fn (
    GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return dvr_segment_stream_flush (stream, cancellable, error);
}

int
dvr_segment_stream_finish (DvrSegmentStream *self)
{
  /* The GOutputStream itself stays open: giostreamsink flushes it once more when
   * splitmuxsink stops it, and a closed stream would make that a warning. */
  return self->state->file.finish ();
}

void
dvr_segment_stream_set_no_space_func (
    DvrSegmentStream *self, gboolean (*func) (gpointer data), gpointer data)
{
  self->state->file.set_no_space_handler (
      [func, data] { return func (data) != FALSE; });
}

guint64
dvr_segment_stream_bytes (DvrSegmentStream *self)
{
  return self->state->file.bytes ();
}

const gchar *
dvr_segment_stream_path (DvrSegmentStream *self)
{
  return self->state->file.path ().c_str ();
}

DvrSegmentStream *
dvr_segment_stream_new (const gchar *path, gsize buffer_size, gboolean durable,
    DvrContinuity *continuity, GError **error)
{
  auto state = new SegmentStreamState (buffer_size);
  int err = state->file.open (path, durable);
  if (err != 0) {
    delete state;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
        "cannot create %s: %s", path, g_strerror (err));
    return nullptr;
  }
  DvrSegmentStream *self =
      DVR_SEGMENT_STREAM (g_object_new (DVR_TYPE_SEGMENT_STREAM, nullptr));
  delete self->state;
  self->state = state;
  self->state->continuity = continuity;
  return self;
}

static void
dvr_segment_stream_finalize (GObject *object)
{
  DvrSegmentStream *self = DVR_SEGMENT_STREAM (object);
  delete self->state;
  G_OBJECT_CLASS (dvr_segment_stream_parent_class)->finalize (object);
}

static void
dvr_segment_stream_class_init (DvrSegmentStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = dvr_segment_stream_finalize;
  stream_class->write_fn = dvr_segment_stream_write_fn;
  stream_class->flush = dvr_segment_stream_flush;
  stream_class->close_fn = dvr_segment_stream_close_fn;
}

static void
dvr_segment_stream_init (DvrSegmentStream *self)
{
  self->state = new SegmentStreamState (0);
}
