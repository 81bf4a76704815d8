#include "listener.h"

namespace mockcam {

Listener::Listener(AcceptFunc on_accept) : on_accept_(std::move(on_accept)) {}

Listener::~Listener() { close(); }

bool Listener::open(const std::string &address, int port, std::string &error) {
  close();
  GInetAddress *inet = g_inet_address_new_from_string(address.c_str());
  if (!inet) {
    error = "not a numeric IP address: " + address;
    return false;
  }
  GError *err = nullptr;
  GSocket *sock =
      g_socket_new(g_inet_address_get_family(inet), G_SOCKET_TYPE_STREAM,
                   G_SOCKET_PROTOCOL_TCP, &err);
  GSocketAddress *sa =
      g_inet_socket_address_new(inet, static_cast<guint16>(port));
  g_object_unref(inet);
  bool ok = sock && g_socket_bind(sock, sa, TRUE, &err) &&
            g_socket_listen(sock, &err);
  g_object_unref(sa);
  if (!ok) {
    error = "cannot listen on " + address + ":" + std::to_string(port) + ": " +
            (err ? err->message : "unknown error");
    if (err) g_error_free(err);
    if (sock) g_object_unref(sock);
    return false;
  }
  g_socket_set_blocking(sock, FALSE);

  GSocketAddress *local = g_socket_get_local_address(sock, nullptr);
  if (local) {
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
    g_object_unref(local);
  }
  address_ = address;
  socket_ = sock;
  source_ = g_socket_create_source(socket_, G_IO_IN, nullptr);
  g_source_set_callback(
      source_,
      reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(on_readable)),
      this, nullptr);
  g_source_attach(source_, nullptr);
  return true;
}

bool Listener::reopen(std::string &error) {
  return open(address_, port_, error);
}

void Listener::close() {
  if (source_) {
    g_source_destroy(source_);
    g_source_unref(source_);
    source_ = nullptr;
  }
  if (socket_) {
    g_socket_close(socket_, nullptr);
    g_object_unref(socket_);
    socket_ = nullptr;
  }
}

gboolean Listener::on_readable(GSocket *socket, GIOCondition, gpointer data) {
  auto *self = static_cast<Listener *>(data);
  for (;;) {
    GSocket *client = g_socket_accept(socket, nullptr, nullptr);
    if (!client) break;
    g_socket_set_blocking(client, TRUE);
    self->on_accept_(client);
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace mockcam
