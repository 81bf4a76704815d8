// The accept loop against a real SoupServer in this process: when accept()
// fails for want of descriptors the listener stays, and the connection that
// waited is taken and answered once descriptors come free.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <glib.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "http/connection_gate.h"

using namespace dvr;

namespace {

void answer_ok(SoupServer *, SoupServerMessage *msg, const char *, GHashTable *,
               gpointer) {
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "ok",
                                   2);
}

// Runs the default main context for about ms milliseconds, or until done().
template <typename Done>
bool iterate_until(int ms, Done done) {
  const gint64 deadline = g_get_monotonic_time() + gint64{ms} * 1000;
  while (g_get_monotonic_time() < deadline) {
    if (done()) return true;
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(1000);
  }
  return done();
}

int connect_to(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

// Sends a request on fd and runs the server until the whole answer came.
std::string exchange(int fd) {
  const char request[] =
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(send(fd, request, sizeof request - 1, MSG_NOSIGNAL) ==
          static_cast<ssize_t>(sizeof request - 1));
  std::string answer;
  bool closed = false;
  iterate_until(3000, [&] {
    char buf[512];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
      answer.append(buf, n);
    closed = n == 0;
    return closed;
  });
  return answer;
}

}  // namespace

TEST_CASE(
    "accepting pauses when descriptors run out, keeps the listener, and resumes when they come free",
    "[gate]") {
  SoupServer *server = soup_server_new("server-header", "test", nullptr);
  soup_server_add_handler(server, nullptr, &answer_ok, nullptr, nullptr);
  {
    ConnectionGate gate(
        server, ConnectionGate::Options{ServerLimits{}, nullptr, {}, false});
    std::string error;
    REQUIRE(gate.listen(ListenAddress{"127.0.0.1", 0}, error));
    REQUIRE(gate.port() != 0);

    // A first client is served as usual.
    const int first = connect_to(gate.port());
    CHECK(exchange(first).rfind("HTTP/1.1 200", 0) == 0);
    close(first);

    // The client's socket exists before descriptors run out; its connection
    // waits in the listener's queue.
    const int waiting = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct rlimit saved {};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    struct rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(waiting + 32);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::vector<int> filler;
    for (int fd; (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
      filler.push_back(fd);

    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(gate.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(waiting, reinterpret_cast<sockaddr *>(&addr),
                    sizeof addr) == 0);
    fcntl(waiting, F_SETFL, O_NONBLOCK);

    iterate_until(300, [] { return false; });
    CHECK(gate.accept_failures() >= 1);
    CHECK_FALSE(gate.accepting());
    CHECK(gate.connections() == 0);

    // Descriptors come free: the waiting client is taken and answered.
    for (int fd : filler) close(fd);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    CHECK(exchange(waiting).rfind("HTTP/1.1 200", 0) == 0);
    close(waiting);
    // After a second of accepting without failure the episode is over.
    CHECK(iterate_until(2500, [&] { return gate.accepting(); }));
  }
  soup_server_disconnect(server);
  g_object_unref(server);
}
