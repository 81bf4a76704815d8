// Small POSIX file helpers with the durability the recorder promises.
#pragma once

#include <string>
#include <vector>

namespace dvr {

// Writes content to a temporary name beside path and renames it over path, so a
// reader sees the old or the new file, never half of one. sync: fsync the file and
// the folder as well (for data that must survive a crash, not for derived files).
bool replace_file_atomically(const std::string &path,
                             const std::string &content, bool sync,
                             std::string *error);
bool fsync_directory(const std::string &dir, std::string *error);
// mkdir -p
bool make_directories(const std::string &dir, std::string *error);
std::string errno_text(int err);
// The names in a folder, "." and ".." included; none if it cannot be read.
std::vector<std::string> list_folder(const std::string &folder);

}  // namespace dvr
