// Deterministic answer generation: seeded text, schema-driven JSON, fixtures; the schema
// walker's generate, coerce, differ and violate share its resolver and bounds.
#include "awc/sim/answers.h"

#include "awc/sim/answer_length.h"
#include "awc/support/tokenizer.h"
#include "awc/support/utf8.h"
#include "fused_questions.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace awc::sim {
namespace {

using nlohmann::json;

// Words of at most six letters, so " word" is exactly one token under the shared rule.
constexpr const char* kWords[] = {
    "model",  "plan",   "graph", "token", "cache",  "input",  "output", "value", "result",
    "step",   "flow",   "agent", "tool",  "answer", "query",  "data",   "node",  "branch",
    "record", "field",  "list",  "item",  "score",  "label",  "source", "batch", "stream",
    "fast",   "simple", "clear", "exact", "stable", "sample", "short",  "brief", "final",
    "first",  "next",   "each",  "every", "this",   "that",   "with",   "from",  "into",
    "the",    "a",      "of",    "and",   "to",     "is",     "for",    "runs",  "keeps",
    "gives",  "reads",  "shows", "finds", "checks", "builds", "sends",  "uses"};
constexpr size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

struct Rng {
  uint64_t state;
  uint64_t next() { // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
};

std::string words(Rng& rng, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ' ';
    out += kWords[rng.below(kWordCount)];
  }
  return out;
}

// Words of 7 to 12 letters: two tokens each under the shared rule, so prose averages about 1.3
// tokens a word, as English does under real tokenizers.
constexpr const char* kLongWords[] = {
    "request",  "response", "customer", "estimate", "schedule", "previous", "decision", "document",
    "question", "planning", "context",  "summary",  "service",  "account",  "product",  "general",
    "support",  "current",  "project",  "results",  "process",  "details",  "example",  "quickly",
    "directly", "together", "because",  "between",  "another",  "without"};
constexpr size_t kLongWordCount = sizeof(kLongWords) / sizeof(kLongWords[0]);

// Text of exactly `tokens` tokens: sentences of 8-24 words ending with '.', three in ten words
// long ones, and a blank line between paragraphs of 3-6 sentences.
std::string prose(Rng& rng, size_t tokens) {
  std::string out;
  size_t used = 0, sentences = 0, paragraph = 3 + rng.below(4);
  bool newParagraph = true;
  while (used < tokens) {
    size_t sentence = 8 + rng.below(17);
    for (size_t w = 0; w < sentence && used < tokens; ++w) {
      bool isLong = used + 2 <= tokens && rng.below(10) < 3;
      std::string word =
          isLong ? kLongWords[rng.below(kLongWordCount)] : kWords[rng.below(kWordCount)];
      if (w == 0) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
      if (!newParagraph) out += ' ';
      newParagraph = false;
      out += word;
      used += isLong ? 2 : 1;
    }
    if (used < tokens) {
      out += '.';
      ++used;
    }
    if (++sentences == paragraph && used + 1 < tokens) {
      out += "\n\n";
      ++used;
      sentences = 0;
      paragraph = 3 + rng.below(4);
      newParagraph = true;
    }
  }
  return out;
}

class SchemaWalker {
public:
  SchemaWalker(const json& root, uint64_t seed) : root_(root), rng_{seed} {}

  const json& resolve(const json& s, int depth = 0) const {
    if (depth > 16 || !s.is_object()) return s;
    auto ref = s.find("$ref");
    if (ref == s.end() || !ref->is_string()) return s;
    std::string r = ref->get<std::string>();
    if (r == "#") return root_;
    if (r.rfind("#/", 0) != 0) return s;
    try {
      const json& target = root_.at(json::json_pointer(r.substr(1)));
      return resolve(target, depth + 1);
    } catch (const std::exception&) {
      return s;
    }
  }

  static std::string typeOf(const json& s) {
    auto t = s.find("type");
    if (t != s.end()) {
      if (t->is_string()) return t->get<std::string>();
      if (t->is_array())
        for (const auto& x : *t)
          if (x.is_string() && x != "null") return x.get<std::string>();
      if (t->is_array() && !t->empty() && t->front().is_string())
        return t->front().get<std::string>();
    }
    if (s.contains("properties")) return "object";
    if (s.contains("items")) return "array";
    return "";
  }

