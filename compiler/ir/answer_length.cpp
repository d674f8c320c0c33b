// The estimate of a free-text answer's length from what a step's static prompt text asks for:
// a format ("YYYY-MM-DD", "name only"), an explicit limit ("in at most 50 words", "one
// paragraph"), the kind of text ("write the follow-up email"), a question; else the documented
// default (docs/optimizations.md, "The cost model"). `awc sim` answers by its own reading of the
// rendered request (sim/answer_length.cpp); the two agree in expectation on the phrasings in the
// table there, and are kept apart on purpose: the simulator stands for a real server.
#include "awc/ir/cost_model.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::ir {
namespace {

// The table (docs/simulator.md, "Answer length", says where the figures come from).
constexpr double kValue = 10, kFact = 25, kAnswer = 150;
constexpr double kShorter = 0.5, kLonger = 1.6, kUnderLimit = 0.85, kOverLimit = 1.15;

struct Tok {
  std::string text;    // lower case, ASCII letters and digits
  bool lastInSentence; // . ! ? : ; then a space, or a blank line, follow it
  bool endsQuestion;   // ... with a question mark
};

bool one(std::string_view w, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), w) != set.end();
}

/// Static text as words; an interpolated value stands as one word, "value", as it stands
/// somewhere in the sentence at run time.
std::vector<Tok> words(const std::string& text) {
  std::vector<Tok> out;
  size_t i = 0;
  auto isWord = [&](size_t k) { return std::isalnum(static_cast<unsigned char>(text[k])) != 0; };
  while (i < text.size()) {
    std::string w;
    for (; i < text.size() && isWord(i); ++i)
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    if (!w.empty()) out.push_back({std::move(w), false, false});
    int newlines = 0;
    for (; i < text.size() && !isWord(i); ++i) {
      char c = text[i];
      bool spaced = i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]));
      if (c == '\n')
        ++newlines;
      else if (c != ' ' && c != '\t' && c != '\r')
        newlines = 0;
      if (out.empty()) continue;
      if ((std::strchr(".!?:;", c) && spaced) || newlines >= 2) out.back().lastInSentence = true;
      if (c == '?' && spaced) out.back().endsQuestion = true;
    }
  }
  if (!out.empty()) out.back().lastInSentence = true;
  return out;
}

/// Reads words by index, "" past either end, and never across a sentence end.
struct Reader {
  const std::vector<Tok>& t;
  std::string_view at(size_t i) const { return i < t.size() ? std::string_view(t[i].text) : ""; }
  /// Whether words i and i+1 are in one sentence.
  bool joined(size_t i) const { return i + 1 < t.size() && !t[i].lastInSentence; }
};

std::string stem(std::string_view w) {
  if (w.size() > 4 && w.substr(w.size() - 3) == "ies")
    return std::string(w.substr(0, w.size() - 3)) + "y";
  if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's')
    return std::string(w.substr(0, w.size() - 1));
  return std::string(w);
}

