#include "http/connection_gate.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "log.h"

namespace dvr {
namespace {

constexpr guint kSweepMs = 250;
constexpr unsigned kFirstRetryMs = 50, kLastRetryMs = 1000;
// Accepts per wake-up: enough to drain a burst, few enough to let the
// cameras' bus watches run in between.
constexpr int kAcceptsPerWake = 64;
constexpr std::int64_t kRefusalLogEveryUs = 10 * G_USEC_PER_SEC;

std::uint64_t open_file_limit() {
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return 1u << 20;
  return rl.rlim_cur;
}

std::string client_of(GSocketAddress *address) {
  if (!G_IS_INET_SOCKET_ADDRESS(address)) return "local";
  g_autofree char *text = g_inet_address_to_string(
      g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
  return text ? text : "";
}

// libsoup 3.2 has neither 429 nor 431 in its table of phrases.
void set_status(SoupServerMessage *msg, guint status, const char *text,
                const char *phrase = nullptr) {
  soup_server_message_set_status(msg, status, phrase);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_server_message_set_response(msg, "text/plain; charset=utf-8",
                                   SOUP_MEMORY_COPY, text, std::strlen(text));
}

}  // namespace

std::uint64_t raise_open_file_limit() {
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  return open_file_limit();
}

ConnectionGate::ConnectionGate(SoupServer *server, Options options)
    : server_(server),
      options_(std::move(options)),
      logins_(options_.limits.login_attempts, options_.limits.login_lockout),
      table_(options_.limits) {
  if (options_.tls) g_object_ref(options_.tls);
  g_signal_connect(server_, "request-started",
                   G_CALLBACK(&ConnectionGate::on_request_started), this);
  g_signal_connect(server_, "request-read",
                   G_CALLBACK(&ConnectionGate::on_request_read), this);
  g_signal_connect(server_, "request-finished",
                   G_CALLBACK(&ConnectionGate::on_request_done), this);
  g_signal_connect(server_, "request-aborted",
                   G_CALLBACK(&ConnectionGate::on_request_done), this);
  // SoupServer keeps a connection alive after a response only while it has a
  // listener of its own. Give it one that can never accept anything: one end
  // of a socket pair whose other end stays silent.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, keepalive_pair_) ==
      0) {
    g_autoptr(GSocket) inert =
        g_socket_new_from_fd(keepalive_pair_[0], nullptr);
    if (inert) {
      keepalive_pair_[0] = -1;  // the GSocket owns it now
      if (!soup_server_listen_socket(
              server_, inert, static_cast<SoupServerListenOptions>(0), nullptr))
        log_line("http: note: keep-alive is off (libsoup took no listener)");
    }
  }
  sweep_ = g_timeout_add(kSweepMs, &ConnectionGate::on_sweep, this);
}

ConnectionGate::~ConnectionGate() {
  *alive_ = nullptr;
  g_signal_handlers_disconnect_by_data(server_, this);
  if (sweep_) g_source_remove(sweep_);
  if (renew_) g_source_remove(renew_);
  if (retry_) g_source_remove(retry_);
  for (auto &l : listeners_) {
    if (l.watch) {
      g_source_destroy(l.watch);
      g_source_unref(l.watch);
    }
    g_socket_close(l.socket, nullptr);
    g_object_unref(l.socket);
  }
  for (auto &[id, c] : connections_) {
    if (c->finished) g_object_unref(c->finished);
    if (c->stream)
      g_object_weak_unref(G_OBJECT(c->stream), &ConnectionGate::on_stream_gone,
                          c.get());
    if (c->handshake) {
      g_cancellable_cancel(c->handshake);
      g_object_unref(c->handshake);
    }
    g_object_unref(c->socket);
    g_object_unref(c->remote);
    g_object_unref(c->local);
  }
  for (int fd : keepalive_pair_)
    if (fd >= 0) ::close(fd);
  if (options_.tls) g_object_unref(options_.tls);
}

bool ConnectionGate::listen(const ListenAddress &address, std::string &error) {
  if (address.host == "localhost") {
    // Both 127.0.0.1 and ::1, whichever a browser tries first; ::1 only where
    // the machine has IPv6.
    g_autoptr(GSocketAddress) v4 =
        g_inet_socket_address_new_from_string("127.0.0.1", address.port);
    if (!listen_on(v4, error)) {
      error = "cannot listen on " + address.to_string() + ": " + error;
      return false;
    }
    g_autoptr(GSocketAddress) v6 =
        g_inet_socket_address_new_from_string("::1", address.port);
    std::string ignored;
    listen_on(v6, ignored);
    return true;
  }
  g_autoptr(GSocketAddress) sa =
      g_inet_socket_address_new_from_string(address.host.c_str(), address.port);
  if (!sa) {
    error = "not an IP address: " + address.host;
    return false;
  }
  if (!listen_on(sa, error)) {
    error = "cannot listen on " + address.to_string() + ": " + error;
    return false;
  }
  return true;
}

std::uint16_t ConnectionGate::port() const {
  if (listeners_.empty()) return 0;
  g_autoptr(GSocketAddress) a =
      g_socket_get_local_address(listeners_.front().socket, nullptr);
  return a && G_IS_INET_SOCKET_ADDRESS(a)
             ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a))
             : 0;
}