  json generate(const json& schemaIn, int depth = 0) {
    if (depth > 32) return nullptr;
    const json& s = resolve(schemaIn);
    if (!s.is_object()) return "value";
    if (auto c = s.find("const"); c != s.end()) return *c;
    if (auto e = s.find("enum"); e != s.end() && e->is_array() && !e->empty())
      return (*e)[rng_.below(e->size())];
    for (const char* k : {"anyOf", "oneOf"})
      if (auto a = s.find(k); a != s.end() && a->is_array() && !a->empty())
        return generate((*a)[0], depth + 1);
    if (auto a = s.find("allOf"); a != s.end() && a->is_array() && !a->empty()) {
      json merged = json::object();
      for (const auto& part : *a) {
        const json& p = resolve(part);
        if (!p.is_object()) continue;
        for (auto it = p.begin(); it != p.end(); ++it) {
          if ((it.key() == "properties") && merged.contains("properties"))
            merged["properties"].update(it.value());
          else if (it.key() == "required" && merged.contains("required"))
            for (const auto& r : it.value())
              merged["required"].push_back(r);
          else
            merged[it.key()] = it.value();
        }
      }
      return generate(merged, depth + 1);
    }
    std::string type = typeOf(s);
    if (type == "object") {
      json obj = json::object();
      if (auto props = s.find("properties"); props != s.end() && props->is_object())
        for (auto it = props->begin(); it != props->end(); ++it)
          obj[it.key()] = generate(it.value(), depth + 1);
      return obj;
    }
    if (type == "array") {
      auto [lo, hi] = itemBounds(s);
      size_t n = lo + rng_.below(hi - lo + 1);
      json arr = json::array();
      const json& items = s.contains("items") ? s["items"] : json::object();
      for (size_t i = 0; i < n; ++i)
        arr.push_back(generate(items, depth + 1));
      return arr;
    }
    if (type == "integer") return genInteger(s);
    if (type == "number") return genNumber(s);
    if (type == "boolean") return rng_.below(2) == 1;
    if (type == "null") return nullptr;
    return genString(s);
  }

  json coerce(const json& v, const json& schemaIn, int depth = 0) {
    if (depth > 32) return generate(schemaIn, depth);
    const json& s = resolve(schemaIn);
    if (!s.is_object()) return v;
    if (auto c = s.find("const"); c != s.end()) return *c;
    if (auto e = s.find("enum"); e != s.end() && e->is_array() && !e->empty()) {
      for (const auto& x : *e)
        if (x == v) return v;
      return generate(s, depth);
    }
    for (const char* k : {"anyOf", "oneOf"})
      if (auto a = s.find(k); a != s.end() && a->is_array() && !a->empty()) {
        for (const auto& branch : *a)
          if (fitsType(v, typeOf(resolve(branch)))) return coerce(v, branch, depth + 1);
        return coerce(v, (*a)[0], depth + 1);
      }
    std::string type = typeOf(s);
    if (!fitsType(v, type) &&
        !(s.contains("type") && s["type"].is_array() && typeListHas(s["type"], v)))
      return generate(s, depth);
    if (type == "object" && v.is_object()) {
      json obj = json::object();
      const json* props =
          s.contains("properties") && s["properties"].is_object() ? &s["properties"] : nullptr;
      bool closed = s.contains("additionalProperties") && s["additionalProperties"] == false;
      if (props)
        for (auto it = props->begin(); it != props->end(); ++it)
          obj[it.key()] = v.contains(it.key()) ? coerce(v[it.key()], it.value(), depth + 1)
                                               : generate(it.value(), depth + 1);
      if (!closed)
        for (auto it = v.begin(); it != v.end(); ++it)
          if (!obj.contains(it.key())) obj[it.key()] = it.value();
      return obj;
    }
    if (type == "array" && v.is_array()) {
      auto [lo, hi] = itemBounds(s, v.size());
      const json& items = s.contains("items") ? s["items"] : json::object();
      json arr = json::array();
      for (size_t i = 0; i < v.size() && i < hi; ++i)
        arr.push_back(coerce(v[i], items, depth + 1));
      while (arr.size() < lo)
        arr.push_back(generate(items, depth + 1));
      return arr;
    }
    if (type == "string" && v.is_string()) {
      std::string str = v.get<std::string>();
      size_t minLen = s.value("minLength", size_t{0});
      size_t maxLen = s.value("maxLength", std::string::npos);
      if (str.size() > maxLen) str.resize(maxLen);
      while (str.size() < minLen)
        str += 'x';
      return str;
    }
    if ((type == "integer" || type == "number") && v.is_number()) {
      double x = v.get<double>();
      double lo, hi;
      numberBounds(s, type == "integer", lo, hi);
      if (x < lo || x > hi || (type == "integer" && std::floor(x) != x))
        return type == "integer" ? genInteger(s) : genNumber(s);
      return v;
    }
    return v;
  }

