// The RTSP side of the mock camera: server, mount points, authentication,
// one shared media factory per stream, and the fault actions.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <memory>
#include <string>

#include "encoder.h"
#include "listener.h"
#include "options.h"

namespace mockcam {

struct Loops {
  TrackPtr main_video;
  TrackPtr sub_video;
  TrackPtr audio;  // may be null
};

class Camera {
 public:
  Camera(const Options &opts, Loops loops);
  ~Camera();
  Camera(const Camera &) = delete;
  Camera &operator=(const Camera &) = delete;

  // Opens the listening socket; port() is valid afterwards.
  bool start(std::string &error);
  int port() const { return listener_.port(); }

  // Closes every client connection and removes every session.
  void drop_all();
  // Closes the listening socket for `seconds`, then opens it again.
  void refuse(double seconds);
  bool refusing() const { return !listener_.is_open(); }
  int client_count();
  // Requests received so far, by method: "options=N get-parameter=N teardown=N".
  std::string request_counts() const;

 private:
  void add_factory(int channel, int subtype);
  void accept(GSocket *socket);
  static gboolean reopen_cb(gpointer self);
  static void on_client_connected(GstRTSPServer *, GstRTSPClient *client,
                                  gpointer self);
  static gboolean cleanup_cb(gpointer self);

  Options opts_;
  Loops loops_;
  GstRTSPServer *server_ = nullptr;
  Listener listener_;
  guint reopen_timer_ = 0;
  guint cleanup_timer_ = 0;
  // Touched on the main context only.
  int options_ = 0;
  int get_parameters_ = 0;
  int teardowns_ = 0;
};

}  // namespace mockcam
