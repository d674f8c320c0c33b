// Runs a fuzz harness without a fuzzer: each file argument (or every file in a directory
// argument) is one input. The regression tests and the AFL++ build use it.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> inputsOf(const char* arg) {
  std::filesystem::path path(arg);
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return {path};
  for (const auto& entry : std::filesystem::directory_iterator(path, ec))
    if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
      out.push_back(entry.path());
  std::sort(out.begin(), out.end()); // the same order on every machine
  return out;
}

} // namespace

int main(int argc, char** argv) {
  size_t count = 0;
  for (int i = 1; i < argc; ++i)
    for (const auto& path : inputsOf(argv[i])) {
      std::ifstream file(path, std::ios::binary);
      if (!file) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 2;
      }
      std::vector<char> bytes((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
      if (std::getenv("AWC_FUZZ_VERBOSE")) std::fprintf(stderr, "%s\n", path.c_str());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  std::printf("%zu inputs ran without a crash\n", count);
  return 0;
}
