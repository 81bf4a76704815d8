#include "control.h"

#include <gio/gunixinputstream.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "feeder.h"

namespace mockcam {
namespace {

std::vector<std::string> split_words(const std::string &line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

std::string strip_cr(const char *line) {
  std::string s = line ? line : "";
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.pop_back();
  return s;
}

// "/refuse/3" or "/refuse%203" -> "refuse 3"
std::string command_from_http_path(const std::string &target) {
  std::string path = target.substr(0, target.find('?'));
  gchar *decoded = g_uri_unescape_string(path.c_str(), nullptr);
  std::string out = decoded ? decoded : "";
  g_free(decoded);
  for (char &c : out)
    if (c == '/' || c == '+') c = ' ';
  return out;
}

bool parse_seconds(const std::string &s, double &out) {
  char *end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0' && !s.empty() && out >= 0 && out <= 86400;
}

}  // namespace

struct Control::Connection {
  Control *control = nullptr;
  GSocketConnection *conn = nullptr;
  GDataInputStream *in = nullptr;
  bool first_line = true;
  bool http = false;
  std::string http_command;

  void read_next() {
    g_data_input_stream_read_line_async(in, G_PRIORITY_DEFAULT, nullptr,
                                        on_tcp_line, this);
  }
  void write(const std::string &text) {
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    g_output_stream_write_all(out, text.data(), text.size(), nullptr, nullptr,
                              nullptr);
  }
  void close_and_free() {
    g_io_stream_close(G_IO_STREAM(conn), nullptr, nullptr);
    g_object_unref(in);
    g_object_unref(conn);
    delete this;
  }
};

Control::Control(Camera &camera, GMainLoop *loop, bool exit_on_stdin_eof)
    : camera_(camera), loop_(loop), exit_on_stdin_eof_(exit_on_stdin_eof) {}

Control::~Control() {
  if (service_) {
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_object_unref(service_);
  }
  if (stdin_) g_object_unref(stdin_);
}

CommandResult Control::execute(const std::string &line) {
  CommandResult r;
  auto words = split_words(line);
  if (words.empty()) {
    r.ok = false;
    r.text = "error: empty command";
    return r;
  }
  const std::string &cmd = words[0];
  auto want_args = [&](size_t n) {
    if (words.size() == n + 1) return true;
    r.ok = false;
    r.text = "error: " + cmd + " takes " + std::to_string(n) + " argument(s)";
    return false;
  };

  if (cmd == "drop") {
    if (want_args(0)) camera_.drop_all();
  } else if (cmd == "stall") {
    if (want_args(0)) camera_stall();
  } else if (cmd == "resume") {
    if (want_args(0)) camera_resume();
  } else if (cmd == "refuse") {
    double seconds = 0;
    if (want_args(1)) {
      if (parse_seconds(words[1], seconds)) {
        camera_.refuse(seconds);
      } else {
        r.ok = false;
        r.text = "error: refuse takes a number of seconds";
      }
    }
  } else if (cmd == "restart") {
    if (want_args(0)) {
      camera_restart_timeline();
      camera_resume();
      camera_.drop_all();
    }
  } else if (cmd == "status") {
    if (want_args(0)) {
      r.text = "ok clients=" + std::to_string(camera_.client_count()) +
               " stalled=" + (camera_is_stalled() ? "yes" : "no") +
               " refusing=" + (camera_.refusing() ? "yes" : "no");
    }
  } else if (cmd == "requests") {
    if (want_args(0)) r.text = "ok " + camera_.request_counts();
  } else if (cmd == "quit") {
    if (want_args(0))
      g_idle_add(
          [](gpointer loop) {
            g_main_loop_quit(static_cast<GMainLoop *>(loop));
            return G_SOURCE_REMOVE;
          },
          loop_);
  } else {
    r.ok = false;
    r.text =
        "error: unknown command '" + cmd +
        "' (drop, stall, resume, refuse N, restart, status, requests, quit)";
  }
  if (r.ok && r.text.empty()) r.text = "ok";

  std::string shown;
  for (size_t i = 0; i < words.size(); i++) shown += (i ? " " : "") + words[i];
  std::printf("dvr-mock-camera: %s: %s\n", shown.c_str(), r.text.c_str());
  std::fflush(stdout);
  return r;
}

void Control::watch_stdin() {
  GInputStream *raw = g_unix_input_stream_new(0, FALSE);
  stdin_ = g_data_input_stream_new(raw);
  g_object_unref(raw);
  g_data_input_stream_read_line_async(stdin_, G_PRIORITY_DEFAULT, nullptr,
                                      on_stdin_line, this);
}

void Control::on_stdin_line(GObject *src, GAsyncResult *res, gpointer data) {
  auto *self = static_cast<Control *>(data);
  gsize len = 0;
  gchar *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src),
                                                     res, &len, nullptr);
  if (!line) {  // end of input or error: stop reading
    if (self->exit_on_stdin_eof_) g_main_loop_quit(self->loop_);
    return;
  }
  std::string text = strip_cr(line);
  g_free(line);
  if (!split_words(text).empty()) self->execute(text);
  g_data_input_stream_read_line_async(self->stdin_, G_PRIORITY_DEFAULT, nullptr,
                                      on_stdin_line, self);
}

bool Control::listen_tcp(int port, std::string &error) {
  service_ = g_socket_service_new();
  GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr =
      g_inet_socket_address_new(lo, static_cast<guint16>(port));
  g_object_unref(lo);
  GSocketAddress *effective = nullptr;
  GError *err = nullptr;
  gboolean ok = g_socket_listener_add_address(
      G_SOCKET_LISTENER(service_), addr, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, nullptr, &effective, &err);
  g_object_unref(addr);
  if (!ok) {
    error = std::string("cannot listen on control port: ") + err->message;
    g_error_free(err);
    return false;
  }
  tcp_port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
  g_object_unref(effective);
  g_signal_connect(service_, "incoming", G_CALLBACK(on_incoming), this);
  g_socket_service_start(service_);
  return true;
}

gboolean Control::on_incoming(GSocketService *, GSocketConnection *conn,
                              GObject *, gpointer data) {
  auto *c = new Connection();
  c->control = static_cast<Control *>(data);
  c->conn = G_SOCKET_CONNECTION(g_object_ref(conn));
  c->in =
      g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
  c->read_next();
  return TRUE;
}

void Control::on_tcp_line(GObject *src, GAsyncResult *res, gpointer data) {
  auto *c = static_cast<Connection *>(data);
  gsize len = 0;
  gchar *raw = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src),
                                                    res, &len, nullptr);
  if (!raw) {
    c->close_and_free();
    return;
  }
  std::string line = strip_cr(raw);
  g_free(raw);

  if (c->first_line) {
    c->first_line = false;
    auto words = split_words(line);
    if (words.size() >= 2 && (words[0] == "GET" || words[0] == "POST")) {
      c->http = true;
      c->http_command = command_from_http_path(words[1]);
      c->read_next();
      return;
    }
  }
  if (c->http) {
    if (!line.empty()) {  // a header: skip
      c->read_next();
      return;
    }
    CommandResult r = c->control->execute(c->http_command);
    std::string body = r.text + "\n";
    c->write(std::string("HTTP/1.1 ") + (r.ok ? "200 OK" : "400 Bad Request") +
             "\r\nContent-Type: text/plain\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
             body);
    c->close_and_free();
    return;
  }
  if (!split_words(line).empty()) {
    CommandResult r = c->control->execute(line);
    c->write(r.text + "\n");
  }
  c->read_next();
}

}  // namespace mockcam
