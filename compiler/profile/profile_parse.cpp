// JSON → Profile: the one place that reads the format's keys. Every field is type- and
// range-checked (rates in [0,1], counts and figures ≥ 0 and finite, known enum spellings,
// agreed ≤ samples); the first problem is reported with its JSON pointer. Unknown keys are
// ignored so a newer tuner's extra figures do not break an older compiler. Input is bounded
// before nlohmann sees it: at most kMaxBytes and kMaxDepth levels of nesting.
#include "awc/profile/profile.h"
#include "awc/support/json_pointer.h"

#include <cmath>
#include <limits>
#include <set>

namespace awc::profile {
namespace {

constexpr std::size_t kMaxBytes = 64u << 20;
constexpr int kMaxDepth = 64;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Thrown at the first bad value; caught once in parse().
struct Bad {
  std::string pointer, message;
};

std::string escapePointer(std::string_view token) {
  return escapePointerToken(token);
}

// 2 rather than 2.0 in messages.
std::string num(double d) {
  if (d > -1e15 && d < 1e15 && d == double(int64_t(d))) return std::to_string(int64_t(d));
  return Json(d).dump();
}

// Shortened so a huge bad value cannot make a huge message.
std::string shown(const Json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

// One JSON object being read, with its pointer for messages.
class Obj {
public:
  Obj(const Json& j, std::string ptr) : j_(j), ptr_(std::move(ptr)) {
    if (!j_.is_object()) fail(ptr_, "must be an object, got " + std::string(j_.type_name()));
  }
  [[noreturn]] static void fail(const std::string& ptr, const std::string& msg) {
    throw Bad{ptr, msg};
  }
  std::string at(std::string_view key) const { return ptr_ + "/" + escapePointer(key); }

  const Json* get(const char* key, bool required) const {
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) fail(at(key), "missing (required)");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const char* key, bool required = false) const {
    const Json* v = get(key, required);
    if (!v) return {};
    if (!v->is_string()) fail(at(key), "must be a string, got " + std::string(v->type_name()));
    return v->get<std::string>();
  }
  int64_t count(const char* key, bool required = false) const {
    const Json* v = get(key, required);
    if (!v) return 0;
    if (!v->is_number_integer()) fail(at(key), "must be an integer, got " + shown(*v));
    if (v->is_number_unsigned() ? v->get<uint64_t>() > uint64_t(INT64_MAX) : v->get<int64_t>() < 0)
      fail(at(key), "must be an integer from 0 to 2^63-1, got " + shown(*v));
    return v->get<int64_t>();
  }
  double number(const char* key, double min, double max, bool required = false) const {
    const Json* v = get(key, required);
    if (!v) return min;
    if (!v->is_number()) fail(at(key), "must be a number, got " + std::string(v->type_name()));
    double d = v->get<double>();
    if (!std::isfinite(d) || d < min || d > max) {
      std::string range =
          max == kInf ? "at least " + num(min) : "from " + num(min) + " to " + num(max);
      fail(at(key), "must be a number " + range + ", got " + shown(*v));
    }
    return d;
  }
  bool boolean(const char* key) const {
    const Json* v = get(key, false);
    if (!v) return false;
    if (!v->is_boolean()) fail(at(key), "must be true or false, got " + shown(*v));
    return v->get<bool>();
  }
  const Json* array(const char* key) const {
    const Json* v = get(key, false);
    if (v && !v->is_array()) fail(at(key), "must be an array, got " + std::string(v->type_name()));
    return v;
  }

private:
  const Json& j_;
  std::string ptr_;
};

template <typename E, std::size_t N>
E enumeration(const Obj& o, const char* key, const E (&all)[N], E fallback) {
  std::string s = o.str(key);
  if (s.empty() && !o.get(key, false)) return fallback;
  for (E e : all)
    if (toString(e) == s) return e;
  std::string known;
  for (E e : all)
    known += (known.empty() ? "" : ", ") + std::string(toString(e));
  Obj::fail(o.at(key), "unknown value " + Json(s).dump().substr(0, 40) + " (known: " + known + ")");
}

Agreement readAgreement(const Obj& parent, const char* key) {
  const Json* v = parent.get(key, false);
  if (!v) return {};
  Obj o(*v, parent.at(key));
  Agreement a{o.count("samples"), o.count("agreed")};
  if (a.agreed > a.samples)
    Obj::fail(o.at("agreed"), "more agreed (" + std::to_string(a.agreed) + ") than samples (" +
                                  std::to_string(a.samples) + ")");
  return a;
}

CallStats readStats(const Json& v, const std::string& ptr) {
  Obj o(v, ptr);
  CallStats s;
  s.calls = o.count("calls");
  s.ttftMs = o.number("ttft_ms", 0, kInf);
  s.tokensPerS = o.number("tokens_per_s", 0, kInf);
  s.latencyMs = o.number("latency_ms", 0, kInf);
  s.costUsd = o.number("cost_usd", 0, kInf);
  s.cachedPromptShare = o.number("cached_prompt_share", 0, 1);
  return s;
}

CallStats readStats(const Obj& parent, const char* key) {
  const Json* v = parent.get(key, false);
  return v ? readStats(*v, parent.at(key)) : CallStats{};
}

Candidate readCandidate(const Json& v, const std::string& ptr) {
  static constexpr CandidateKind kinds[] = {CandidateKind::Model, CandidateKind::MaxTokens,
                                            CandidateKind::Native, CandidateKind::Fused};
  static constexpr AgreementMethod methods[] = {AgreementMethod::Exact, AgreementMethod::FieldWise,
                                                AgreementMethod::Judge,
                                                AgreementMethod::LengthFormat};
  Obj o(v, ptr);
  Candidate c;
  o.get("kind", true);
  c.kind = enumeration(o, "kind", kinds, CandidateKind::Model);
  c.value = o.str("value", true);
  if (c.value.empty()) Obj::fail(o.at("value"), "must not be empty");
  if (c.kind == CandidateKind::MaxTokens) {
    bool digits =
        c.value.size() <= 9 && c.value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoll(c.value) < 1)
      Obj::fail(o.at("value"), "a max_tokens candidate's value must be a whole number from 1 to "
                               "999999999, got " +
                                   Json(c.value).dump().substr(0, 40));
  }
  c.method = enumeration(o, "method", methods, AgreementMethod::Exact);
  c.agreement = readAgreement(o, "agreement");
  c.stats = readStats(o, "stats");
  c.accepted = o.boolean("accepted");
  c.why = o.str("why");
  return c;
}

StepProfile readStep(const Json& v, const std::string& ptr) {
  Obj o(v, ptr);
  StepProfile s;
  s.id = o.str("id", true);
  if (s.id.empty()) Obj::fail(o.at("id"), "must not be empty");
  s.hash = o.str("hash", true);
  s.model = o.str("model");
  s.task = o.str("task");
  s.reference = readStats(o, "reference");
  if (const Json* t = o.get("answer_tokens", false)) {
    Obj a(*t, o.at("answer_tokens"));
    s.answerTokens = {a.count("p50"), a.count("p95"), a.count("max")};
  }
  if (const Json* cs = o.array("candidates"))
    for (std::size_t i = 0; i < cs->size(); ++i)
      s.candidates.push_back(readCandidate((*cs)[i], o.at("candidates") + "/" + std::to_string(i)));
  return s;
}

BranchProfile readBranch(const Json& v, const std::string& ptr) {
  Obj o(v, ptr);
  BranchProfile b{o.str("id", true), o.count("samples", true), o.count("taken", true)};
  if (b.taken > b.samples)
    Obj::fail(o.at("taken"), "more taken (" + std::to_string(b.taken) + ") than samples (" +
                                 std::to_string(b.samples) + ")");
  return b;
}

FrontPoint readFront(const Json& v, const std::string& ptr) {
  Obj o(v, ptr);
  FrontPoint f;
  f.label = o.str("label", true);
  f.latencyMs = o.number("latency_ms", 0, kInf);
  f.costUsd = o.number("cost_usd", 0, kInf);
  f.agreement = readAgreement(o, "agreement");
  f.heldOut = o.boolean("held_out");
  return f;
}

template <typename T, typename Read>
void readArray(const Obj& o, const char* key, std::vector<T>& out, Read read) {
  if (const Json* a = o.array(key))
    for (std::size_t i = 0; i < a->size(); ++i)
      out.push_back(read((*a)[i], o.at(key) + "/" + std::to_string(i)));
}

void readTop(const Obj& o, Profile& p) {
  p.flow = o.str("flow");
  p.workflow = o.str("workflow", true);
  p.sourceHash = o.str("source_hash", true);
  p.minAgreement = o.get("min_agreement", false) ? o.number("min_agreement", 0, 1) : 0.95;
  if (const Json* c = o.get("confidence", false)) { // absent: 0.5, the observed rate
    p.confidence = o.number("confidence", 0.5, 1);
    if (p.confidence >= 1) // a bound at confidence 1 is 0: no bar could be met
      Obj::fail(o.at("confidence"), "must be a number from 0.5 to below 1, got " + shown(*c));
  }
  if (const Json* s = o.get("samples", false)) {
    Obj so(*s, o.at("samples"));
    p.samples = so.count("tuning");
    p.heldOutSamples = so.count("held_out");
  }
  if (const Json* m = o.get("models", false)) {
    Obj mo(*m, o.at("models")); // checks it is an object
    for (const auto& [name, stats] : m->items())
      p.models[name] = readStats(stats, o.at("models") + "/" + escapePointer(name));
  }
  readArray(o, "steps", p.steps, readStep);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < p.steps.size(); ++i)
    if (!ids.insert(p.steps[i].id).second)
      Obj::fail(o.at("steps") + "/" + std::to_string(i) + "/id",
                "step " + Json(p.steps[i].id).dump().substr(0, 40) + " appears twice");
  readArray(o, "branches", p.branches, readBranch);
  readArray(o, "front", p.front, readFront);
}

