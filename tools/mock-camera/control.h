// Fault-injection commands, read line by line from standard input and from
// an optional TCP port on 127.0.0.1 (plain lines or HTTP GET/POST /command).
#pragma once

#include <gio/gio.h>

#include <string>

#include "camera.h"

namespace mockcam {

struct CommandResult {
  bool ok = true;
  std::string text;  // "ok", "ok clients=...", "error: ..."
};

class Control {
 public:
  Control(Camera &camera, GMainLoop *loop, bool exit_on_stdin_eof);
  ~Control();
  Control(const Control &) = delete;
  Control &operator=(const Control &) = delete;

  // Runs one command line and acknowledges it on standard output.
  CommandResult execute(const std::string &line);

  void watch_stdin();
  // port 0 picks a free port; tcp_port() tells which.
  bool listen_tcp(int port, std::string &error);
  int tcp_port() const { return tcp_port_; }

 private:
  struct Connection;
  static void on_stdin_line(GObject *src, GAsyncResult *res, gpointer self);
  static gboolean on_incoming(GSocketService *service, GSocketConnection *conn,
                              GObject *source, gpointer self);
  static void on_tcp_line(GObject *src, GAsyncResult *res, gpointer conn);

  Camera &camera_;
  GMainLoop *loop_;
  bool exit_on_stdin_eof_;
  GDataInputStream *stdin_ = nullptr;
  GSocketService *service_ = nullptr;
  int tcp_port_ = -1;
};

}  // namespace mockcam