  // A valid value unlike `ref` (disagreeWith in answers.h): fresh draws until one differs,
  // and inside a record or list only one part changes, as a model that gets one field wrong.
  json differ(const json& ref, const json& schemaIn, int depth = 0) {
    const json& s = resolve(schemaIn);
    if (!s.is_object() || depth > 32 || s.contains("const")) return ref;
    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
      std::vector<const json*> others;
      for (const auto& x : *e)
        if (x != ref) others.push_back(&x);
      return others.empty() ? ref : *others[rng_.below(others.size())];
    }
    for (const char* k : {"anyOf", "oneOf"}) // generate draws from the first branch
      if (auto a = s.find(k); a != s.end() && a->is_array() && !a->empty())
        return differ(ref, (*a)[0], depth + 1);
    std::string type = typeOf(s);
    if (type == "boolean" && ref.is_boolean()) return !ref.get<bool>();
    if (type == "object" && ref.is_object() && s.contains("properties") &&
        s["properties"].is_object() && !s["properties"].empty()) {
      const json& props = s["properties"];
      size_t start = rng_.below(props.size());
      std::vector<std::string> keys;
      for (auto it = props.begin(); it != props.end(); ++it)
        keys.push_back(it.key());
      for (size_t i = 0; i < keys.size(); ++i) { // the first field from `start` that can differ
        const std::string& k = keys[(start + i) % keys.size()];
        if (!ref.contains(k)) continue;
        json changed = differ(ref[k], props[k], depth + 1);
        if (changed == ref[k]) continue;
        json out = ref;
        out[k] = std::move(changed);
        return out;
      }
      return ref;
    }
    if (type == "array" && ref.is_array() && !ref.empty()) {
      const json& items = s.contains("items") ? s["items"] : json::object();
      json out = ref;
      size_t at = rng_.below(ref.size());
      out[at] = differ(ref[at], items, depth + 1);
      return out;
    }
    for (int tries = 0; tries < 16; ++tries) { // scalars (and allOf): redraw until unlike
      json v = generate(s, depth);
      if (v != ref) return v;
    }
    return ref;
  }

  json violate(const json& schemaIn, int depth = 0) {
    const json& s = resolve(schemaIn);
    if (!s.is_object() || depth > 32) return json::array({"unexpected"});
    if (s.contains("enum") || s.contains("const")) return "value-outside-the-schema";
    std::string type = typeOf(s);
    if (type == "object") {
      json obj = generate(s, depth);
      if (auto req = s.find("required");
          req != s.end() && req->is_array() && !req->empty() && (*req)[0].is_string()) {
        obj.erase((*req)[0].get<std::string>());
        return obj;
      }
      if (auto props = s.find("properties");
          props != s.end() && props->is_object() && !props->empty()) {
        obj[props->begin().key()] = violate(props->begin().value(), depth + 1);
        return obj;
      }
      return json::array({"not", "an", "object"});
    }
    if (type == "array") return json{{"not", "an array"}};
    if (type == "string") return 12345;
    if (type == "integer" || type == "number" || type == "boolean") return "not-a-" + type;
    return json::object({{"unexpected", true}});
  }

private:
  static bool fitsType(const json& v, const std::string& type) {
    if (type.empty()) return true;
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "integer")
      return v.is_number_integer() ||
             (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
    if (type == "number") return v.is_number();
    if (type == "boolean") return v.is_boolean();
    if (type == "null") return v.is_null();
    return false;
  }
  static bool typeListHas(const json& types, const json& v) {
    for (const auto& t : types)
      if (t.is_string() && fitsType(v, t.get<std::string>())) return true;
    return false;
  }