// Nesting depth of the text's arrays and objects, outside strings; stops counting past `limit`.
bool deeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

} // namespace

std::string ParseError::text() const {
  return (pointer.empty() ? std::string("(top level)") : pointer) + ": " + message;
}

std::optional<Profile> parse(std::string_view text, ParseError& error) {
  error = {};
  if (text.size() > kMaxBytes) {
    error.message = "larger than 64 MB";
    return std::nullopt;
  }
  if (deeperThan(text, kMaxDepth)) {
    error.message = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return std::nullopt;
  }
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // The position only: nlohmann's message quotes the text around it, which may not be a
    // profile at all (never print what the user did not write).
    error.message = "not valid JSON (at byte " + std::to_string(e.byte) + ")";
    error.byte = e.byte > 0 ? e.byte - 1 : 0;
    return std::nullopt;
  } catch (const Json::exception&) {
    // out_of_range: a number too large for a double ("1E999"); nlohmann gives no position.
    error.message = "not valid JSON (a number out of range)";
    return std::nullopt;
  }
  try {
    Obj o(j, "");
    const Json* v = o.get("awc_profile", false);
    if (!v) Obj::fail("", "missing 'awc_profile' (is this an awc profile?)");
    if (!v->is_number_integer() || *v != kProfileVersion)
      Obj::fail("/awc_profile", "unsupported profile version " + shown(*v) +
                                    " (this compiler reads version " +
                                    std::to_string(kProfileVersion) + ")");
    Profile p;
    readTop(o, p);
    return p;
  } catch (const Bad& e) {
    error.pointer = e.pointer;
    error.message = e.message;
    error.byte = locate(text, e.pointer);
    return std::nullopt;
  }
}

std::optional<Profile> parse(std::string_view text, std::string& error) {
  ParseError e;
  std::optional<Profile> p = parse(text, e);
  if (!p) error = e.text();
  return p;
}

} // namespace awc::profile
