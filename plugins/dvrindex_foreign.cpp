/* dvrindex on its own, ahead of a foreign writer (writer-location): the
 * writer's file names, and the files it finished, synced and listed. The cuts
 * themselves are made in the chain function (gstdvrindex.cpp). */
#include "gstdvrindex-private.h"

#include <glib/gstdio.h>

#include <fcntl.h>
#include <regex>
#include <unistd.h>

/* A foreign writer's file is complete; make it durable (if asked) and learn its size. */
static bool
sync_foreign_file (const std::string &path, bool durable, guint64 *bytes)
{
  int fd = g_open (path.c_str (), O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    return false;
  GStatBuf st;
  bool ok = fstat (fd, &st) == 0 && (!durable || fsync (fd) == 0);
  *bytes = ok ? (guint64)st.st_size : 0;
  close (fd);
  return ok;
}

/* Standalone: lists every finished segment whose successor's file exists,
 * since the writer opens the next file only after closing the previous one. */
void
dvr_index_detail::commit_finished_files_locked (
    GstDvrIndex *self, State &st, std::vector<CommitReport> &out, bool all)
{
  while (!st.pending.empty () && st.pending.front ().end_rt != G_MININT64) {
    if (!all &&
        (st.pending.size () < 2 ||
            !g_file_test (st.pending[1].path.c_str (), G_FILE_TEST_EXISTS)))
      break;
    guint64 bytes = 0;
    if (!sync_foreign_file (
            st.pending.front ().path, st.index->options ().fsync, &bytes)) {
      CommitReport r;
      r.ok = false;
      r.folder = st.index->options ().folder;
      r.error = "the writer left no file " + st.pending.front ().path;
      st.pending.pop_front ();
      st.discontinuity_pending = true;
      out.push_back (r);
      continue;
    }
    out.push_back (
        commit_front_locked (self, st, st.pending.front ().end_rt, bytes));
  }
}

/* The writer's file name for its file number n: writer-location holds one %d. */
std::string
dvr_index_detail::writer_file (const std::string &pattern, guint n)
{
  size_t pos = pattern.find ('%');
  size_t end = pattern.find ('d', pos);
  std::string width = pattern.substr (pos + 1, end - pos - 1);
  std::string number = std::to_string (n);
  size_t w = width.empty () ? 0 : (size_t)std::stoul (width);
  if (number.size () < w)
    number.insert (0, w - number.size (), '0');
  return pattern.substr (0, pos) + number + pattern.substr (end + 1);
}

bool
dvr_index_detail::valid_writer_pattern (const std::string &pattern)
{
  static const std::regex one_number ("^[^%]*%0?[0-9]?d[^%]*$");
  return std::regex_match (pattern, one_number);
}
