// rusage OUT COMMAND [ARG...]: runs COMMAND and writes to OUT one line,
//   "<user s> <sys s> <wall s> <peak RSS KiB> <exit status, or -signal>"
// from wait4()'s rusage, in microseconds, where /usr/bin/time rounds to 10 ms
// (too coarse for the sub-second differences the remux bench looks at).
// Built by bench/run: g++ -O2 -std=c++17 bench/rusage.cpp -o rusage
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

static double seconds(const timeval &t) { return t.tv_sec + t.tv_usec / 1e6; }

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("rusage: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    std::fprintf(stderr, "rusage: cannot run %s: %s\n", argv[2],
                 std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) {
      std::perror("rusage: wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  FILE *out = std::fopen(argv[1], "w");
  if (!out) {
    std::perror("rusage: output");
    return 2;
  }
  std::fprintf(out, "%.6f %.6f %.6f %ld %d\n", seconds(ru.ru_utime),
               seconds(ru.ru_stime), wall, ru.ru_maxrss, code);
  std::fclose(out);
  return code >= 0 ? code : 128 - code;
}
