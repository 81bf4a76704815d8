#include "segment_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

struct _DvrSegmentStream
{
  GOutputStream parent;
  struct SegmentStreamState *state;
};

struct SegmentStreamState
{
  std::string path;
  int fd = -1;
  std::vector<char> buffer;
  size_t used = 0;
  guint64 bytes = 0;
  int error = 0;
  DvrContinuity *continuity = nullptr;
  size_t next_packet = 0;       /* buffer index of the next TS header to renumber */
};

#define TS_PACKET 188

/* Renumbers every whole TS header now in the buffer. The buffer holds a whole
 * number of packets when full, so a header never straddles a write-out. */
static void
renumber_packets (SegmentStreamState * st)
{
  if (!st->continuity)
    return;
  while (st->next_packet + 4 <= st->used) {
    guint8 *p = reinterpret_cast < guint8 * >(st->buffer.data () + st->next_packet);
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
      if (p[3] & 0x10) {        /* has payload: the counter goes up */
        p[3] = (p[3] & 0xf0) | c->next[pid];
        c->next[pid] = (c->next[pid] + 1) & 0x0f;
      } else {                  /* no payload: repeats the last value */
        p[3] = (p[3] & 0xf0) | ((c->next[pid] + 15) & 0x0f);
      }
    }
    st->next_packet += TS_PACKET;
  }
}

G_DEFINE_TYPE (DvrSegmentStream, dvr_segment_stream, G_TYPE_OUTPUT_STREAM);

static void
write_out (SegmentStreamState * st)
{
  const char *data = st->buffer.data ();
  size_t left = st->used;
  while (left > 0 && st->error == 0) {
    ssize_t n = ::write (st->fd, data, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      st->error = errno;
      break;
    }
    data += n;
    left -= (size_t) n;
  }
  st->next_packet = st->next_packet >= st->used ? st->next_packet - st->used : 0;
  st->used = 0;
}

static gssize
dvr_segment_stream_write_fn (GOutputStream * stream, const void *data, gsize count,
    GCancellable *, GError **)
{
  SegmentStreamState *st = DVR_SEGMENT_STREAM (stream)->state;
  if (st->error != 0 || st->fd < 0)
    return (gssize) count;
  const char *in = static_cast < const char *>(data);
  gsize left = count;
  while (left > 0) {
    size_t room = st->buffer.size () - st->used;
    size_t n = MIN (room, left);
    memcpy (st->buffer.data () + st->used, in, n);
    st->used += n;
    in += n;
    left -= n;
    renumber_packets (st);
    if (st->used == st->buffer.size ())
      write_out (st);
  }
  st->bytes += count;
  return (gssize) count;
}

static gboolean
dvr_segment_stream_flush (GOutputStream * stream, GCancellable *, GError **)
{
  SegmentStreamState *st = DVR_SEGMENT_STREAM (stream)->state;
  if (st->fd >= 0)
    write_out (st);
  return TRUE;
}

static gboolean
dvr_segment_stream_close_fn (GOutputStream * stream, GCancellable * cancellable, GError ** error)
{
  return dvr_segment_stream_flush (stream, cancellable, error);
}

int
dvr_segment_stream_finish (DvrSegmentStream * self)
{
  SegmentStreamState *st = self->state;
  /* The GOutputStream itself stays open: giostreamsink flushes it once more when
   * splitmuxsink stops it, and a closed stream would make that a warning. */
  if (st->fd >= 0) {
    write_out (st);
    if (st->error == 0 && ::fsync (st->fd) != 0)
      st->error = errno;
    if (::close (st->fd) != 0 && st->error == 0)
      st->error = errno;
    st->fd = -1;
  }
  return st->error;
}

guint64
dvr_segment_stream_bytes (DvrSegmentStream * self)
{
  return self->state->bytes;
}

const gchar *
dvr_segment_stream_path (DvrSegmentStream * self)
{
  return self->state->path.c_str ();
}

DvrSegmentStream *
dvr_segment_stream_new (const gchar * path, gsize buffer_size, DvrContinuity * continuity,
    GError ** error)
{
  int fd = ::open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    int err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "cannot create %s: %s", path,
        g_strerror (err));
    return nullptr;
  }
  DvrSegmentStream *self =
      DVR_SEGMENT_STREAM (g_object_new (DVR_TYPE_SEGMENT_STREAM, nullptr));
  self->state->path = path;
  self->state->fd = fd;
  /* Whole packets only, so that a TS header is never split by a write-out. */
  self->state->buffer.resize (MAX (buffer_size / TS_PACKET, 1) * TS_PACKET);
  self->state->continuity = continuity;
  return self;
}

static void
dvr_segment_stream_finalize (GObject * object)
{
  DvrSegmentStream *self = DVR_SEGMENT_STREAM (object);
  if (self->state->fd >= 0)
    ::close (self->state->fd);
  delete self->state;
  G_OBJECT_CLASS (dvr_segment_stream_parent_class)->finalize (object);
}

static void
dvr_segment_stream_class_init (DvrSegmentStreamClass * klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);
  G_OBJECT_CLASS (klass)->finalize = dvr_segment_stream_finalize;
  stream_class->write_fn = dvr_segment_stream_write_fn;
  stream_class->flush = dvr_segment_stream_flush;
  stream_class->close_fn = dvr_segment_stream_close_fn;
}

static void
dvr_segment_stream_init (DvrSegmentStream * self)
{
  self->state = new SegmentStreamState ();
}
