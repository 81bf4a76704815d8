// Preloaded into ffmpeg under valgrind only. Valgrind 3.19 cannot execute RDTSCP,
// which libhwy (linked into Debian's ffmpeg through libjxl) runs from a constructor
// while the libraries load, so ffmpeg dies with SIGILL before doing anything.
// Answering for that one function lets callgrind count ffmpeg like the others;
// it is a timer calibration that remuxing never uses.
// Built by bench/run: g++ -O2 -shared -fPIC bench/valgrind_shim.cpp -o valgrind_shim.so
#include <cstdint>

namespace hwy {
namespace platform {
uint64_t TimerResolution() { return 1; }
}  // namespace platform
}  // namespace hwy
