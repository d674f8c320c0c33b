// The simulator's free-text length model: a few tables of cues in a request's words and the
// typical answer length each asks for (docs/simulator.md, "Answer length": the table, its
// order and where the figures come from). Deterministic, linear in the request's text.
#include "awc/sim/answer_length.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace awc::sim {
namespace {

// Typical lengths in tokens. Illustrative figures, rounded from public observations of what
// large chat models write (docs/simulator.md); the compiler's estimate uses the same table.
constexpr double kValueTokens = 10;    // a date, an id, a name: "YYYY-MM-DD", "name only"
constexpr double kFactTokens = 25;     // a one-sentence answer to a factual question
constexpr double kDefaultTokens = 250; // a free-text answer with no cue at all
constexpr double kBrief = 0.5;         // "short", "brief", "concise", "briefly"
constexpr double kDetailed = 1.6;      // "detailed", "thorough", "in detail"
constexpr double kAtMost = 0.85;       // models stay under "at most N": about 85 % of it
constexpr double kAtLeast = 1.15;

struct Unit {
  std::string_view word;
  double tokens; // per unit
};
// Units of an explicit limit (a token is about ¾ of an English word).
constexpr Unit kUnits[] = {{"word", 1.3},  {"sentence", 22}, {"paragraph", 130},  {"line", 14},
                           {"bullet", 18}, {"point", 18},    {"character", 0.25}, {"char", 0.25}};

struct Kind {
  std::string_view name;
  double tokens;
  std::initializer_list<std::string_view> nouns;
};
// The kind of text asked for, by the noun an instruction verb asks for.
const Kind kKinds[] = {
    {"label", 12, {"title", "headline", "subject", "tagline", "slogan", "caption", "heading"}},
    {"list", 150, {"list", "checklist", "bullets"}},
    {"answer", 150, {"answer", "explanation", "description"}},
    {"summary", 200, {"summary", "overview", "recap", "abstract", "synopsis", "tldr"}},
    {"message",
     220,
     {"email", "mail", "reply", "response", "message", "letter", "note", "notice", "announcement",
      "entry", "handover", "update", "invitation"}},
    {"document",
     450,
     {"memo", "report", "section", "plan", "itinerary", "proposal", "analysis", "assessment",
      "article", "essay", "review", "agenda", "minutes", "story"}},
};

// Verbs that ask for a text, and the kind each asks for when no noun says more ("" = none).
struct Verb {
  std::string_view word, kind;
};
constexpr Verb kVerbs[] = {{"write", ""},
                           {"draft", ""},
                           {"compose", ""},
                           {"prepare", ""},
                           {"produce", ""},
                           {"create", ""},
                           {"generate", ""},
                           {"give", ""},
                           {"provide", ""},
                           {"suggest", ""},
                           {"propose", ""},
                           {"recommend", ""},
                           {"rewrite", ""},
                           {"summarise", "summary"},
                           {"summarize", "summary"},
                           {"answer", "answer"},
                           {"explain", "answer"},
                           {"describe", "answer"},
                           {"list", "list"},
                           {"outline", "list"},
                           {"reply", "message"},
                           {"respond", "message"}};

constexpr std::string_view kBriefWords[] = {"short", "brief", "concise", "quick", "succinct"};
constexpr std::string_view kDetailWords[] = {"detailed", "thorough", "comprehensive", "long",
                                             "extensive"};

struct Word {
  std::string_view w;
  bool end = false;      // a sentence ends after it
  bool question = false; // ... with a question mark
};

template <class Range> bool isIn(std::string_view w, const Range& range) {
  return std::find(std::begin(range), std::end(range), w) != std::end(range);
}

/// Words (runs of ASCII letters and digits, lower-cased into `lower`) and sentence ends: . ! ?
/// : ; followed by a space, or a blank line.
std::vector<Word> scan(std::string_view text, std::string& lower) {
  lower.resize(text.size());
  std::transform(text.begin(), text.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  std::vector<Word> words;
  auto alnum = [&](size_t i) { return std::isalnum(static_cast<unsigned char>(lower[i])) != 0; };
  size_t i = 0, n = lower.size();
  while (i < n) {
    size_t start = i;
    while (i < n && alnum(i))
      ++i;
    if (i > start) words.push_back({std::string_view(lower).substr(start, i - start)});
    size_t gap = i;
    while (i < n && !alnum(i))
      ++i;
    if (words.empty()) continue;
    for (size_t k = gap; k < i; ++k) {
      char c = lower[k];
      bool spaceAfter = k + 1 >= n || std::isspace(static_cast<unsigned char>(lower[k + 1]));
      if ((c == '.' || c == '!' || c == '?' || c == ':' || c == ';') && spaceAfter)
        words.back().end = true;
      if (c == '?') words.back().question = words.back().question || spaceAfter;
      if (c == '\n' && lower.find('\n', k + 1) < i &&
          lower.find_first_not_of(" \t\r", k + 1) == lower.find('\n', k + 1))
        words.back().end = true; // a blank line
    }
  }
  if (!words.empty()) words.back().end = true;
  return words;
}

/// "replies" → "reply", "words" → "word"; other words unchanged.
std::string singular(std::string_view w) {
  if (w.size() > 4 && w.ends_with("ies")) return std::string(w.substr(0, w.size() - 3)) + "y";
  if (w.size() > 3 && w.ends_with('s') && !w.ends_with("ss"))
    return std::string(w.substr(0, w.size() - 1));
  return std::string(w);
}

/// A count: digits, or a number word; 0 when `w` is neither.
double number(std::string_view w) {
  if (!w.empty() && w.size() <= 6 &&
      std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::stod(std::string(w));
  static constexpr std::pair<std::string_view, double> kNumbers[] = {
      {"a", 1},        {"an", 1},       {"one", 1},      {"single", 1},  {"two", 2},
      {"couple", 2},   {"three", 3},    {"few", 3},      {"four", 4},    {"five", 5},
      {"six", 6},      {"seven", 7},    {"eight", 8},    {"nine", 9},    {"ten", 10},
      {"twelve", 12},  {"fifteen", 15}, {"twenty", 20},  {"thirty", 30}, {"forty", 40},
      {"fifty", 50},   {"sixty", 60},   {"seventy", 70}, {"eighty", 80}, {"ninety", 90},
      {"hundred", 100}};
  for (const auto& [word, value] : kNumbers)
    if (w == word) return value;
  return 0;
}

struct Limit {
  double tokens = 0, ceiling = 0;
  std::string_view unit;
};

/// The explicit limit whose unit is words[u], if its count and the words before it make one.
std::optional<Limit> limitAt(const std::vector<Word>& words, size_t u) {
  std::string unit = singular(words[u].w);
  const Unit* found = nullptr;
  for (const Unit& k : kUnits)
    if (unit == k.word) found = &k;
  if (!found || u == 0) return std::nullopt;
  auto w = [&](size_t i) { return i < words.size() ? words[i].w : std::string_view(); };
  if (found->word == "point" && w(u - 1) != "bullet" && w(u - 1) != "key") return std::nullopt;
  // The count: right before the unit, or before one adjective ("two short paragraphs").
  size_t c = u - 1;
  if (number(w(c)) == 0 || words[c].end) {
    if (c == 0 || words[c - 1].end || number(w(c - 1)) == 0 || number(w(c)) != 0)
      return std::nullopt;
    c = c - 1;
  }
  bool article = w(c) == "a" || w(c) == "an";
  if (article && (c != u - 1 || found->word == "bullet" || found->tokens < 1)) return std::nullopt;
  double n = number(w(c));
  size_t first = c;            // a range: "50-100 words", "two or three sentences"
  auto other = [&](size_t i) { // a range's other end: a count that is not an article
    return words[i].end || w(i) == "a" || w(i) == "an" ? 0.0 : number(w(i));
  };
  if (c >= 1 && !article && other(c - 1) > 0) {
    n = (n + number(w(c - 1))) / 2, first = c - 1;
  } else if (c >= 2 && !article && (w(c - 1) == "to" || w(c - 1) == "or" || w(c - 1) == "and") &&
             !words[c - 1].end && other(c - 2) > 0) {
    n = (n + number(w(c - 2))) / 2, first = c - 2;
  }
  // What comes before the count says whether it limits the answer.
  size_t p = first - 1;
  if (first >= 2 && (w(p) == "a" || w(p) == "an" || w(p) == "the") && !words[p].end) --p;
  bool before = first >= 1 && !words[p].end;
  std::string_view x = before ? w(p) : "",
                   y = before && p >= 1 && !words[p - 1].end ? w(p - 1) : "";
  std::string_view z = before && p >= 2 && !words[p - 2].end ? w(p - 2) : "";
  double factor = 0;
  if (x == "under" || x == "within" || x == "below" || x == "max" || x == "maximum" ||
      (x == "most" && y == "at") || (x == "to" && y == "up") || (x == "of" && y == "maximum") ||
      (x == "than" && (y == "fewer" || y == "less" || (y == "more" && (z == "no" || z == "not")))))
    factor = kAtMost;
  else if ((x == "least" && y == "at") || (x == "than" && y == "more") || x == "over")
    factor = kAtLeast;
  else if (x == "in" || x == "to" || x == "about" || x == "around" || x == "roughly" ||
           x == "approximately" || x == "exactly" || x == "is" || x == "are" || x == "be" ||
           x == "use" || std::any_of(std::begin(kVerbs), std::end(kVerbs), [&](const Verb& v) {
             return v.word == x;
           }))
    factor = 1;
  if (!words[u].end && (w(u + 1) == "max" || w(u + 1) == "maximum" ||
                        (w(u + 1) == "or" && (w(u + 2) == "less" || w(u + 2) == "fewer"))))
    factor = kAtMost;
  if (factor == 0 && n > 1 && words[u].w == found->word) factor = 1; // "a 100-word summary"
  if (factor == 0) return std::nullopt;
  Limit limit{n * found->tokens * factor, factor == kAtMost ? n * found->tokens : 0, found->word};
  return limit;
}

/// The largest explicit limit in `words` (a whole answer's limit is larger than its parts').
std::optional<Limit> findLimit(const std::vector<Word>& words) {
  std::optional<Limit> best;
  for (size_t u = 0; u < words.size(); ++u)
    if (auto l = limitAt(words, u); l && (!best || l->tokens > best->tokens)) best = l;
  return best;
}

/// Whether the instruction asks for a bare value: a date format, "name only", "nothing else".
bool asksForValue(const std::vector<Word>& words) {
  auto w = [&](size_t i) { return i < words.size() ? words[i].w : std::string_view(); };
  for (size_t i = 0; i < words.size(); ++i) {
    bool starts = i == 0 || words[i - 1].end;
    if (w(i) == "yyyy" || (w(i) == "iso" && w(i + 1) == "8601")) return true;
    if (w(i) == "only" && words[i].end && i > 0 && !words[i - 1].end) return true;
    if ((w(i) == "only" || w(i) == "just") && starts && w(i + 1) == "the") return true;
    if ((w(i) == "nothing" && w(i + 1) == "else") ||
        ((w(i) == "no" || w(i) == "without") && singular(w(i + 1)) == "explanation") ||
        (w(i + 1) == "or" &&
         ((w(i) == "yes" && w(i + 2) == "no") || (w(i) == "true" && w(i + 2) == "false"))))
      return true;
  }
  return false;
}

const Kind* kindNamed(std::string_view name) {
  for (const Kind& k : kKinds)
    if (k.name == name) return &k;
  return nullptr;
}

struct KindCue {
  const Kind* kind = nullptr;
  double modifier = 1;
};

/// The kind an instruction verb asks for: the first kind noun within seven words after it in
/// its sentence ("Write a short status page entry"), with the adjectives on the way.
/// `verbOnly`: instead, the first verb that names a kind by itself ("Summarise", "Answer").
KindCue findKind(const std::vector<Word>& words, bool verbOnly) {
  static constexpr std::string_view kDeterminers[] = {"a",    "an",   "the",  "your",
                                                      "this", "that", "each", "our"};
  for (size_t v = 0; v < words.size(); ++v) {
    const Verb* verb = nullptr;
    for (const Verb& k : kVerbs)
      if (words[v].w == k.word) verb = &k;
    if (!verb || (v > 0 && !words[v - 1].end && isIn(words[v - 1].w, kDeterminers))) continue;
    // "Summarise the report": a verb that names its kind names it whatever its object is.
    if (verbOnly != !verb->kind.empty()) continue;
    if (verbOnly) return {kindNamed(verb->kind)};
    double modifier = 1;
    for (size_t i = v + 1; i < words.size() && i <= v + 7 && !words[i - 1].end; ++i) {
      std::string_view w = words[i].w;
      // "the brief in markdown": a noun where nothing but a preposition or the end follows.
      bool briefNoun =
          w == "brief" && (words[i].end || i + 1 == words.size() ||
                           isIn(words[i + 1].w, std::initializer_list<std::string_view>{
                                                    "in", "for", "on", "about", "of", "to"}));
      if (briefNoun) return {kindNamed("document"), modifier};
      if (isIn(w, kBriefWords)) modifier = modifier < 1 ? modifier : modifier * kBrief;
      if (isIn(w, kDetailWords)) modifier = modifier > 1 ? modifier : modifier * kDetailed;
      std::string one = singular(w);
      for (const Kind& k : kKinds)
        if (isIn(w, k.nouns) || isIn(std::string_view(one), k.nouns)) return {&k, modifier};
    }
  }
  return {};
}

/// The last question's length: a factual one ("What is the invoice number?") is answered in a
/// sentence, an open one ("Why ...?", "How does ...?") at an answer's length; 0: no question.
double questionTokens(const std::vector<Word>& words) {
  static constexpr std::string_view kHowMuch[] = {"many", "much", "long", "old", "often", "far"};
  for (size_t q = words.size(); q-- > 0;) {
    if (!words[q].question) continue;
    size_t s = q;
    while (s > 0 && !words[s - 1].end)
      --s;
    for (size_t i = s; i <= q && i < s + 3; ++i)
      if (words[i].w == "why" || (words[i].w == "how" && i < q && !isIn(words[i + 1].w, kHowMuch)))
        return kindNamed("answer")->tokens;
    return kFactTokens;
  }
  return 0;
}

/// "Be concise", "briefly", "in detail" anywhere: what the text says of every answer's length.
double freeModifier(const std::vector<Word>& words) {
  double m = 1;
  auto w = [&](size_t i) { return i < words.size() ? words[i].w : std::string_view(); };
  for (size_t i = 0; i < words.size(); ++i) {
    if (w(i) == "briefly" || w(i) == "concisely" || w(i) == "succinctly" || w(i) == "concise" ||
        (w(i) == "be" && w(i + 1) == "brief") ||
        (w(i) == "keep" && w(i + 1) == "it" && (w(i + 2) == "short" || w(i + 2) == "brief")))
      m = kBrief;
    if (w(i) == "in" && (w(i + 1) == "detail" || w(i + 1) == "depth")) return kDetailed;
  }
  return m;
}

} // namespace

AskedLength askedLength(std::string_view instruction, std::string_view system) {
  std::string lowerI, lowerS;
  std::vector<Word> words = scan(instruction, lowerI), sys = scan(system, lowerS);
  if (asksForValue(words)) return {kValueTokens, 0, "value"};
  for (const auto* text : {&words, &sys})
    if (auto limit = findLimit(*text)) return {limit->tokens, limit->ceiling, limit->unit};
  // The kind: a noun after a verb, a verb alone, a question — in the instruction, then in the
  // system prompt; else the default.
  KindCue cue = findKind(words, false);
  if (!cue.kind) cue = findKind(words, true);
  double tokens = 0;
  std::string_view rule = "default";
  if (!cue.kind && (tokens = questionTokens(words)) > 0) {
    rule = tokens == kFactTokens ? "fact" : "answer";
  } else if (!cue.kind) {
    cue = findKind(sys, false);
    if (!cue.kind) cue = findKind(sys, true);
  }
  if (cue.kind) tokens = cue.kind->tokens, rule = cue.kind->name;
  if (tokens == 0) tokens = kDefaultTokens;
  double modifier = cue.modifier != 1 ? cue.modifier : freeModifier(words);
  if (modifier == 1) modifier = freeModifier(sys);
  return {tokens * modifier, 0, rule};
}

size_t drawAnswerTokens(const AskedLength& asked, uint64_t seed) {
  // splitmix64's finaliser: a uniform draw in [0, 1) from the request's hash.
  uint64_t z = (seed ^ 0x6a09e667f3bcc909ULL) + 0x9e3779b97f4a7c15ULL; // apart from the prose's
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  double u = static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);
  double tokens = asked.tokens * (0.75 + 0.5 * u);
  if (asked.ceiling > 0) tokens = std::min(tokens, asked.ceiling);
  return static_cast<size_t>(std::max(1.0, std::round(tokens)));
}

} // namespace awc::sim
