// dvr-launcher: reads a preset, records each of its cameras with one
// pipeline, and serves the player, the recordings and /api/cameras.
#include <glib-unix.h>
#include <glib.h>
#include <sys/statvfs.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <cerrno>
#include <csignal>
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "supervise/camera.h"
#include "http/http_server.h"
#include "launcher-config.h"
#include "log.h"
#include "supervise/pipeline_description.h"
#include "config/preset.h"
#include "http/tls_identity.h"

namespace {

using namespace dvr;

// How long SIGINT/SIGTERM waits for every camera to finish its last segment:
// each camera gives up on its own after kStopTimeoutMs and tears its pipeline
// down; 3 s more lets that teardown finish, and past them the launcher quits
// whatever a stuck pipeline does.
constexpr guint kQuitTimeoutMs = kStopTimeoutMs + 3000;

bool has_element(const char *factory) {
  g_autoptr(GstElementFactory) f = gst_element_factory_find(factory);
  return f != nullptr;
}

// The AAC encoder this machine has, best first; empty if none.
std::string find_aac_encoder() {
  for (const char *name : {"avenc_aac", "fdkaacenc", "voaacenc"})
    if (has_element(name)) return name;
  return {};
}

// Where a user gets an element the cameras need (camera_elements() says which).
std::string where_to_get(const std::string &factory,
                         const std::string &aac_encoder) {
  if (factory == "dvrsink" || factory == "dvrrtspsrc")
    return "build this project's dvr plugin (meson compile -C build) or install it";
  if (factory == aac_encoder)
    return "an AAC encoder is needed for audio = aac: install gstreamer1.0-libav";
  if (factory == "h264parse" || factory == "h265parse")
    return "install gstreamer1.0-plugins-bad";
  if (factory == "x264enc") return "install gstreamer1.0-plugins-ugly";
  if (factory == "videotestsrc" || factory == "audiotestsrc" ||
      factory == "fakesink" || factory == "audioconvert" ||
      factory == "audioresample")
    return "install gstreamer1.0-plugins-base";
  // rtspsrc, the RTP depayloaders, aacparse, alawdec, mulawdec
  return "install gstreamer1.0-plugins-good";
}

// The elements a preset's pipelines need, each once, in the cameras' order.
std::vector<std::string> needed_elements(const Preset &preset,
                                         const std::string &aac_encoder) {
  std::vector<std::string> out;
  for (const auto &cam : preset.cameras)
    for (auto &factory : camera_elements(cam, aac_encoder))
      if (std::find(out.begin(), out.end(), factory) == out.end())
        out.push_back(std::move(factory));
  return out;
}

std::vector<std::string> missing_elements(const Preset &preset,
                                          const std::string &aac_encoder) {
  // Without an AAC encoder on this machine, the one to install is named.
  const std::string encoder = aac_encoder.empty() ? "avenc_aac" : aac_encoder;
  std::vector<std::string> missing;
  for (const auto &factory : needed_elements(preset, encoder)) {
    // Making one, not only finding the factory, also catches a plugin that
    // is listed but fails to load.
    GstElement *made = gst_element_factory_make(factory.c_str(), nullptr);
    if (made) gst_object_unref(gst_object_ref_sink(made));
    if (!made)
      missing.push_back(factory +
                        " is not available: " + where_to_get(factory, encoder));
  }
  return missing;
}

std::string absolute(const std::string &path) {
  g_autofree char *abs = g_canonicalize_filename(path.c_str(), nullptr);
  return abs;
}

bool is_dir(const std::string &path) {
  return g_file_test(path.c_str(), G_FILE_TEST_IS_DIR);
}

// A launcher run from its build folder uses the plugin, presets and player of
// the trees it was built from; an installed one only the installed copies.
bool running_from_build_tree() {
  g_autofree char *exe = g_file_read_link("/proc/self/exe", nullptr);
  if (!exe) return false;
  g_autofree char *dir = g_path_get_dirname(exe);
  g_autofree char *build = g_canonicalize_filename(BUILD_LAUNCHER_DIR, nullptr);
  return g_strcmp0(dir, build) == 0;
}

std::vector<std::string> preset_dirs(bool in_build_tree) {
  if (in_build_tree)
    return {std::string(SOURCE_DIR) + "/presets",
            std::string(DATADIR) + "/presets"};
  return {std::string(DATADIR) + "/presets"};
}

// The player folder: the preset's, else the source tree's (a build run in
// place), else the installed one.
std::string web_dir(const Preset &preset, bool in_build_tree) {
  if (!preset.web.empty()) return absolute(preset.web);
  const std::string source_web = std::string(SOURCE_DIR) + "/web";
  if (in_build_tree && is_dir(source_web)) return source_web;
  return std::string(DATADIR) + "/web";
}

std::string camera_folder(const std::string &storage, const std::string &name) {
  g_autofree char *path =
      g_build_filename(storage.c_str(), name.c_str(), nullptr);
  return path;
}

PipelineOptions options_for(const std::string &storage, const std::string &name,
                            bool clock_overlay, const std::string &aac_encoder,
                            std::uint64_t min_free_bytes = 0) {
  PipelineOptions opts;
  opts.location = camera_folder(storage, name);
  opts.clock_overlay = clock_overlay;
  if (!aac_encoder.empty()) opts.aac_encoder = aac_encoder;
  opts.min_free_bytes = min_free_bytes;
  return opts;
}

// [server] min-free in bytes: a percentage is of the storage filesystem's size.
std::uint64_t min_free_bytes(const Preset &preset, const std::string &storage) {
  if (preset.min_free_percent == 0) return preset.min_free_bytes;
  struct statvfs fs;
  if (statvfs(storage.c_str(), &fs) != 0) return 0;
  return static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize / 100 *
         preset.min_free_percent;
}

std::string min_free_words(const Preset &preset, std::uint64_t bytes) {
  if (preset.min_free_percent == 0 && bytes == 0) return "none";
  char text[96];
  std::snprintf(text, sizeof text, "%.1f GiB",
                static_cast<double>(bytes) / (1u << 30));
  std::string out = text;
  if (preset.min_free_percent)
    out += " (" + std::to_string(preset.min_free_percent) +
           "% of the storage filesystem)";
  return out +
         ": below it the oldest footage of any camera goes, each live window last";
}

const char *audio_words(AudioMode mode) {
  switch (mode) {
    case AudioMode::Off:
      return "not recorded";
    case AudioMode::Copy:
      return "AAC copied, other audio not recorded";
    case AudioMode::Aac:
      return "AAC copied, G.711 encoded to AAC";
  }
  return "";
}

// Says how the server is guarded without showing any secret.
std::string auth_words(const AuthSettings &auth) {
  std::string out;
  if (!auth.user.empty()) out = "HTTP Basic (user " + auth.user + ")";
  if (!auth.token.empty())
    out += (out.empty() ? "" : " or ") + std::string("bearer token from $") +
           auth.token_env;
  return out.empty() ? "none" : out;
}

std::optional<std::string> open_server_warning(const Preset &preset) {
  if (preset.listen.is_loopback() || preset.auth.enabled()) return std::nullopt;
  return "warning: listening on " + preset.listen.to_string() +
         " without authentication: anyone who reaches this address sees every camera; set auth-user and "
         "auth-password-hash or auth-token-env in [server], or keep it on a trusted LAN";
}

// The address to give a browser: https when the launcher has a certificate.
std::string served_url(const Preset &preset) {
  std::string url = preset.listen.url();
  if (preset.tls.enabled() && url.rfind("http://", 0) == 0) url.insert(4, "s");
  return url;
}

// Descriptors kept for the recorder: a camera's segment, journal,
// playlist, sockets and GStreamer's own, with room to spare.
unsigned reserved_descriptors(std::size_t cameras) {
  return 64 + 16 * static_cast<unsigned>(cameras);
}

std::string limits_words(const ServerLimits &l) {
  return std::to_string(l.max_connections) + " connections, " +
         std::to_string(l.max_connections_per_client) +
         " per client address, header timeout " +
         std::to_string(l.header_timeout) + " s, keep-alive " +
         std::to_string(l.keepalive_timeout) + " s, send timeout " +
         std::to_string(l.send_timeout) + " s";
}

int check(const Preset &preset, const std::string &storage, bool clock_overlay,
          const std::string &aac_encoder) {
  if (preset.tls.enabled()) {
    // A bad certificate stops the launcher: --check says so first.
    std::string error, until;
    g_autoptr(GTlsCertificate) identity =
        load_tls_identity(preset.tls, g_get_real_time(), error, &until);
    if (!identity) {
      g_printerr("%s: server: %s\n", preset.path.c_str(), error.c_str());
      return 1;
    }
    std::printf("https: certificate %s, key %s, valid until %s\n",
                preset.tls.certificate.c_str(), preset.tls.key.c_str(),
                until.c_str());
  }
  std::printf("preset %s: OK, %zu camera%s, storage %s, serving %s\n",
              preset.path.c_str(), preset.cameras.size(),
              preset.cameras.size() == 1 ? "" : "s", storage.c_str(),
              served_url(preset).c_str());
  std::printf("authentication: %s\n", auth_words(preset.auth).c_str());
  std::printf("min-free: %s\n",
              min_free_words(preset, min_free_bytes(preset, storage)).c_str());
  std::printf("limits: %s\n", limits_words(preset.limits).c_str());
  if (auto warning = open_server_warning(preset))
    std::printf("%s\n", warning->c_str());
  for (const auto &cam : preset.cameras) {
    const PipelineOptions opts =
        options_for(storage, cam.name, clock_overlay, aac_encoder);
    std::printf("\n# camera %s", cam.name.c_str());
    if (cam.source == SourceKind::Rtsp) {
      // The launcher follows what the camera announces; gst-launch-1.0 cannot.
      std::printf(" (rtsp: video %s, audio: %s; the line shows %s%s)",
                  to_string(cam.rtsp.codec), audio_words(cam.dvr.audio),
                  cam.rtsp.codec == VideoCodec::kH265 ? "H.265" : "H.264",
                  cam.dvr.audio == AudioMode::Aac    ? " and G.711 A-law audio"
                  : cam.dvr.audio == AudioMode::Copy ? " and AAC audio"
                                                     : "");
    }
    std::printf("\n%s\n", gst_launch_command(cam, opts).c_str());
  }
  // A missing element is a matter of this machine, not of the preset: warn.
  for (const auto &m : missing_elements(preset, aac_encoder))
    g_printerr("warning: GStreamer element %s\n", m.c_str());
  return 0;
}

// Runs the cameras of a preset and follows changes of it (SIGHUP). Lives on
// the main loop. A camera is destroyed only from an idle callback, never from
// inside one of its own callbacks.
struct Supervisor {
  GMainLoop *loop = nullptr;
  std::string preset_path;
  Preset preset;
  std::string storage;
  bool clock_overlay = true;
  std::string aac_encoder;
  std::uint64_t min_free = 0;

