// dvr-launcher: reads a preset, records each of its cameras with one
// pipeline, and serves the player, the recordings and /api/cameras.
#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "camera.h"
#include "http_server.h"
#include "launcher-config.h"
#include "log.h"
#include "pipeline_description.h"
#include "preset.h"

namespace {

using namespace dvr;

// How long SIGINT/SIGTERM waits for every camera to finish its last segment.
constexpr guint kStopTimeoutMs = 5000;

struct Element {
  const char* factory;
  const char* where;
};

// The elements a preset's pipelines need, with where a user gets each.
std::vector<Element> needed_elements(const Preset& preset) {
  std::vector<Element> out = {{"dvrsink", "build this project's dvr plugin (meson compile -C build) or install it"},
                              {"h264parse", "install gstreamer1.0-plugins-bad"}};
  bool test = false, rtsp = false;
  for (const auto& cam : preset.cameras) (cam.source == SourceKind::Test ? test : rtsp) = true;
  if (test) {
    out.push_back({"videotestsrc", "install gstreamer1.0-plugins-base"});
    out.push_back({"x264enc", "install gstreamer1.0-plugins-ugly"});
  }
  if (rtsp) {
    out.push_back({"rtspsrc", "install gstreamer1.0-plugins-good"});
    out.push_back({"rtph264depay", "install gstreamer1.0-plugins-good"});
  }
  return out;
}

std::vector<std::string> missing_elements(const Preset& preset) {
  std::vector<std::string> missing;
  for (const auto& e : needed_elements(preset)) {
    // Making one, not only finding the factory, also catches a plugin that
    // is listed but fails to load.
    GstElement* made = gst_element_factory_make(e.factory, nullptr);
    if (made) gst_object_unref(gst_object_ref_sink(made));
    if (!made) missing.push_back(std::string(e.factory) + " is not available: " + e.where);
  }
  return missing;
}

bool has_element(const char* factory) {
  g_autoptr(GstElementFactory) f = gst_element_factory_find(factory);
  return f != nullptr;
}

std::string absolute(const std::string& path) {
  g_autofree char* abs = g_canonicalize_filename(path.c_str(), nullptr);
  return abs;
}

bool is_dir(const std::string& path) { return g_file_test(path.c_str(), G_FILE_TEST_IS_DIR); }

// The player folder: the preset's, else the source tree's (a build run in
// place), else the installed one.
std::string web_dir(const Preset& preset) {
  if (!preset.web.empty()) return absolute(preset.web);
  const std::string source_web = std::string(SOURCE_DIR) + "/web";
  if (is_dir(source_web)) return source_web;
  return std::string(DATADIR) + "/web";
}

std::string camera_folder(const std::string& storage, const std::string& name) {
  g_autofree char* path = g_build_filename(storage.c_str(), name.c_str(), nullptr);
  return path;
}

int check(const Preset& preset, const std::string& storage, bool clock_overlay) {
  std::printf("preset %s: OK, %zu camera%s, storage %s, serving %s\n", preset.path.c_str(), preset.cameras.size(),
              preset.cameras.size() == 1 ? "" : "s", storage.c_str(), preset.listen.url().c_str());
  for (const auto& cam : preset.cameras) {
    PipelineOptions opts{camera_folder(storage, cam.name), clock_overlay};
    std::printf("\n# camera %s\n%s\n", cam.name.c_str(), gst_launch_command(cam, opts).c_str());
  }
  // A missing element is a matter of this machine, not of the preset: warn.
  for (const auto& m : missing_elements(preset)) g_printerr("warning: GStreamer element %s\n", m.c_str());
  return 0;
}

struct Supervisor {
  GMainLoop* loop = nullptr;
  std::vector<std::unique_ptr<Camera>> cameras;
  bool stopping = false;
  guint stop_timer = 0;

  void camera_stopped() {
    if (!stopping) return;
    for (const auto& cam : cameras)
      if (!cam->stopped()) return;
    log_line("every camera stopped");
    g_main_loop_quit(loop);
  }

