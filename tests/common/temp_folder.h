// A folder of its own under /tmp for one test, removed with everything in it.
#pragma once

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

namespace dvr_test {

class TempFolder {
 public:
  explicit TempFolder(const char *prefix = "dvr-test") {
    std::string name = std::string("/tmp/") + prefix + "-XXXXXX";
    REQUIRE(::mkdtemp(&name[0]) != nullptr);
    path_ = name;
  }
  ~TempFolder() {
    ::nftw(
        path_.c_str(),
        [](const char *p, const struct stat *, int, struct FTW *) {
          return ::remove(p);
        },
        16, FTW_DEPTH | FTW_PHYS);
  }
  TempFolder(const TempFolder &) = delete;
  TempFolder &operator=(const TempFolder &) = delete;

  const std::string &path() const { return path_; }
  std::string operator/(const std::string &name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

}  // namespace dvr_test