  std::vector<std::unique_ptr<Camera>> cameras;  // running, or stopping
  // A camera whose settings changed, or that was added again while the old
  // one of that name still stops: it starts once that one is gone, since
  // both record into the same folder.
  std::map<std::string, CameraConfig> waiting;
  bool stopping = false;
  guint stop_timer = 0;
  guint reap_idle = 0;

  // The camera of that name that has not stopped yet.
  Camera *find(const std::string &name) {
    for (const auto &cam : cameras)
      if (cam->name() == name && !cam->stopped()) return cam.get();
    return nullptr;
  }

  void add(const CameraConfig &config) {
    cameras.push_back(std::make_unique<Camera>(
        config,
        options_for(storage, config.name, clock_overlay, aac_encoder, min_free),
        [this] { camera_stopped(); }));
    cameras.back()->start();
  }

  void camera_stopped() {
    if (!reap_idle) reap_idle = g_idle_add(&Supervisor::on_reap, this);
  }

  static gboolean on_reap(gpointer data) {
    auto *self = static_cast<Supervisor *>(data);
    self->reap_idle = 0;
    try {
      self->reap();
    } catch (const std::exception &e) {
      log_line(std::string("internal error while replacing a camera: ") +
               e.what());
    }
    return G_SOURCE_REMOVE;
  }