double countOf(std::string_view w, bool articles) {
  if (!w.empty() && w.size() <= 6 &&
      std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::stod(std::string(w));
  if (articles && (w == "a" || w == "an")) return 1;
  static const std::array<std::pair<std::string_view, double>, 25> kWords{
      {{"one", 1},      {"single", 1},  {"two", 2},     {"couple", 2},   {"three", 3},
       {"few", 3},      {"four", 4},    {"five", 5},    {"six", 6},      {"seven", 7},
       {"eight", 8},    {"nine", 9},    {"ten", 10},    {"twelve", 12},  {"fifteen", 15},
       {"twenty", 20},  {"thirty", 30}, {"forty", 40},  {"fifty", 50},   {"sixty", 60},
       {"seventy", 70}, {"eighty", 80}, {"ninety", 90}, {"hundred", 100}}};
  for (const auto& [word, n] : kWords)
    if (w == word) return n;
  return 0;
}

/// Tokens per unit of an explicit limit, 0 when `w` is no unit.
double unitTokens(std::string_view singular) {
  if (singular == "word") return 1.3;
  if (singular == "sentence") return 22;
  if (singular == "paragraph") return 130;
  if (singular == "line") return 14;
  if (singular == "bullet" || singular == "point") return 18;
  if (singular == "character" || singular == "char") return 0.25;
  return 0;
}

const std::initializer_list<std::string_view> kAskVerbs = {
    "write",   "draft",    "compose", "prepare",   "produce", "create",    "generate",  "give",
    "provide", "suggest",  "propose", "recommend", "rewrite", "summarise", "summarize", "answer",
    "explain", "describe", "list",    "outline",   "reply",   "respond"};

/// The largest explicit limit in the text, in tokens, or nothing.
std::optional<double> explicitLimit(const std::vector<Tok>& t) {
  Reader r{t};
  std::optional<double> best;
  for (size_t u = 1; u < t.size(); ++u) {
    std::string unit = stem(r.at(u));
    double per = unitTokens(unit);
    if (per == 0 || (unit == "point" && r.at(u - 1) != "bullet" && r.at(u - 1) != "key")) continue;
    // "two paragraphs", "two short paragraphs"; "a" only right before a sentence or paragraph.
    size_t c = u - 1;
    bool adjacent =
        r.joined(c) && countOf(r.at(c), per >= 1 && unit != "bullet" && unit != "point") > 0;
    if (!adjacent) {
      if (c == 0 || !r.joined(c - 1) || !r.joined(c) || countOf(r.at(c), false) > 0 ||
          countOf(r.at(c - 1), false) == 0)
        continue;
      --c;
    }
    bool article = r.at(c) == "a" || r.at(c) == "an";
    double n = countOf(r.at(c), true);
    size_t from = c;
    if (!article && c >= 1 && r.joined(c - 1) && countOf(r.at(c - 1), false) > 0) {
      n = (n + countOf(r.at(c - 1), false)) / 2, from = c - 1; // "50-100 words"
    } else if (!article && c >= 2 && r.joined(c - 1) && r.joined(c - 2) &&
               one(r.at(c - 1), {"to", "or", "and"}) && countOf(r.at(c - 2), false) > 0) {
      n = (n + countOf(r.at(c - 2), false)) / 2, from = c - 2; // "two or three sentences"
    }
    // The words before the count: a limit's introduction, or nothing that makes it one.
    std::string_view x, y, z;
    if (from >= 1 && r.joined(from - 1)) {
      size_t p = from - 1;
      if (one(r.at(p), {"a", "an", "the"}) && p >= 1 && r.joined(p - 1)) --p;
      x = r.at(p);
      if (p >= 1 && r.joined(p - 1)) y = r.at(p - 1);
      if (p >= 2 && r.joined(p - 2) && r.joined(p - 1)) z = r.at(p - 2);
    }
    double f = 0;
    bool noMore =
        (x == "most" && y == "at") || (x == "to" && y == "up") || (x == "of" && y == "maximum") ||
        (x == "than" && (one(y, {"fewer", "less"}) || (y == "more" && one(z, {"no", "not"}))));
    if (noMore || one(x, {"under", "within", "below", "max", "maximum"}))
      f = kUnderLimit;
    else if ((x == "least" && y == "at") || (x == "than" && y == "more") || x == "over")
      f = kOverLimit;
    else if (one(x, {"in", "to", "about", "around", "roughly", "approximately", "exactly", "is",
                     "are", "be", "use"}) ||
             one(x, kAskVerbs))
      f = 1;
    if (r.joined(u) && (one(r.at(u + 1), {"max", "maximum"}) ||
                        (r.at(u + 1) == "or" && one(r.at(u + 2), {"less", "fewer"}))))
      f = kUnderLimit;
    if (f == 0 && n > 1 && r.at(u) == unit) f = 1; // "a 100-word summary"
    if (f > 0) best = std::max(best.value_or(0), n * per * f);
  }
  return best;
}

/// A bare value: "YYYY-MM-DD", "ISO 8601", "... only.", "Only the name.", "nothing else".
bool bareValue(const std::vector<Tok>& t) {
  Reader r{t};
  for (size_t i = 0; i < t.size(); ++i) {
    std::string_view w = r.at(i), next = r.at(i + 1);
    bool first = i == 0 || t[i - 1].lastInSentence;
    if (w == "yyyy" || (w == "iso" && next == "8601")) return true;
    if (w == "only" && t[i].lastInSentence && !first) return true;
    if (one(w, {"only", "just"}) && first && next == "the") return true;
    if (w == "nothing" && next == "else") return true;
    if (one(w, {"no", "without"}) && stem(next) == "explanation") return true;
    if (next == "or" &&
        ((w == "yes" && r.at(i + 2) == "no") || (w == "true" && r.at(i + 2) == "false")))
      return true;
  }
  return false;
}

/// Typical tokens of the text a noun names ("email", "memo"), 0 when it names none.
double nounTokens(std::string_view w) {
  std::string s = stem(w);
  auto is = [&](std::initializer_list<std::string_view> set) { return one(w, set) || one(s, set); };
  if (is({"title", "headline", "subject", "tagline", "slogan", "caption", "heading"})) return 12;
  if (is({"list", "checklist", "bullets"})) return 150;
  if (is({"answer", "explanation", "description"})) return kAnswer;
  if (is({"summary", "overview", "recap", "abstract", "synopsis", "tldr"})) return 200;
  if (is({"email", "mail", "reply", "response", "message", "letter", "note", "notice",
          "announcement", "entry", "handover", "update", "invitation"}))
    return 220;
  if (is({"memo", "report", "section", "plan", "itinerary", "proposal", "analysis", "assessment",
          "article", "essay", "review", "agenda", "minutes", "story"}))
    return 450;
  return 0;
}

/// What a verb asks for by itself ("Summarise the thread"), 0 for "write" and the like.
double verbTokens(std::string_view v) {
  if (v == "summarise" || v == "summarize") return 200;
  if (one(v, {"answer", "explain", "describe"})) return kAnswer;
  if (v == "list" || v == "outline") return 150;
  if (v == "reply" || v == "respond") return 220;
  return 0;
}

struct Asked {
  double tokens = 0;
  double modifier = 1;
};

/// The first instruction verb followed, within seven words of its sentence, by a noun that
/// names a kind of text; with `alone`, the first verb that names a kind by itself.
Asked askedKind(const std::vector<Tok>& t, bool alone) {
  Reader r{t};
  for (size_t v = 0; v < t.size(); ++v) {
    if (!one(r.at(v), kAskVerbs)) continue;
    if (v > 0 && r.joined(v - 1) &&
        one(r.at(v - 1), {"a", "an", "the", "your", "this", "that", "each", "our"}))
      continue; // a noun: "the answer", "a list"
    // "Summarise the report": a verb that names its kind names it whatever its object is.
    double own = verbTokens(r.at(v));
    if (alone != (own > 0)) continue;
    if (alone) return {own};
    double m = 1;
    for (size_t i = v + 1; i <= v + 7 && r.joined(i - 1); ++i) {
      std::string_view w = r.at(i);
      if (w == "brief" &&
          (!r.joined(i) || one(r.at(i + 1), {"in", "for", "on", "about", "of", "to"})))
        return {450, m}; // "the brief in markdown"
      if (one(w, {"short", "brief", "concise", "quick", "succinct"}) && m >= 1) m *= kShorter;
      if (one(w, {"detailed", "thorough", "comprehensive", "long", "extensive"}) && m <= 1)
        m *= kLonger;
      if (double k = nounTokens(w)) return {k, m};
    }
  }
  return {};
}

/// The last question: factual ones are answered in a sentence, "why" and "how does" at length.
double questionTokens(const std::vector<Tok>& t) {
  for (size_t q = t.size(); q-- > 0;) {
    if (!t[q].endsQuestion) continue;
    size_t s = q;
    while (s > 0 && !t[s - 1].lastInSentence)
      --s;
    for (size_t i = s; i < s + 3 && i <= q; ++i)
      if (t[i].text == "why" ||
          (t[i].text == "how" && i < q &&
           !one(t[i + 1].text, {"many", "much", "long", "old", "often", "far"})))
        return kAnswer;
    return kFact;
  }
  return 0;
}

/// "be concise", "briefly", "keep it short", "in detail": a length wish for any answer.
double wish(const std::vector<Tok>& t) {
  Reader r{t};
  double m = 1;
  for (size_t i = 0; i < t.size(); ++i) {
    std::string_view w = r.at(i), next = r.at(i + 1);
    if (w == "in" && (next == "detail" || next == "depth")) return kLonger;
    if (one(w, {"briefly", "concisely", "succinctly", "concise"}) ||
        (w == "be" && next == "brief") ||
        (w == "keep" && next == "it" && one(r.at(i + 2), {"short", "brief"})))
      m = kShorter;
  }
  return m;
}

/// Estimated tokens of a free-text answer to `instruction`, with `system` for what it lacks.
int64_t answerTokens(const std::string& instruction, const std::string& system, int64_t fallback) {
  std::vector<Tok> ins = words(instruction), sys = words(system);
  if (bareValue(ins)) return static_cast<int64_t>(kValue);
  std::optional<double> limit = explicitLimit(ins);
  if (!limit) limit = explicitLimit(sys);
  if (limit) return std::max<int64_t>(1, std::llround(*limit));
  Asked k = askedKind(ins, false);
  if (k.tokens == 0) k = askedKind(ins, true);
  if (k.tokens == 0) k.tokens = questionTokens(ins);
  if (k.tokens == 0) k = askedKind(sys, false);
  if (k.tokens == 0) k = askedKind(sys, true);
  double tokens = k.tokens > 0 ? k.tokens : static_cast<double>(fallback);
  double m = k.modifier != 1 ? k.modifier : wish(ins);
  if (m == 1) m = wish(sys);
  return std::max<int64_t>(1, std::llround(tokens * m));
}

/// Static text of a message, each interpolated value as the word "value".
void appendStatic(std::string& out, const std::vector<Segment>& segments) {
  for (const Segment& s : segments)
    out += s.isStatic ? s.text : std::string(" value ");
}

} // namespace

