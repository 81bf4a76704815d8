// `meson install` into a scratch DESTDIR: the plugin lands where GStreamer
// looks under the prefix and loads from there; the launcher, the mock camera,
// the player, the presets and the systemd unit are all in place.
#include <glib.h>
#include <glib/gstdio.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/preset.h"

using namespace dvr;

namespace {

void remove_tree(const std::string &path) {
  if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR) &&
      !g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK)) {
    if (GDir *dir = g_dir_open(path.c_str(), 0, nullptr)) {
      while (const char *name = g_dir_read_name(dir))
        remove_tree(path + "/" + name);
      g_dir_close(dir);
    }
    g_rmdir(path.c_str());
  } else {
    g_unlink(path.c_str());
  }
}

struct Run {
  bool ok = false;
  std::string out, err;
};

Run run(const std::vector<std::string> &args,
        const std::vector<std::string> &env_set = {}) {
  std::vector<char *> argv;
  for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  gchar **env = g_get_environ();
  for (const auto &kv : env_set) {
    const auto eq = kv.find('=');
    env = g_environ_setenv(env, kv.substr(0, eq).c_str(),
                           kv.substr(eq + 1).c_str(), TRUE);
  }
  g_autofree char *out = nullptr;
  g_autofree char *err = nullptr;
  int status = 0;
  Run r;
  g_autoptr(GError) error = nullptr;
  if (g_spawn_sync(nullptr, argv.data(), env, G_SPAWN_SEARCH_PATH, nullptr,
                   nullptr, &out, &err, &status, &error))
    r.ok = g_spawn_check_wait_status(status, nullptr);
  else
    r.err = error->message;
  g_strfreev(env);
  if (out) r.out = out;
  if (err) r.err += err;
  return r;
}

bool is_file(const std::string &path) {
  return g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR);
}
bool is_executable(const std::string &path) {
  return is_file(path) && g_file_test(path.c_str(), G_FILE_TEST_IS_EXECUTABLE);
}

std::string read(const std::string &path) {
  g_autofree char *text = nullptr;
  gsize length = 0;
  if (!g_file_get_contents(path.c_str(), &text, &length, nullptr)) return {};
  return std::string(text, length);
}

// The unit's lines KEY=..., in order.
std::vector<std::string> unit_values(const std::string &unit,
                                     const std::string &key) {
  std::vector<std::string> out;
  g_auto(GStrv) lines = g_strsplit(unit.c_str(), "\n", -1);
  for (char **l = lines; *l; ++l) {
    const std::string line = *l;
    if (line.rfind(key + "=", 0) == 0)
      out.push_back(line.substr(key.size() + 1));
  }
  return out;
}

}  // namespace