  void reap() {
    cameras.erase(std::remove_if(cameras.begin(), cameras.end(),
                                 [](const auto &c) { return c->stopped(); }),
                  cameras.end());
    if (stopping) {
      if (cameras.empty()) {
        log_line("every camera stopped");
        g_main_loop_quit(loop);
      }
      return;
    }
    for (auto it = waiting.begin(); it != waiting.end();) {
      if (find(it->first)) {
        ++it;
        continue;
      }
      add(it->second);
      it = waiting.erase(it);
    }
  }

  void reload() {
    if (stopping) return;
    PresetResult loaded = load_preset(preset_path);
    if (!loaded.preset) {
      log_line("reload: " + preset_path +
               " has errors; the cameras go on as they were:");
      // Errors name files, sections and keys, never a value of a password.
      gchar **lines = g_strsplit(loaded.error.c_str(), "\n", -1);
      for (gchar **l = lines; *l; ++l) log_line(std::string("  ") + *l);
      g_strfreev(lines);
      return;
    }
    const Preset &next = *loaded.preset;
    if (next.listen.to_string() != preset.listen.to_string() ||
        next.storage != preset.storage || next.web != preset.web ||
        next.auth != preset.auth || next.cors_origins != preset.cors_origins ||
        next.limits != preset.limits || next.tls != preset.tls)
      log_line(
          "reload: changes in [server] take effect when the launcher restarts");

    std::vector<std::string> added, removed, changed;
    std::set<std::string> wanted;
    for (const auto &config : next.cameras) {
      wanted.insert(config.name);
      Camera *running = find(config.name);
      const bool will_stop =
          waiting.count(config.name) || (running && running->stopping());
      if (!running) {
        added.push_back(config.name);
        add(config);
      } else if (will_stop) {
        // Already on its way out: what starts after it is the newest config.
        waiting[config.name] = config;
        changed.push_back(config.name);
      } else if (running->config() != config) {
        changed.push_back(config.name);
        waiting[config.name] = config;
        running->request_stop();
      }
    }
    for (const auto &cam : cameras) {
      if (wanted.count(cam->name()) || cam->stopped()) continue;
      if (!cam->stopping()) removed.push_back(cam->name());
      waiting.erase(cam->name());
      cam->request_stop();
    }
    auto list = [](const std::vector<std::string> &names) {
      std::string out;
      for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
      return out.empty() ? std::string("none") : out;
    };
    log_line("reloaded " + preset_path + ": added " + list(added) +
             "; removed " + list(removed) + "; changed " + list(changed));
    preset.cameras = next.cameras;
  }