  std::pair<size_t, size_t> itemBounds(const json& s, size_t want = 0) {
    size_t lo = s.value("minItems", static_cast<size_t>(want ? 0 : 1));
    size_t hi = s.value("maxItems", std::max<size_t>(lo, want ? want : 1) + 3);
    if (hi < lo) hi = lo;
    if (hi > lo + 64) hi = lo + 64;
    return {lo, hi};
  }

  static void numberBounds(const json& s, bool integer, double& lo, double& hi) {
    lo = s.contains("minimum") && s["minimum"].is_number() ? s["minimum"].get<double>() : 0.0;
    hi =
        s.contains("maximum") && s["maximum"].is_number() ? s["maximum"].get<double>() : lo + 100.0;
    double step = integer ? 1.0 : 0.01;
    if (s.contains("exclusiveMinimum") && s["exclusiveMinimum"].is_number())
      lo = std::max(lo, s["exclusiveMinimum"].get<double>() + step);
    if (s.contains("exclusiveMaximum") && s["exclusiveMaximum"].is_number())
      hi = std::min(hi, s["exclusiveMaximum"].get<double>() - step);
    if (!s.contains("maximum") && !s.contains("exclusiveMaximum")) hi = std::max(hi, lo + 100.0);
    if (hi < lo) hi = lo;
  }

  json genInteger(const json& s) {
    double lo, hi;
    numberBounds(s, true, lo, hi);
    int64_t a = static_cast<int64_t>(std::ceil(lo)), b = static_cast<int64_t>(std::floor(hi));
    if (b < a) b = a;
    int64_t mult = s.contains("multipleOf") && s["multipleOf"].is_number_integer()
                       ? s["multipleOf"].get<int64_t>()
                       : 1;
    if (mult <= 0) mult = 1;
    int64_t first = ((a + mult - 1) / mult) * mult;
    if (a <= 0) first = (a / mult) * mult;
    int64_t count = first <= b ? (b - first) / mult + 1 : 1;
    uint64_t span = static_cast<uint64_t>(std::min<int64_t>(count, 1000000));
    return first + static_cast<int64_t>(rng_.below(span)) * mult;
  }

  json genNumber(const json& s) {
    double lo, hi;
    numberBounds(s, false, lo, hi);
    double x = lo + (hi - lo) * static_cast<double>(rng_.below(10001)) / 10000.0;
    x = std::round(x * 100.0) / 100.0;
    return std::clamp(x, lo, hi);
  }

  json genString(const json& s) {
    std::string format = s.value("format", "");
    std::string out;
    if (format == "date")
      out = "2024-0" + std::to_string(1 + rng_.below(9)) + "-1" + std::to_string(rng_.below(10));
    else if (format == "date-time")
      out = "2024-05-1" + std::to_string(rng_.below(10)) + "T12:00:00Z";
    else if (format == "email")
      out = std::string(kWords[rng_.below(kWordCount)]) + "@example.com";
    else if (format == "uri")
      out = std::string("https://example.com/") + kWords[rng_.below(kWordCount)];
    else if (format == "uuid")
      out = "123e4567-e89b-12d3-a456-42661417400" + std::to_string(rng_.below(10));
    else
      out = words(rng_, 1 + rng_.below(4));
    size_t minLen = s.value("minLength", size_t{0});
    size_t maxLen = s.value("maxLength", std::string::npos);
    while (out.size() < minLen)
      out += std::string(" ") + kWords[rng_.below(kWordCount)];
    if (out.size() > maxLen) out.resize(maxLen);
    while (!out.empty() && out.back() == ' ' && out.size() > minLen)
      out.pop_back();
    return out;
  }

  const json& root_;
  Rng rng_;
};

std::string truncateToTokens(const std::string& text, size_t maxTokens, bool& truncated) {
  truncated = false;
  if (maxTokens == 0) return text;
  size_t i = 0, cut = std::string::npos;
  forEachToken(text, [&](TokenSpan s) {
    if (++i == maxTokens) cut = s.end;
  });
  if (i <= maxTokens) return text;
  truncated = true;
  // Never cut a multi-byte character in two: the answer must stay valid UTF-8.
  return text.substr(0, utf8FloorBoundary(text, cut));
}

