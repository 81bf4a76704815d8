// The RTSP listening socket, kept by us rather than by GstRTSPServer so that
// it can be closed and opened again ("refuse N": new connections are refused
// by the kernel, as by a camera that is rebooting).
#pragma once

#include <gio/gio.h>

#include <functional>
#include <string>

namespace mockcam {

class Listener {
 public:
  // Called on the main context with each accepted connection (transfer full).
  using AcceptFunc = std::function<void(GSocket *socket)>;

  explicit Listener(AcceptFunc on_accept);
  ~Listener();
  Listener(const Listener &) = delete;
  Listener &operator=(const Listener &) = delete;

  // Binds address:port (port 0 picks a free port) and starts accepting.
  bool open(const std::string &address, int port, std::string &error);
  // Binds the same address and port again.
  bool reopen(std::string &error);
  void close();
  bool is_open() const { return socket_ != nullptr; }
  int port() const { return port_; }

 private:
  static gboolean on_readable(GSocket *socket, GIOCondition cond,
                              gpointer self);

  AcceptFunc on_accept_;
  std::string address_;
  int port_ = 0;
  GSocket *socket_ = nullptr;
  GSource *source_ = nullptr;
};

}  // namespace mockcam
