// JSON pointer → byte offset in the text, so a bad value of a profile gets a file:line:col
// diagnostic. A small recursive-descent walker over already-valid JSON (parse checked it and
// its depth first); a malformed text just yields nullopt.
#include "awc/profile/profile.h"

#include <cctype>
#include <cstring>

namespace awc::profile {
namespace {

constexpr int kWalkMaxDepth = 64;

class Walker {
public:
  explicit Walker(std::string_view t) : t_(t) {}

  void ws() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_])))
      ++i_;
  }
  // Reads a string at i_ (which is at '"'); returns it unescaped enough for key comparison
  // (JSON escapes other than \" and \\ are kept as written: profile keys never need them).
  bool string(std::string* out) {
    if (i_ >= t_.size() || t_[i_] != '"') return false;
    for (++i_; i_ < t_.size(); ++i_) {
      char c = t_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\' && i_ + 1 < t_.size()) c = t_[++i_];
      if (out) *out += c;
    }
    return false;
  }
  bool skip(int depth) {
    ws();
    if (i_ >= t_.size() || depth > kWalkMaxDepth) return false;
    char c = t_[i_];
    if (c == '"') return string(nullptr);
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i_;
      ws();
      if (i_ < t_.size() && t_[i_] == close) return ++i_, true;
      for (;;) {
        if (c == '{') {
          ws();
          if (!string(nullptr)) return false;
          ws();
          if (i_ >= t_.size() || t_[i_++] != ':') return false;
        }
        if (!skip(depth + 1)) return false;
        ws();
        if (i_ >= t_.size()) return false;
        if (t_[i_] == close) return ++i_, true;
        if (t_[i_++] != ',') return false;
      }
    }
    while (i_ < t_.size() && !std::strchr(",]} \t\r\n", t_[i_]))
      ++i_;
    return true;
  }
  // Moves i_ to the value of member/element `token` of the container at i_; false if absent.
  bool enter(const std::string& token) {
    ws();
    if (i_ >= t_.size() || (t_[i_] != '{' && t_[i_] != '[')) return false;
    bool object = t_[i_] == '{';
    char close = object ? '}' : ']';
    ++i_;
    ws();
    if (i_ < t_.size() && t_[i_] == close) return false;
    for (std::size_t index = 0;; ++index) {
      bool hit;
      if (object) {
        ws();
        std::string key;
        if (!string(&key)) return false;
        ws();
        if (i_ >= t_.size() || t_[i_++] != ':') return false;
        hit = key == token;
      } else {
        hit = std::to_string(index) == token;
      }
      ws();
      if (hit) return true;
      if (!skip(1)) return false;
      ws();
      if (i_ >= t_.size() || t_[i_++] != ',') return false;
    }
  }
  std::size_t pos() const { return i_; }
  void seek(std::size_t p) { i_ = p; }

private:
  std::string_view t_;
  std::size_t i_ = 0;
};

std::string unescape(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[++i] == '0' ? '~' : '/';
    } else {
      out += token[i];
    }
  }
  return out;
}

} // namespace

std::optional<std::size_t> locate(std::string_view text, std::string_view pointer) {
  Walker w(text);
  w.ws();
  if (w.pos() >= text.size()) return std::nullopt;
  std::size_t found = w.pos();
  for (std::size_t at = 0; at < pointer.size() && pointer[at] == '/';) {
    std::size_t next = pointer.find('/', at + 1);
    std::string token = unescape(pointer.substr(
        at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1));
    w.seek(found);
    if (!w.enter(token)) break;
    found = w.pos();
    at = next == std::string_view::npos ? pointer.size() : next;
  }
  return found;
}

} // namespace awc::profile
