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

 private:
  void add_factory(int channel, int subtype);
  void accept(GSocket *socket);
  static gboolean reopen_cb(gpointer self);

  Options opts_;
  Loops loops_;
  GstRTSPServer *server_ = nullptr;
  Listener listener_;
  guint reopen_timer_ = 0;
};

}  // namespace mockcam
