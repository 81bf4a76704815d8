// The HTTP server's own accept loop, in front of SoupServer. libsoup 3.2's
// listener removes its accept watch on the first failed accept (EMFILE, for
// one), after which queued connections are never taken again; and SoupServer
// has no limits or timeouts of its own. So the launcher accepts itself,
// hands each connection to soup_server_accept_iostream(), and keeps the
// bounds of ServerLimits (see ConnectionTable): caps per server and per
// address, header, keep-alive and send timeouts, header and URL sizes, and a pause
// with retries, never a stop, when descriptors run out. With a certificate,
// it makes the TLS handshake before libsoup sees the connection.
//
// Keep-alive: libsoup 3.2.3 never releases a kept-alive connection that
// ends between two requests (fixed in 3.3.0, "do not leak idle connections
// closed by the client"): its descriptor and objects stay for the life of
// the process. So after each answered request the gate takes the connection
// back from libsoup, before libsoup waits on it, and hands it over again as
// a new one, whose end libsoup does handle.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/connection_table.h"
#include "http/login_throttle.h"
#include "config/preset.h"

namespace dvr {

// Raises the soft open-file limit to the hard one (a service's default soft
// limit, 1,024, is too few for hundreds of cameras and viewers). Returns the
// soft limit in force afterwards.
std::uint64_t raise_open_file_limit();

class ConnectionGate {
 public:
  struct Options {
    ServerLimits limits;
    GTlsCertificate *tls =
        nullptr;  // HTTPS when set; the gate keeps its own reference
    // Descriptors kept for the recorder: no connection is held once the
    // process's descriptors reach the open-file limit less these.
    std::function<unsigned()> reserved_descriptors;
    // Slow down failed logins (401 to a request with credentials).
    bool throttle_logins = false;
  };

  ConnectionGate(SoupServer *server, Options options);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate &) = delete;
  ConnectionGate &operator=(const ConnectionGate &) = delete;

  bool listen(const ListenAddress &address, std::string &error);

  // The port of the first listener (the one chosen, when asked for port 0).
  std::uint16_t port() const;
  // False from a failed accept() until accepting has worked for a second.
  bool accepting() const { return paused_since_us_ == 0; }
  std::uint64_t accept_failures() const { return accept_failures_; }
  std::size_t connections() const { return table_.size(); }
  // Prometheus text of the counters above and what the bounds turned away.
  std::string metrics() const;

 private:
  struct Listener {
    GSocket *socket = nullptr;
    GSource *watch = nullptr;  // none while accepting is paused
  };
  struct Connection {
    ConnectionGate *gate = nullptr;
    ConnectionId id = 0;
    GSocket *socket = nullptr;  // owned reference
    GSocketAddress *remote =
        nullptr;  // owned; libsoup hands it back with each message
    GSocketAddress *local = nullptr;  // owned
    GIOStream *stream = nullptr;      // weak: libsoup owns it once handed over
    GCancellable *handshake = nullptr;  // owned, while a TLS handshake runs
    SoupServerMessage *finished =
        nullptr;  // owned: the answered request, until renewed
    bool renewing = false;
  };

  bool listen_on(GSocketAddress *address, std::string &error);
  void watch(Listener &listener);
  static gboolean on_incoming(GSocket *socket, GIOCondition condition,
                              gpointer self);
  void accept_from(Listener &listener);
  void take(int fd, GSocketAddress *remote);
  void refuse(int fd, const std::string &client, bool full);
  void pause_accepting(int error);
  void note_recovery();
  static gboolean on_retry(gpointer self);
  bool at_line(int fd) const;
  void hand_to_server(Connection &c);
  static void on_handshake_done(GObject *source, GAsyncResult *result,
                                gpointer data);
  void close(ConnectionId id, bool at_once = false);
  static void on_stream_gone(gpointer data, GObject *stream);
  static gboolean on_sweep(gpointer self);
  static gboolean on_renew(gpointer self);
  void renew(Connection &c);
  Connection *of(SoupServerMessage *msg);

  static void on_request_started(SoupServer *, SoupServerMessage *msg,
                                 gpointer self);
  static void on_request_read(SoupServer *, SoupServerMessage *msg,
                              gpointer self);
  static void on_request_done(SoupServer *, SoupServerMessage *msg,
                              gpointer self);
  static void on_wrote_headers(SoupServerMessage *msg, gpointer guard);
  static void on_wrote_body_data(SoupServerMessage *msg, guint size,
                                 gpointer guard);
  void check_request(SoupServerMessage *msg);
  void count_login(SoupServerMessage *msg);

  SoupServer *server_;
  std::shared_ptr<ConnectionGate *> alive_ =
      std::make_shared<ConnectionGate *>(this);
  Options options_;
  LoginThrottle logins_;
  ConnectionTable table_;
  std::vector<Listener> listeners_;
  std::map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::map<GSocketAddress *, ConnectionId> by_remote_;
  int keepalive_pair_[2] = {-1, -1};
  guint sweep_ = 0;
  guint renew_ = 0;
  std::vector<ConnectionId> to_renew_;
  guint retry_ = 0;
  unsigned retry_ms_ = 0;
  std::int64_t paused_since_us_ =
      0;  // accepting failed at this time; 0 when it works
  std::int64_t last_accept_failure_us_ = 0;
  std::uint64_t accept_failures_ = 0;
  std::uint64_t refused_ = 0;    // 503 at accept
  std::uint64_t timed_out_ = 0;  // closed at a deadline
  std::uint64_t evicted_ = 0;    // closed for a newcomer or a shortage
  std::uint64_t lockouts_ = 0;   // login lockout episodes
  std::int64_t last_refusal_log_us_ = 0;
  std::uint64_t refused_since_log_ = 0;
};

}  // namespace dvr