std::string ConnectionGate::metrics() const {
  std::string out;
  auto metric = [&out](const char *name, const char *type, const char *help,
                       std::uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
           " " + type + "\n" + name + " " + std::to_string(value) + "\n";
  };
  metric("dvr_http_connections", "gauge", "HTTP connections held now.",
         table_.size());
  metric("dvr_http_connections_refused_total", "counter",
         "Connections answered 503 and closed at accept.", refused_);
  metric("dvr_http_connections_timed_out_total", "counter",
         "Connections closed at their header, keep-alive or send timeout.",
         timed_out_);
  metric("dvr_http_connections_evicted_total", "counter",
         "Waiting or idle connections closed to make room for another.",
         evicted_);
  metric("dvr_http_accept_failures_total", "counter",
         "Failed accept() calls (EMFILE, ENFILE, ENOBUFS...).",
         accept_failures_);
  metric("dvr_http_login_lockouts_total", "counter",
         "Addresses refused with 429 after failed logins.", lockouts_);
  return out;
}

bool ConnectionGate::listen_on(GSocketAddress *address, std::string &error) {
  g_autoptr(GError) err = nullptr;
  g_autoptr(GSocket) socket =
      g_socket_new(g_socket_address_get_family(address), G_SOCKET_TYPE_STREAM,
                   G_SOCKET_PROTOCOL_TCP, &err);
  if (socket) {
    if (g_socket_address_get_family(address) == G_SOCKET_FAMILY_IPV6)
      g_socket_set_option(socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, nullptr);
    // The kernel caps it at net.core.somaxconn: a burst of viewers waits in
    // the queue rather than being refused by the kernel.
    g_socket_set_listen_backlog(socket, 4096);
  }
  if (!socket || !g_socket_bind(socket, address, TRUE, &err) ||
      !g_socket_listen(socket, &err)) {
    error = err ? err->message : "cannot make a socket";
    return false;
  }
  g_socket_set_blocking(socket, FALSE);
  listeners_.push_back(
      {static_cast<GSocket *>(g_steal_pointer(&socket)), nullptr});
  watch(listeners_.back());
  return true;
}

void ConnectionGate::watch(Listener &listener) {
  if (listener.watch) return;
  listener.watch = g_socket_create_source(listener.socket, G_IO_IN, nullptr);
  g_source_set_callback(listener.watch,
                        G_SOURCE_FUNC(&ConnectionGate::on_incoming), this,
                        nullptr);
  g_source_attach(listener.watch, nullptr);
}

gboolean ConnectionGate::on_incoming(GSocket *socket, GIOCondition,
                                     gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  try {
    for (auto &l : self->listeners_)
      if (l.socket == socket) self->accept_from(l);
  } catch (const std::exception &e) {
    log_line(std::string("http: internal error while accepting: ") + e.what());
  }
  // Pausing destroys the watch itself; otherwise it stays.
  return G_SOURCE_CONTINUE;
}

void ConnectionGate::accept_from(Listener &listener) {
  for (int i = 0; i < kAcceptsPerWake && listener.watch; ++i) {
    struct sockaddr_storage addr {};
    socklen_t len = sizeof addr;
    const int fd = accept4(g_socket_get_fd(listener.socket),
                           reinterpret_cast<struct sockaddr *>(&addr), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int e = errno;
      if (e == EAGAIN || e == EWOULDBLOCK) return;
      // The client is gone already, or a signal came: the next one waits.
      if (e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM)
        continue;
      // EMFILE, ENFILE, ENOBUFS, ENOMEM and anything unforeseen: the
      // listener stays; accepting waits until descriptors come free.
      pause_accepting(e);
      return;
    }
    g_autoptr(GSocketAddress) remote =
        g_socket_address_new_from_native(&addr, len);
    if (!remote) {
      ::close(fd);
      continue;
    }
    take(fd, remote);
  }
}

