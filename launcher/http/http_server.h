// The launcher's HTTP server (libsoup 3): the player page from the web folder,
// each camera's playlists and segments, and /api/cameras. It runs on the
// default main context, like the cameras' bus watches, so it reads camera
// state directly; SoupServer must not be touched from any other thread.
#pragma once

#include <libsoup/soup.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/auth.h"
#include "http/camera_status.h"
#include "http/clip_stream.h"
#include "http/connection_gate.h"
#include "config/cors.h"
#include "config/preset.h"
#include "http/archive_catalog.h"
#include "http/recording_catalog.h"

namespace dvr {

class HttpServer {
 public:
  struct Options {
    std::string
        web_dir;  // index.html, player.js, ... (node_modules for /vendor)
    std::string storage_dir;  // one folder per camera
    // Whether a camera of that name is configured now (a reload changes it).
    std::function<bool(const std::string &)> has_camera;
    std::function<std::vector<CameraStatus>()> statuses;
    AuthSettings auth;
    std::vector<std::string> cors_origins;
    ServerLimits limits;
    GTlsCertificate *tls = nullptr;  // HTTPS when set (borrowed)
    // Descriptors the recorder needs, kept free of connections.
    std::function<unsigned()> reserved_descriptors;
  };

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer &) = delete;
  HttpServer &operator=(const HttpServer &) = delete;

  bool listen(const ListenAddress &address, std::string &error);

 private:
  static void on_request(SoupServer *server, SoupServerMessage *msg,
                         const char *path, GHashTable *query, gpointer self);
  void handle(SoupServerMessage *msg, const char *path, GHashTable *query);
  // Every status with what the camera's journal says about its recording.
  std::vector<CameraStatus> statuses();
  std::optional<CameraStatus> status_of(const std::string &camera);
  // Adds the CORS headers; true when msg was a preflight and is answered.
  bool cross_origin(SoupServerMessage *msg);
  // True when msg may go on; otherwise it is answered with 401.
  bool authenticate(SoupServerMessage *msg);
  void serve_range_playlist(SoupServerMessage *msg, const std::string &camera,
                            GHashTable *query);
  void serve_clip(SoupServerMessage *msg, const std::string &camera,
                  GHashTable *query);
  // The archive, by time (http_archive.cpp).
  void serve_hour_page(SoupServerMessage *msg, const std::string &camera,
                       int64_t hour_start_us);
  void serve_ranges(SoupServerMessage *msg, const std::string &camera,
                    GHashTable *query);
  // live.m3u8 gzip-compressed for clients that take it; false when the plain file should go.
  bool serve_compressed_playlist(SoupServerMessage *msg,
                                 const std::string &file);

  Options options_;
  SoupServer *server_ = nullptr;
  std::unique_ptr<ConnectionGate>
      gate_;  // accepts, bounds and times out connections
  static void on_request_finished(SoupServer *server, SoupServerMessage *msg,
                                  gpointer self);

  std::map<unsigned, std::uint64_t> answered_;  // by status code, for /metrics
  Authenticator auth_;
  CorsPolicy cors_;
  RecordingCatalog catalog_;
  ArchiveCatalog archive_;
  struct CompressedPlaylist {
    std::uint64_t ino = 0;
    std::int64_t size = -1, mtime_ns = 0;
    std::string gzip;
  };
  std::map<std::string, CompressedPlaylist> compressed_;  // by file path
  ClipStreams clips_;
};

}  // namespace dvr
