#include "disk_space.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <limits>

namespace dvr {

StorageFault fault_of_errno(int error_number) {
  switch (error_number) {
    case 0:
      return StorageFault::kNone;
    case ENOSPC:
    case EDQUOT:
      return StorageFault::kFull;
    case EROFS:
      return StorageFault::kReadOnly;
    case ENOENT:
    case ENOTDIR:
    case ESTALE:
      return StorageFault::kFolderMissing;
    case EIO:
      return StorageFault::kIoError;
    default:
      return StorageFault::kOther;
  }
}

StorageFault diagnose_write_error(const std::string &folder, int error_number) {
  // Before the folder's existence: a folder that could not be made on a
  // read-only filesystem is missing because the filesystem is read-only.
  if (error_number == EROFS) return StorageFault::kReadOnly;
  struct stat st;
  if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return StorageFault::kFolderMissing;
  struct statvfs vfs;
  if (::statvfs(folder.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return StorageFault::kReadOnly;
  return fault_of_errno(error_number);
}

const char *storage_fault_name(StorageFault fault) {
  switch (fault) {
    case StorageFault::kNone:
      return "ok";
    case StorageFault::kFull:
      return "full";
    case StorageFault::kReadOnly:
      return "read-only";
    case StorageFault::kFolderMissing:
      return "folder-missing";
    case StorageFault::kIoError:
      return "io-error";
    case StorageFault::kOther:
      return "error";
  }
  return "error";
}

const char *storage_fault_words(StorageFault fault) {
  switch (fault) {
    case StorageFault::kNone:
      return "it can be written";
    case StorageFault::kFull:
      return "the disk is full";
    case StorageFault::kReadOnly:
      return "the filesystem is read-only";
    case StorageFault::kFolderMissing:
      return "the folder is missing";
    case StorageFault::kIoError:
      return "the disk reports an I/O error";
    case StorageFault::kOther:
      return "it cannot be written";
  }
  return "it cannot be written";
}

int64_t filesystem_free_bytes(const std::string &path) {
  struct statvfs vfs;
  if (::statvfs(path.c_str(), &vfs) != 0) return -1;
  return static_cast<int64_t>(vfs.f_bavail) *
         static_cast<int64_t>(vfs.f_frsize);
}

std::string filesystem_of(const std::string &path) {
  char *real = ::realpath(path.c_str(), nullptr);
  if (!real) return {};
  std::string at = real;
  ::free(real);
  struct stat st;
  if (::stat(at.c_str(), &st) != 0) return {};
  const dev_t device = st.st_dev;
  while (at != "/") {
    const size_t slash = at.rfind('/');
    const std::string parent = slash == 0 ? "/" : at.substr(0, slash);
    if (::stat(parent.c_str(), &st) != 0 || st.st_dev != device) break;
    at = parent;
  }
  return at;
}

uint64_t headroom_bytes(const std::deque<Segment> &listed,
                        uint64_t fallback_bytes) {
  // The largest, not the mean: a keyframe-heavy or busy scene makes a larger
  // segment, and that is the one that must fit.
  constexpr size_t kRecent = 8;
  uint64_t largest = 0;
  const size_t from = listed.size() > kRecent ? listed.size() - kRecent : 0;
  for (size_t i = from; i < listed.size(); i++)
    largest = std::max(largest, listed[i].bytes);
  if (largest == 0) largest = fallback_bytes;
  return kHeadroomSegments * largest;
}

std::vector<size_t> segments_to_free(const std::vector<Holding> &holdings,
                                     uint64_t wanted) {
  std::vector<size_t> taken(holdings.size(), 0);
  uint64_t freed = 0;
  // Two passes: footage outside every live window first, then the windows.
  for (int pass = 0; pass < 2 && freed < wanted; pass++) {
    while (freed < wanted) {
      size_t best = holdings.size();
      int64_t best_start = std::numeric_limits<int64_t>::max();
      for (size_t h = 0; h < holdings.size(); h++) {
        const std::deque<Segment> *listed = holdings[h].listed;
        if (!listed || taken[h] + 1 >= listed->size())
          continue;  // the newest stays
        const Segment &s = (*listed)[taken[h]];
        if (pass == 0 && s.end_us() > holdings[h].keep_from_us) continue;
        if (s.start_us < best_start) {
          best_start = s.start_us;
          best = h;
        }
      }
      if (best == holdings.size()) break;
      freed += (*holdings[best].listed)[taken[best]].bytes;
      taken[best]++;
    }
  }
  return taken;
}

}  // namespace dvr
