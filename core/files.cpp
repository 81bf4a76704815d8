#include "files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dvr {

std::string errno_text(int err) { return std::strerror(err); }

static bool write_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool fsync_directory(const std::string &dir, std::string *error) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    if (error) *error = "cannot sync folder " + dir + ": " + errno_text(err);
    return false;
  }
  ::close(fd);
  return true;
}

bool replace_file_atomically(const std::string &path,
                             const std::string &content, bool sync,
                             std::string *error) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string base =
      slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string tmp = dir + "/." + base + ".tmp";
  int fd = ::open(tmp.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    if (error) *error = "cannot create " + tmp + ": " + errno_text(errno);
    return false;
  }
  bool ok = write_all(fd, content.data(), content.size()) &&
            (!sync || ::fsync(fd) == 0);
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    if (error) *error = "cannot write " + path + ": " + errno_text(err);
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    if (error) *error = "cannot replace " + path + ": " + errno_text(err);
    return false;
  }
  return !sync || fsync_directory(dir, error);
}

bool make_directories(const std::string &dir, std::string *error) {
  if (dir.empty()) return true;
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
      if (error)
        *error = "cannot create folder " + partial + ": " + errno_text(errno);
      return false;
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (error) *error = dir + " is not a folder";
    return false;
  }
  return true;
}

std::vector<std::string> list_folder(const std::string &folder) {
  std::vector<std::string> names;
  DIR *dir = ::opendir(folder.c_str());
  if (!dir) return names;
  while (struct dirent *entry = ::readdir(dir))
    names.emplace_back(entry->d_name);
  ::closedir(dir);
  return names;
}

}  // namespace dvr