// Said once accepting has worked for a second on end, so that a server at
// the edge of its descriptors logs one episode, not one line per retry.
void ConnectionGate::note_recovery() {
  const std::int64_t now = g_get_monotonic_time();
  if (!paused_since_us_ || retry_ ||
      now - last_accept_failure_us_ < G_USEC_PER_SEC)
    return;
  char line[160];
  std::snprintf(
      line, sizeof line, "http: accepting connections again after %.1f s",
      static_cast<double>(last_accept_failure_us_ - paused_since_us_) /
          G_USEC_PER_SEC);
  log_line(line);
  paused_since_us_ = 0;
  retry_ms_ = 0;
}

void ConnectionGate::pause_accepting(int error) {
  last_accept_failure_us_ = g_get_monotonic_time();
  ++accept_failures_;
  for (auto &l : listeners_) {
    if (!l.watch) continue;
    g_source_destroy(l.watch);
    g_source_unref(l.watch);
    l.watch = nullptr;
  }
  if (!paused_since_us_) {
    paused_since_us_ = g_get_monotonic_time();
    log_line(
        std::string("http: cannot accept connections (") + g_strerror(error) +
        ", open-file limit " + std::to_string(open_file_limit()) + ", " +
        std::to_string(table_.size()) +
        " connections held); the listener stays and accepting resumes as descriptors come free");
  }
  // Our own waiting and idle connections are the first to give way, the
  // oldest first, as newcomers would make them: the likeliest cause of the
  // shortage, and the recorder needs descriptors as much as the listener.
  for (int i = 0; i < 64; ++i) {
    auto a = table_.admit("", table_.size());
    if (a.verdict != ConnectionTable::Admission::AdmitInPlaceOf) break;
    close(a.evict);
    ++evicted_;
  }
  retry_ms_ = retry_ms_ ? std::min(retry_ms_ * 2, kLastRetryMs) : kFirstRetryMs;
  if (!retry_)
    retry_ = g_timeout_add(retry_ms_, &ConnectionGate::on_retry, this);
}

gboolean ConnectionGate::on_retry(gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  self->retry_ = 0;
  for (auto &l : self->listeners_) self->watch(l);
  return G_SOURCE_REMOVE;
}

bool ConnectionGate::at_line(int fd) const {
  // Descriptors are handed out lowest first: an accepted one at or above
  // the line means every one below it is taken.
  const std::uint64_t reserve =
      options_.reserved_descriptors ? options_.reserved_descriptors() : 0;
  return static_cast<std::uint64_t>(fd) + reserve >= open_file_limit();
}