// A fused call's answer as a model writes it: each part as long as the separate call's answer
// would be (a free-text part is prose of the length its task asks for, not a few words), one
// key per line, so the JSON framing costs what it costs a real model (docs/simulator.md).
// `scale` shortens the free-text parts (see generateFused).
std::string fusedAnswer(const AnswerRequest& req, double scale) {
  const json& schema = *req.schema;
  const json& props = schema["properties"];
  std::string out = "{";
  size_t i = 0;
  for (auto it = props.begin(); it != props.end(); ++it, ++i) {
    uint64_t partSeed = req.seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
    const json& part = it.value();
    json value;
    bool freeText = part.is_object() && part.value("type", json()) == "string" &&
                    !part.contains("format") && !part.contains("maxLength") &&
                    !part.contains("enum") && !part.contains("pattern");
    if (req.fusedValues && req.fusedValues->contains(it.key())) {
      value = (*req.fusedValues)[it.key()]; // the member's own answer (fused_questions.h)
    } else if (freeText) {
      Rng rng{partSeed};
      AskedLength asked = askedLength(fusedTaskText(req.instruction, it.key()), req.system);
      double tokens = static_cast<double>(drawAnswerTokens(asked, partSeed)) * scale;
      value = prose(rng, std::max<size_t>(1, static_cast<size_t>(tokens)));
    } else {
      value = SchemaWalker(schema, partSeed).generate(part);
    }
    out += (i ? ",\n  " : "\n  ") + json(it.key()).dump() + ": " + value.dump();
  }
  return out + "\n}";
}

// A fused call's max_tokens is the sum of its parts' own bounds (compiler/passes/fuse.cpp), and a
// separate call's free text would have been cut at its own bound: so free-text parts are
// shortened until the whole object fits, rather than cut mid-JSON (docs/simulator.md).
std::string generateFused(const AnswerRequest& req) {
  std::string out = fusedAnswer(req, 1.0);
  double scale = 1.0;
  for (int round = 0; round < 6 && req.maxTokens > 0; ++round) {
    size_t tokens = approxTokenCount(out);
    if (tokens <= req.maxTokens) break;
    scale *= 0.9 * static_cast<double>(req.maxTokens) / static_cast<double>(tokens);
    out = fusedAnswer(req, scale);
  }
  return out;
}

} // namespace

json generateFromSchema(const json& schema, uint64_t seed) {
  return SchemaWalker(schema, seed).generate(schema);
}

json coerceToSchema(const json& value, const json& schema, uint64_t seed) {
  return SchemaWalker(schema, seed).coerce(value, schema);
}

json disagreeWith(const json& reference, const json& schema, uint64_t seed) {
  return SchemaWalker(schema, seed).differ(reference, schema);
}

json violateSchema(const json& schema, uint64_t seed) {
  return SchemaWalker(schema, seed).violate(schema);
}

Answer generateAnswer(const AnswerRequest& req) {
  Answer a;
  std::string full;
  if (req.schema) {
    json value;
    if (req.violateSchema) {
      value = violateSchema(*req.schema, req.seed);
    } else if (req.fixture) {
      json given = req.fixture->answer;
      if (given.is_string()) {
        json parsed = json::parse(given.get<std::string>(), nullptr, false);
        if (!parsed.is_discarded()) given = parsed;
      }
      value = coerceToSchema(given, *req.schema, req.seed);
    } else if (isFusedSchema(*req.schema)) {
      // A disagreeing model writes every part of a fused answer afresh, but the parts the
      // engine decided (fusedValues: each member's own answer, drawn per member).
      AnswerRequest own = req;
      if (req.disagreeSeed) own.seed = *req.disagreeSeed;
      full = generateFused(own);
    } else {
      value = generateFromSchema(*req.schema, req.seed);
      if (req.disagreeSeed) value = disagreeWith(value, *req.schema, *req.disagreeSeed);
    }
    if (full.empty()) full = value.dump();
  } else if (req.fixture) {
    full = req.fixture->answer.is_string() ? req.fixture->answer.get<std::string>()
                                           : req.fixture->answer.dump();
  } else {
    // As long as a real model's answer to what the request asks (sim/answer_length.cpp).
    // A disagreeing model words it differently, and its length varies as any answer's does.
    uint64_t seed = req.disagreeSeed.value_or(req.seed);
    Rng rng{seed};
    full = prose(rng, drawAnswerTokens(askedLength(req.instruction, req.system), seed));
  }
  a.text = truncateToTokens(full, req.maxTokens, a.truncated);
  a.tokens = approxTokenCount(a.text);
  return a;
}

} // namespace awc::sim