TEST_CASE(
    "meson install puts the plugin where GStreamer looks, and the launcher, player, presets and unit",
    "[install]") {
  g_autofree char *tmp = g_dir_make_tmp("dvr-install-XXXXXX", nullptr);
  REQUIRE(tmp);
  const std::string destdir = tmp;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { remove_tree(dir); }
  } cleanup{destdir};
  const Run install = run({"meson", "install", "-C", BUILD_ROOT, "--no-rebuild",
                           "--quiet", "--destdir", destdir});
  INFO(install.out << install.err);
  REQUIRE(install.ok);
  const std::string root = destdir + INSTALL_PREFIX;

  {  // the plugin: in GStreamer's plugin folder as laid out under the prefix, and it loads
    // GStreamer's own plugin folder relative to its prefix: lib/<triplet>/gstreamer-1.0 on Debian.
    const std::string gst_prefix = GST_PREFIX, gst_plugins = GST_PLUGINS_DIR;
    REQUIRE(gst_plugins.rfind(gst_prefix + "/", 0) == 0);
    const std::string plugin =
        root + gst_plugins.substr(gst_prefix.size()) + "/libgstdvr.so";
    INFO(plugin);
    REQUIRE(is_file(plugin));
    g_autofree char *registry = g_build_filename(tmp, "registry.bin", nullptr);
    const Run inspect = run({"gst-inspect-1.0", plugin},
                            {std::string("GST_REGISTRY=") + registry});
    INFO(inspect.out << inspect.err);
    CHECK(inspect.ok);
    CHECK_THAT(inspect.out,
               Catch::Contains("dvrsink") && Catch::Contains("dvrindex"));
  }

  {  // the programs
    CHECK(is_executable(root + "/" + INSTALL_BINDIR + "/dvr-launcher"));
    CHECK(is_executable(root + "/" + INSTALL_BINDIR + "/dvr-mock-camera"));
  }

  {  // every file of the player, and the presets, which parse
    const std::string data = destdir + DVR_DATADIR;
    g_autoptr(GDir) web = g_dir_open(WEB_SOURCE_DIR, 0, nullptr);
    REQUIRE(web);
    int files = 0;
    while (const char *name = g_dir_read_name(web)) {
      const std::string n = name;
      const auto dot = n.rfind('.');
      const std::string ext = dot == std::string::npos ? "" : n.substr(dot);
      if (ext != ".js" && ext != ".html" && ext != ".css") continue;
      ++files;
      INFO(n);
      CHECK(is_file(data + "/web/" + n));
    }
    CHECK(files >= 3);
    for (const char *preset : {"demo.ini", "dahua.ini"}) {
      const std::string path = data + "/presets/" + preset;
      INFO(path);
      REQUIRE(is_file(path));
      auto loaded = load_preset(path);
      INFO(loaded.error);
      CHECK(loaded.preset);
    }
  }

  {  // the systemd unit: restarts on failure, its own user, the recordings as its state
    const std::string unit_path =
        root + "/lib/systemd/system/dvr-launcher.service";
    INFO(unit_path);
    const std::string unit = read(unit_path);
    REQUIRE(!unit.empty());
    CHECK(unit_values(unit, "Restart") ==
          std::vector<std::string>{"on-failure"});
    CHECK(
        (unit_values(unit, "DynamicUser") == std::vector<std::string>{"yes"} ||
         !unit_values(unit, "User").empty()));
    CHECK(unit_values(unit, "StateDirectory") ==
          std::vector<std::string>{"stream-dvr"});
    // Started once NTP set the clock: footage is not labelled by a stale one.
    CHECK_THAT(unit_values(unit, "After").at(0),
               Catch::Contains("time-sync.target"));
    CHECK_THAT(unit_values(unit, "Wants").at(0),
               Catch::Contains("time-sync.target"));
    const auto exec = unit_values(unit, "ExecStart");
    REQUIRE(exec.size() == 1);
    const std::string launcher =
        std::string(INSTALL_PREFIX) + "/" + INSTALL_BINDIR + "/dvr-launcher";
    CHECK_THAT(exec[0], Catch::StartsWith(launcher + " ") &&
                            Catch::Contains("--storage /var/lib/stream-dvr"));

    const Run where = run({"sh", "-c", "command -v systemd-analyze"});
    if (!where.ok) {
      WARN("systemd-analyze not found: the unit was not verified");
    } else {
      // Verified as it is, except that ExecStart points at the DESTDIR copy
      // (verify checks that the program exists).
      const std::string copy = destdir + "/dvr-launcher.service";
      std::string text = unit;
      text.replace(
          text.find("ExecStart=" + launcher),
          std::string("ExecStart=").size() + launcher.size(),
          "ExecStart=" + root + "/" + INSTALL_BINDIR + "/dvr-launcher");
      REQUIRE(g_file_set_contents(copy.c_str(), text.c_str(), -1, nullptr));
      const Run verify = run({"systemd-analyze", "verify", copy});
      INFO(verify.out << verify.err);
      CHECK(verify.ok);
      // verify exits 0 on unknown keys and bad values too: it only warns about them.
      CHECK_THAT(verify.out + verify.err,
                 !Catch::Contains("dvr-launcher.service"));
    }
  }
}