  static gboolean on_hangup(gpointer data) {
    try {
      static_cast<Supervisor *>(data)->reload();
    } catch (const std::exception &e) {
      log_line(std::string("internal error while reloading: ") + e.what());
    }
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_signal(gpointer data) {
    auto *self = static_cast<Supervisor *>(data);
    if (self->stopping) {
      log_line("second signal: quitting without waiting");
      g_main_loop_quit(self->loop);
      return G_SOURCE_CONTINUE;
    }
    self->stopping = true;
    self->waiting.clear();
    log_line("stopping: finishing the last segment of every camera");
    self->stop_timer =
        g_timeout_add(kQuitTimeoutMs, &Supervisor::on_stop_timeout, self);
    for (const auto &cam : self->cameras) cam->request_stop();
    self->camera_stopped();
    return G_SOURCE_CONTINUE;
  }

  static gboolean on_stop_timeout(gpointer data) {
    auto *self = static_cast<Supervisor *>(data);
    self->stop_timer = 0;
    std::string late;
    for (const auto &cam : self->cameras)
      if (!cam->stopped()) late += (late.empty() ? "" : ", ") + cam->name();
    log_line("gave up waiting for " + late + " to finish after " +
             std::to_string(kQuitTimeoutMs / 1000) + " s");
    g_main_loop_quit(self->loop);
    return G_SOURCE_REMOVE;
  }
};

int run(int argc, char **argv) {
  g_autofree char *preset_arg = nullptr;
  g_autofree char *storage_arg = nullptr;
  g_autofree char *listen_arg = nullptr;
  gboolean check_arg = FALSE;
  const GOptionEntry entries[] = {
      {"preset", 'p', 0, G_OPTION_ARG_STRING, &preset_arg,
       "Preset to run: a name from the presets folder (default: demo) or a path to an .ini file",
       "NAME|FILE"},
      {"storage", 's', 0, G_OPTION_ARG_FILENAME, &storage_arg,
       "Folder for the recordings (overrides the preset)", "DIR"},
      {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen_arg,
       "Address of the HTTP server (overrides the preset), e.g. 127.0.0.1:8080",
       "ADDR:PORT"},
      {"check", 'c', 0, G_OPTION_ARG_NONE, &check_arg,
       "Check the preset, print each camera's pipeline as a gst-launch-1.0 line, and exit",
       nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

  g_autoptr(GOptionContext) ctx = g_option_context_new(
      "- record cameras into a sliding-window DVR and serve them as HLS");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  g_option_context_set_description(
      ctx,
      "A bare preset name is looked up as NAME.ini in the presets folder (" DATADIR
      "/presets; run from the build folder: " SOURCE_DIR
      "/presets first).\n"
      "SIGHUP reloads the preset: added cameras start, removed ones stop, changed ones restart.\n"
      "Authentication (HTTP Basic, bearer token) and CORS are set in the preset's [server] section.\n");
  g_autoptr(GError) err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    g_printerr("dvr-launcher: %s (try --help)\n", err->message);
    return 2;
  }
  if (argc > 1) {
    g_printerr("dvr-launcher: unexpected argument \"%s\" (try --help)\n",
               argv[1]);
    return 2;
  }

  const bool in_build_tree = running_from_build_tree();
  std::string why;
  const auto preset_path = find_preset(preset_arg ? preset_arg : "demo",
                                       preset_dirs(in_build_tree), why);
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
  const Preset as_in_file = preset;
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

  // The option group initialised GStreamer. Find our plugin without asking
  // the user for GST_PLUGIN_PATH: in the build tree when run from there, else
  // where meson installed it (a prefix GStreamer may not search by itself).
  const std::string plugin_dir =
      in_build_tree ? BUILD_PLUGIN_DIR : PLUGIN_INSTALL_DIR;
  if (is_dir(plugin_dir))
    gst_registry_scan_path(gst_registry_get(), plugin_dir.c_str());
  // clockoverlay lives in the pango plugin, which not every system has.
  const bool clock_overlay = has_element("clockoverlay");
  const std::string aac_encoder = find_aac_encoder();

  if (check_arg) return check(preset, storage, clock_overlay, aac_encoder);

  if (auto missing = missing_elements(preset, aac_encoder); !missing.empty()) {
    for (const auto &m : missing)
      g_printerr("dvr-launcher: GStreamer element %s\n", m.c_str());
    return 1;
  }
  if (!clock_overlay)
    log_line(
        "note: no clockoverlay element (install gstreamer1.0-x): test cameras show no clock");

  if (g_mkdir_with_parents(storage.c_str(), 0755) != 0) {
    const int e = errno;
    g_printerr("dvr-launcher: cannot create storage folder %s: %s\n",
               storage.c_str(), g_strerror(e));
    return 1;
  }

  g_autoptr(GTlsCertificate) tls = nullptr;
  if (preset.tls.enabled()) {
    std::string error;
    tls = load_tls_identity(preset.tls, g_get_real_time(), error);
    if (!tls) {
      g_printerr("%s: server: %s\n", preset.path.c_str(), error.c_str());
      return 1;
    }
  }
  const std::uint64_t open_files = raise_open_file_limit();

  const std::string web = web_dir(preset, in_build_tree);
  if (!g_file_test((web + "/index.html").c_str(), G_FILE_TEST_IS_REGULAR))
    log_line("warning: no player page at " + web + "/index.html");

  Supervisor supervisor;
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  supervisor.loop = loop;
  supervisor.preset_path = *preset_path;
  supervisor.storage = storage;
  supervisor.clock_overlay = clock_overlay;
  supervisor.aac_encoder = aac_encoder;
  supervisor.min_free = min_free_bytes(preset, storage);
  if (supervisor.min_free > 0)
    log_line("min-free: " + min_free_words(preset, supervisor.min_free));

  HttpServer server({web, storage,
                     [&supervisor](const std::string &name) {
                       return supervisor.find(name) != nullptr;
                     },
                     [&supervisor] {
                       std::vector<CameraStatus> out;
                       for (const auto &cam : supervisor.cameras)
                         out.push_back(cam->status());
                       return out;
                     },
                     preset.auth, preset.cors_origins, preset.limits, tls,
                     [&supervisor] {
                       return reserved_descriptors(supervisor.cameras.size());
                     }});
  if (!server.listen(preset.listen, why)) {
    g_printerr("dvr-launcher: %s\n", why.c_str());
    return 1;
  }
  log_line("preset " + preset.path + ": " +
           std::to_string(preset.cameras.size()) +
           " camera(s), recording into " + storage);
  log_line("serving " + served_url(preset) + " (player files from " + web +
           ")");
  log_line("http limits: " + limits_words(preset.limits) +
           "; open-file limit " + std::to_string(open_files) + ", " +
           std::to_string(reserved_descriptors(preset.cameras.size())) +
           " kept for recording");
  log_line(std::string("authentication: ") + auth_words(preset.auth));
  if (auto warning = open_server_warning(preset)) log_line(*warning);

  const guint sigint =
      g_unix_signal_add(SIGINT, &Supervisor::on_signal, &supervisor);
  const guint sigterm =
      g_unix_signal_add(SIGTERM, &Supervisor::on_signal, &supervisor);
  const guint sighup =
      g_unix_signal_add(SIGHUP, &Supervisor::on_hangup, &supervisor);

  // A reload compares [server] with the file as it was, and only ever takes
  // the cameras: the command line's overrides hold.
  supervisor.preset = as_in_file;
  for (const auto &cam : preset.cameras) supervisor.add(cam);
  g_main_loop_run(loop);

  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(sighup);
  if (supervisor.stop_timer) g_source_remove(supervisor.stop_timer);
  if (supervisor.reap_idle) g_source_remove(supervisor.reap_idle);
  supervisor.cameras.clear();  // sets every pipeline to NULL
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    g_printerr("dvr-launcher: %s\n", e.what());
    return 1;
  }
}