void ConnectionGate::refuse(int fd, const std::string &client, bool full) {
  if (!options_.tls) {
    // Read what the client sent, so that closing does not reset the
    // connection before it reads the answer.
    char sink[4096];
    for (int i = 0; i < 4 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0;
         ++i) {
    }
    static const char answer[] =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 35\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        "too many connections; retry shortly";
    (void)::send(fd, answer, sizeof answer - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
  }
  ::close(fd);
  ++refused_;
  ++refused_since_log_;
  const std::int64_t now = g_get_monotonic_time();
  if (now - last_refusal_log_us_ < kRefusalLogEveryUs) return;
  log_line("http: refusing connections with 503 (" +
           std::to_string(refused_since_log_) + " since the last note; " +
           (full ? "the server is full: " + std::to_string(table_.size()) +
                       " connections"
                 : client + " holds " + std::to_string(table_.count(client)) +
                       ", its max-connections-per-client") +
           ")");
  last_refusal_log_us_ = now;
  refused_since_log_ = 0;
}

void ConnectionGate::take(int fd, GSocketAddress *remote) {
  const std::string client = client_of(remote);
  // At the line the server may hold no more than it does: a newcomer comes
  // only in place of another, whose descriptor is closed at once and then
  // taken by the newcomer's, so that no connection stays above the line.
  const bool full = at_line(fd);
  const auto admission = table_.admit(
      client, full ? table_.size() : options_.limits.max_connections);
  switch (admission.verdict) {
    case ConnectionTable::Admission::RefuseClientCap:
      return refuse(fd, client, false);
    case ConnectionTable::Admission::RefuseFull:
      return refuse(fd, client, true);
    case ConnectionTable::Admission::AdmitInPlaceOf:
      close(admission.evict, full);
      ++evicted_;
      break;
    case ConnectionTable::Admission::Admit:
      break;
  }
  if (full) {
    const int lower = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (lower >= 0 && lower < fd) {
      ::close(fd);
      fd = lower;
    } else if (lower >= 0) {
      ::close(lower);
    }
  }
  g_autoptr(GError) err = nullptr;
  g_autoptr(GSocket) socket = g_socket_new_from_fd(fd, &err);
  if (!socket) {
    ::close(fd);
    return;
  }
  g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
  g_autoptr(GSocketAddress) local = g_socket_get_local_address(socket, nullptr);
  if (!local) return;
  g_autoptr(GIOStream) stream =
      G_IO_STREAM(g_socket_connection_factory_create_connection(socket));

  auto c = std::make_unique<Connection>();
  c->gate = this;
  c->id = table_.add(client, g_get_monotonic_time());
  c->socket = static_cast<GSocket *>(g_object_ref(socket));
  c->remote = static_cast<GSocketAddress *>(g_object_ref(remote));
  c->local = static_cast<GSocketAddress *>(g_object_ref(local));
  Connection &conn = *c;
  connections_[c->id] = std::move(c);
  by_remote_[conn.remote] = conn.id;

  if (options_.tls) {
    GIOStream *tls =
        G_IO_STREAM(g_tls_server_connection_new(stream, options_.tls, &err));
    if (!tls) {
      log_line(std::string("http: cannot start TLS: ") + err->message);
      g_socket_close(socket, nullptr);
      const ConnectionId id = conn.id;
      table_.remove(id);
      by_remote_.erase(conn.remote);
      g_object_unref(conn.socket), g_object_unref(conn.remote),
          g_object_unref(conn.local);
      connections_.erase(id);
      return;
    }
    // No h2: libsoup 3.2 speaks HTTP/2 only behind its own listener.
    const char *protocols[] = {"http/1.1", "http/1.0", nullptr};
    g_object_set(tls, "require-close-notify", FALSE, "advertised-protocols",
                 protocols, nullptr);
    conn.stream = tls;  // our reference until the handshake ends
    g_object_weak_ref(G_OBJECT(tls), &ConnectionGate::on_stream_gone, &conn);
    conn.handshake = g_cancellable_new();
    // The gate may be gone when a handshake ends: the callback finds out
    // through a shared pointer the gate clears.
    g_tls_connection_handshake_async(
        G_TLS_CONNECTION(tls), G_PRIORITY_DEFAULT, conn.handshake,
        &ConnectionGate::on_handshake_done,
        new std::shared_ptr<ConnectionGate *>(alive_));
    return;
  }
  conn.stream = stream;
  g_object_weak_ref(G_OBJECT(stream), &ConnectionGate::on_stream_gone, &conn);
  hand_to_server(conn);
}

void ConnectionGate::on_handshake_done(GObject *source, GAsyncResult *result,
                                       gpointer data) {
  std::unique_ptr<std::shared_ptr<ConnectionGate *>> alive(
      static_cast<std::shared_ptr<ConnectionGate *> *>(data));
  ConnectionGate *self = **alive;
  GIOStream *tls = G_IO_STREAM(source);
  g_autoptr(GError) err = nullptr;
  const gboolean ok =
      g_tls_connection_handshake_finish(G_TLS_CONNECTION(tls), result, &err);
  if (!self || g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_object_unref(tls);
    return;
  }
  Connection *conn = nullptr;
  for (auto &[id, c] : self->connections_)
    if (c->stream == tls) conn = c.get();
  if (conn) {
    g_clear_object(&conn->handshake);
    if (ok)
      self->hand_to_server(*conn);
    else
      g_socket_close(conn->socket, nullptr);
  }
  g_object_unref(tls);  // libsoup holds its own now, or nobody does
}

void ConnectionGate::hand_to_server(Connection &c) {
  g_autoptr(GError) err = nullptr;
  // libsoup emits request-started from inside this call: c is known by then.
  if (!soup_server_accept_iostream(server_, c.stream, c.local, c.remote, &err))
    g_socket_close(c.socket, nullptr);
}

void ConnectionGate::close(ConnectionId id, bool at_once) {
  table_.remove(id);
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection &c = *it->second;
  if (c.handshake) g_cancellable_cancel(c.handshake);
  // Both directions shut: libsoup reads the end of the stream, gives up the
  // request and closes the connection through its own path. At once: the
  // descriptor is needed now; libsoup then finds the socket closed (a
  // second close is no error to GSocket) and ends the connection the same way.
  if (at_once)
    g_socket_close(c.socket, nullptr);
  else
    g_socket_shutdown(c.socket, TRUE, TRUE, nullptr);
}

void ConnectionGate::on_stream_gone(gpointer data, GObject *) {
  auto *c = static_cast<Connection *>(data);
  ConnectionGate *self = c->gate;
  const ConnectionId id = c->id;
  if (c->finished) g_object_unref(c->finished);
  if (c->handshake) {
    g_cancellable_cancel(c->handshake);
    g_object_unref(c->handshake);
  }
  // libsoup closed it already, unless the stream went without a close.
  if (!g_socket_is_closed(c->socket)) g_socket_close(c->socket, nullptr);
  self->table_.remove(id);
  self->by_remote_.erase(c->remote);
  g_object_unref(c->socket);
  g_object_unref(c->remote);
  g_object_unref(c->local);
  self->connections_.erase(id);
}

gboolean ConnectionGate::on_sweep(gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  for (ConnectionId id : self->table_.expired(g_get_monotonic_time())) {
    self->close(id);
    ++self->timed_out_;
  }
  self->note_recovery();
  return G_SOURCE_CONTINUE;
}

ConnectionGate::Connection *ConnectionGate::of(SoupServerMessage *msg) {
  auto it = by_remote_.find(soup_server_message_get_remote_address(msg));
  if (it == by_remote_.end()) return nullptr;
  auto c = connections_.find(it->second);
  return c == connections_.end() ? nullptr : c->second.get();
}

void ConnectionGate::on_request_started(SoupServer *, SoupServerMessage *msg,
                                        gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  // A renewed connection stays idle until its next request is read.
  if (Connection *c = self->of(msg); c && !c->renewing)
    self->table_.request_started(c->id, g_get_monotonic_time());
  // No route reads a request body: one sent anyway is read and dropped, not
  // kept in memory (the header timeout bounds how long it may take).
  soup_message_body_set_accumulate(soup_server_message_get_request_body(msg),
                                   FALSE);
}

void ConnectionGate::on_request_read(SoupServer *, SoupServerMessage *msg,
                                     gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  if (Connection *c = self->of(msg)) {
    self->table_.request_read(c->id, g_get_monotonic_time());
    // Each write of the answer restarts the send timeout. The closures
    // learn through a shared pointer whether the gate is still there.
    auto forget = [](gpointer guard, GClosure *) {
      delete static_cast<std::shared_ptr<ConnectionGate *> *>(guard);
    };
    g_signal_connect_data(msg, "wrote-headers",
                          G_CALLBACK(&ConnectionGate::on_wrote_headers),
                          new std::shared_ptr<ConnectionGate *>(self->alive_),
                          forget, static_cast<GConnectFlags>(0));
    g_signal_connect_data(msg, "wrote-body-data",
                          G_CALLBACK(&ConnectionGate::on_wrote_body_data),
                          new std::shared_ptr<ConnectionGate *>(self->alive_),
                          forget, static_cast<GConnectFlags>(0));
  }
  if (soup_server_message_get_status(msg) != 0) return;
  try {
    self->check_request(msg);
  } catch (...) {
    set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal error\n");
  }
}

void ConnectionGate::on_wrote_headers(SoupServerMessage *msg, gpointer guard) {
  if (ConnectionGate *self =
          **static_cast<std::shared_ptr<ConnectionGate *> *>(guard))
    if (Connection *c = self->of(msg))
      self->table_.sent(c->id, g_get_monotonic_time());
}

void ConnectionGate::on_wrote_body_data(SoupServerMessage *msg, guint,
                                        gpointer guard) {
  on_wrote_headers(msg, guard);
}

// Runs before the route: a status set here is the answer.
void ConnectionGate::check_request(SoupServerMessage *msg) {
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  if (options_.throttle_logins) {
    const char *host = soup_server_message_get_remote_host(msg);
    if (const unsigned wait =
            logins_.retry_after(host ? host : "", g_get_monotonic_time())) {
      soup_message_headers_replace(response, "Retry-After",
                                   std::to_string(wait).c_str());
      set_status(msg, 429,
                 "too many failed logins from this address; retry later\n",
                 "Too Many Requests");
      return;
    }
  }
  GUri *uri = soup_server_message_get_uri(msg);
  const char *path = g_uri_get_path(uri);
  const char *query = g_uri_get_query(uri);
  const std::size_t url_bytes =
      (path ? std::strlen(path) : 0) + (query ? std::strlen(query) + 1 : 0);
  if (url_bytes > options_.limits.max_url_bytes) {
    soup_message_headers_replace(response, "Connection", "close");
    set_status(msg, SOUP_STATUS_REQUEST_URI_TOO_LONG, "the URL is too long\n");
    return;
  }
  std::size_t header_bytes = 0;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  soup_message_headers_iter_init(&iter,
                                 soup_server_message_get_request_headers(msg));
  while (soup_message_headers_iter_next(&iter, &name, &value))
    header_bytes += std::strlen(name) + std::strlen(value) + 4;
  if (header_bytes > options_.limits.max_header_bytes) {
    soup_message_headers_replace(response, "Connection", "close");
    set_status(msg, 431, "the request header is too large\n",
               "Request Header Fields Too Large");
  }
}

void ConnectionGate::on_request_done(SoupServer *, SoupServerMessage *msg,
                                     gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  if (self->options_.throttle_logins) self->count_login(msg);
  Connection *c = self->of(msg);
  if (!c) return;
  self->table_.request_done(c->id, g_get_monotonic_time());
  // libsoup is still inside the answer here: the connection is taken back
  // from a high-priority idle, which runs before libsoup's own watch on it.
  if (c->finished) return;
  c->finished = static_cast<SoupServerMessage *>(g_object_ref(msg));
  self->to_renew_.push_back(c->id);
  if (!self->renew_)
    self->renew_ = g_idle_add_full(G_PRIORITY_HIGH, &ConnectionGate::on_renew,
                                   self, nullptr);
}

gboolean ConnectionGate::on_renew(gpointer data) {
  auto *self = static_cast<ConnectionGate *>(data);
  self->renew_ = 0;
  std::vector<ConnectionId> ids;
  ids.swap(self->to_renew_);
  for (ConnectionId id : ids) {
    auto it = self->connections_.find(id);
    if (it == self->connections_.end()) continue;
    try {
      self->renew(*it->second);
    } catch (const std::exception &e) {
      log_line(std::string(
                   "http: internal error while keeping a connection alive: ") +
               e.what());
    }
  }
  return G_SOURCE_REMOVE;
}

void ConnectionGate::renew(Connection &c) {
  g_autoptr(SoupServerMessage) finished = c.finished;
  c.finished = nullptr;
  // Closed: libsoup ended it (an error, Connection: close, HTTP/1.0) and
  // has let go of it already; taking it back would release it twice.
  if (!c.stream || g_io_stream_is_closed(c.stream)) return;
  g_autoptr(GIOStream) stream =
      static_cast<GIOStream *>(g_object_ref(c.stream));
  // What comes back is libsoup's wrapper around our stream; dropping it
  // leaves our stream open.
  g_autoptr(GIOStream) wrapper = soup_server_message_steal_connection(finished);
  c.renewing = true;
  hand_to_server(c);
  c.renewing = false;
}

void ConnectionGate::count_login(SoupServerMessage *msg) {
  // A request without credentials is a browser asking which login to use,
  // not a guess.
  if (!soup_message_headers_get_one(
          soup_server_message_get_request_headers(msg), "Authorization"))
    return;
  const char *host_text = soup_server_message_get_remote_host(msg);
  const std::string host = host_text ? host_text : "";
  const guint status = soup_server_message_get_status(msg);
  if (status == SOUP_STATUS_UNAUTHORIZED) {
    if (logins_.failed(host, g_get_monotonic_time())) {
      ++lockouts_;
      log_line("http: " + std::to_string(options_.limits.login_attempts) +
               " failed logins in a row from " + host +
               ": answering it 429 for " +
               std::to_string(options_.limits.login_lockout) + " s");
    }
  } else if (status >= 200 && status < 400) {
    logins_.succeeded(host);
  }
}

}  // namespace dvr