int64_t freeTextOutputTokens(const std::vector<Message>& messages, const CostAssumptions& a) {
  std::string instruction, system;
  auto lastUser = std::find_if(messages.rbegin(), messages.rend(),
                               [](const Message& m) { return m.role == "user"; });
  for (const Message& m : messages) {
    if (lastUser != messages.rend() && &m == &*lastUser)
      appendStatic(instruction, m.segments);
    else if (m.role == "system")
      appendStatic(system, m.segments), system += "\n\n";
  }
  return answerTokens(instruction, system, a.freeTextOutputTokens);
}

int64_t fusedFreeTextOutputTokens(const Node& fused, const FusedPart& part,
                                  const CostAssumptions& a) {
  // fuse.cpp writes each task as a header `Task N (key "sNN_name"):` (a static segment of origin
  // "fusion"), then the task's own segments, up to the next task's or shared input's header.
  std::string instruction, system;
  const std::string header = "(key \"" + part.field + "\"):";
  for (const Message& m : fused.llm().messages) {
    if (m.role == "system") {
      appendStatic(system, m.segments);
      continue;
    }
    bool inTask = false;
    for (const Segment& s : m.segments) {
      bool fusionHeader = s.isStatic && s.origin == "fusion" &&
                          (s.text.rfind("Task ", 0) == 0 || s.text.rfind("Input \"", 0) == 0);
      if (fusionHeader) {
        inTask = s.text.find(header) != std::string::npos;
        continue;
      }
      if (inTask) appendStatic(instruction, {s});
    }
  }
  return answerTokens(instruction, system, a.freeTextOutputTokens);
}

} // namespace awc::ir