  static gboolean on_signal(gpointer data) {
    auto* self = static_cast<Supervisor*>(data);
    if (self->stopping) {
      log_line("second signal: quitting without waiting");
      g_main_loop_quit(self->loop);
      return G_SOURCE_CONTINUE;
    }
    self->stopping = true;
    log_line("stopping: finishing the last segment of every camera");
    self->stop_timer = g_timeout_add(kStopTimeoutMs, &Supervisor::on_stop_timeout, self);
    for (const auto& cam : self->cameras) cam->request_stop();
    self->camera_stopped();
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_stop_timeout(gpointer data) {
    auto* self = static_cast<Supervisor*>(data);
    self->stop_timer = 0;
    std::string late;
    for (const auto& cam : self->cameras)
      if (!cam->stopped()) late += (late.empty() ? "" : ", ") + cam->name();
    log_line("gave up waiting for " + late + " to finish after " + std::to_string(kStopTimeoutMs / 1000) + " s");
    g_main_loop_quit(self->loop);
    return G_SOURCE_REMOVE;
  }
};

int run(int argc, char** argv) {
  g_autofree char* preset_arg = nullptr;
  g_autofree char* storage_arg = nullptr;
  g_autofree char* listen_arg = nullptr;
  gboolean check_arg = FALSE;
  const GOptionEntry entries[] = {
      {"preset", 'p', 0, G_OPTION_ARG_STRING, &preset_arg,
       "Preset to run: a name from the presets folder (default: demo) or a path to an .ini file", "NAME|FILE"},
      {"storage", 's', 0, G_OPTION_ARG_FILENAME, &storage_arg, "Folder for the recordings (overrides the preset)",
       "DIR"},
      {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen_arg,
       "Address of the HTTP server (overrides the preset), e.g. 127.0.0.1:8080", "ADDR:PORT"},
      {"check", 'c', 0, G_OPTION_ARG_NONE, &check_arg,
       "Check the preset, print each camera's pipeline as a gst-launch-1.0 line, and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

  g_autoptr(GOptionContext) ctx = g_option_context_new("- record cameras into a sliding-window DVR and serve them as HLS");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  g_option_context_set_description(
      ctx,
      "A bare preset name is looked up as NAME.ini in " SOURCE_DIR "/presets, then in " DATADIR
      "/presets.\nThe HTTP server has no authentication: keep it on a trusted LAN or behind a reverse proxy.\n");
  g_autoptr(GError) err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    g_printerr("dvr-launcher: %s (try --help)\n", err->message);
    return 2;
  }
  if (argc > 1) {
    g_printerr("dvr-launcher: unexpected argument \"%s\" (try --help)\n", argv[1]);
    return 2;
  }

  std::string why;
  const auto preset_path =
      find_preset(preset_arg ? preset_arg : "demo", {std::string(SOURCE_DIR) + "/presets", std::string(DATADIR) + "/presets"}, why);
  if (!preset_path) {
    g_printerr("dvr-launcher: %s\n", why.c_str());
    return 1;
  }
  PresetResult loaded = load_preset(*preset_path);
  if (!loaded.preset) {
    g_printerr("%s\n", loaded.error.c_str());
    return 1;
  }
  Preset preset = std::move(*loaded.preset);
  if (listen_arg) {
    auto addr = parse_listen(listen_arg, why);
    if (!addr) {
      g_printerr("dvr-launcher: --listen: %s\n", why.c_str());
      return 2;
    }
    preset.listen = *addr;
  }
  if (storage_arg) preset.storage = storage_arg;
  const std::string storage = absolute(preset.storage);

  // The option group initialised GStreamer. Find our plugin in the build tree
  // without asking the user for GST_PLUGIN_PATH; installed, it is in the
  // normal plugin path.
  if (is_dir(BUILD_PLUGIN_DIR)) gst_registry_scan_path(gst_registry_get(), BUILD_PLUGIN_DIR);
  // clockoverlay lives in the pango plugin, which not every system has.
  const bool clock_overlay = has_element("clockoverlay");

  if (check_arg) return check(preset, storage, clock_overlay);

  if (auto missing = missing_elements(preset); !missing.empty()) {
    for (const auto& m : missing) g_printerr("dvr-launcher: GStreamer element %s\n", m.c_str());
    return 1;
  }
  if (!clock_overlay)
    log_line("note: no clockoverlay element (install gstreamer1.0-x): test cameras show no clock");

  if (g_mkdir_with_parents(storage.c_str(), 0755) != 0) {
    const int e = errno;
    g_printerr("dvr-launcher: cannot create storage folder %s: %s\n", storage.c_str(), g_strerror(e));
    return 1;
  }

  const std::string web = web_dir(preset);
  if (!g_file_test((web + "/index.html").c_str(), G_FILE_TEST_IS_REGULAR))
    log_line("warning: no player page at " + web + "/index.html");

  Supervisor supervisor;
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  supervisor.loop = loop;
  std::vector<std::string> names;
  for (const auto& cam : preset.cameras) {
    names.push_back(cam.name);
    supervisor.cameras.push_back(std::make_unique<Camera>(
        cam, PipelineOptions{camera_folder(storage, cam.name), clock_overlay},
        [&supervisor] { supervisor.camera_stopped(); }));
  }

  HttpServer server({web, storage, names, [&supervisor] {
                       std::vector<CameraStatus> out;
                       for (const auto& cam : supervisor.cameras) out.push_back(cam->status());
                       return out;
                     }});
  if (!server.listen(preset.listen, why)) {
    g_printerr("dvr-launcher: %s\n", why.c_str());
    return 1;
  }
  log_line("preset " + preset.path + ": " + std::to_string(preset.cameras.size()) + " camera(s), recording into " +
           storage);
  log_line("serving " + preset.listen.url() + " (player files from " + web + ")");
  if (!preset.listen.is_loopback())
    log_line("warning: listening on " + preset.listen.to_string() +
             ": this server has no authentication; keep it on a trusted LAN or put it behind nginx");

  const guint sigint = g_unix_signal_add(SIGINT, &Supervisor::on_signal, &supervisor);
  const guint sigterm = g_unix_signal_add(SIGTERM, &Supervisor::on_signal, &supervisor);

  for (const auto& cam : supervisor.cameras) cam->start();
  g_main_loop_run(loop);

  g_source_remove(sigint);
  g_source_remove(sigterm);
  if (supervisor.stop_timer) g_source_remove(supervisor.stop_timer);
  supervisor.cameras.clear();  // sets every pipeline to NULL
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    g_printerr("dvr-launcher: %s\n", e.what());
    return 1;
  }
}
